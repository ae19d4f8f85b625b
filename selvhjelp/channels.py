"""Channel backends for the outbox: e-mail through Django's mailer, SMS through a gateway.

Each send returns a provider id and raises outbox.TransientError, PermanentError or
UncertainError, so the dispatcher can keep its delivery promise.
"""

import contextlib
import json
import smtplib
import socket
import urllib.error
import urllib.request
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.utils.module_loading import import_string

from selvhjelp.enums import Channel
from selvhjelp.outbox import (
    PermanentError,
    Rendered,
    TransientError,
    UncertainError,
    message_id,
)


def email_connection():
    """One mail connection for a batch; it opens on first use and reopens after an error."""
    return mailers.default


def send(notification, rendered: Rendered, mail_connection) -> str:
    if notification.channel == Channel.EMAIL:
        return send_email(notification, rendered, mail_connection)
    if notification.channel == Channel.SMS:
        return sms_backend().send(notification.to_address, rendered.text, notification)
    raise PermanentError(f"Unknown channel {notification.channel!r}")


def send_email(notification, rendered: Rendered, mail_connection) -> str:
    msgid = message_id(notification)
    to = (
        formataddr((notification.to_name, notification.to_address))
        if notification.to_name
        else notification.to_address
    )
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[to],
        headers={"Message-ID": msgid, "Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(rendered.html, "text/html")
    for filename, content, mimetype in rendered.attachments:
        message.attach(filename, content, mimetype)
    try:
        if mail_connection.send_messages([message]) != 1:
            raise TransientError("The mail server did not take the message.")
    except Exception as exc:
        _close_quietly(mail_connection)
        raise classify_email_error(exc) from exc
    return msgid


def _close_quietly(mail_connection) -> None:
    # A broken connection is about to be replaced; closing it may fail too.
    with contextlib.suppress(Exception):
        mail_connection.close()


def classify_email_error(exc: Exception) -> Exception:
    """Turn a mail backend's exception into the outbox's transient/permanent kinds."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _reason in exc.recipients.values()})
        if all(code >= 500 for code in codes):
            return PermanentError(f"The address was refused ({codes}).")
        return TransientError(f"The address was refused for now ({codes}).")
    if isinstance(exc, smtplib.SMTPResponseException):
        if exc.smtp_code >= 500:
            return PermanentError(f"The mail server refused the message ({exc.smtp_code}).")
        return TransientError(f"The mail server asked to try later ({exc.smtp_code}).")
    if isinstance(exc, smtplib.SMTPException | OSError):
        return TransientError(f"The mail server could not be reached ({type(exc).__name__}).")
    return exc


# SMS ------------------------------------------------------------------------------------


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


class ConsoleSMSBackend:
    """Development: print the text instead of sending it."""

    def send(self, to: str, text: str, notification) -> str:
        print(f"SMS to {to} [{notification.idempotency_key}]\n{text}\n{'-' * 40}", flush=True)
        return f"console:{notification.pk}"


class MemorySMSBackend:
    """Tests: keep sent texts in `sent` (like Django's locmem mail backend)."""

    sent: list[dict] = []

    def send(self, to: str, text: str, notification) -> str:
        MemorySMSBackend.sent.append({"to": to, "text": text, "key": notification.idempotency_key})
        return f"memory:{len(MemorySMSBackend.sent)}"


class HTTPGatewaySMSBackend:
    """A JSON-over-HTTPS SMS gateway (SMS_GATEWAY_URL, SMS_GATEWAY_TOKEN, SMS_SENDER).

    POST {"to", "from", "text", "reference"} with a bearer token; a 2xx answer with
    {"id": …} means accepted. The reference is the idempotency key, for gateways that
    deduplicate. A refused connection means nothing was sent (retry); a timeout or a 5xx
    after the request went out means we cannot know, so the text is not repeated.
    """

    def send(self, to: str, text: str, notification) -> str:
        body = json.dumps(
            {
                "to": to,
                "from": settings.SMS_SENDER,
                "text": text,
                "reference": notification.idempotency_key,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (URL from settings)
            settings.SMS_GATEWAY_URL,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
                "Content-Type": "application/json",
                "Idempotency-Key": notification.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 429:
                raise TransientError("The SMS gateway asked us to slow down (429).") from exc
            if 400 <= exc.code < 500:
                raise PermanentError(f"The SMS gateway refused the text ({exc.code}).") from exc
            raise UncertainError(f"The SMS gateway failed ({exc.code}); not resent.") from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, ConnectionRefusedError | socket.gaierror):
                raise TransientError("The SMS gateway could not be reached.") from exc
            raise UncertainError("The SMS gateway did not answer; not resent.") from exc
        except (TimeoutError, ValueError) as exc:
            raise UncertainError("The SMS gateway did not answer clearly; not resent.") from exc
        return f"sms:{answer.get('id', '')}"
