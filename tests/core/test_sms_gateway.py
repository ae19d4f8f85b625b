"""The HTTP SMS gateway backend against a fake gateway on loopback."""

import json
import socket
import threading
from datetime import datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import time_machine
from django.db import transaction

from selvhjelp import outbox
from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import Notification

pytestmark = pytest.mark.django_db

NOON = datetime(2026, 11, 23, 12, 0, tzinfo=outbox.OSLO)


class FakeGateway:
    """Answers each POST with the next planned (status, body, delay) and records requests."""

    def __init__(self, plan):
        self.plan = list(plan)
        self.requests = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                gateway.requests.append(
                    {
                        "auth": self.headers["Authorization"],
                        "key": self.headers["Idempotency-Key"],
                        "body": json.loads(self.rfile.read(length)),
                    }
                )
                status, body, delay = gateway.plan.pop(0)
                if delay:
                    threading.Event().wait(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    gateways = []

    def start(*plan):
        fake = FakeGateway(plan)
        gateways.append(fake)
        settings.SMS_BACKEND = "selvhjelp.channels.HTTPGatewaySMSBackend"
        settings.SMS_GATEWAY_URL = fake.url
        settings.SMS_GATEWAY_TOKEN = "secret-token"
        settings.SMS_SENDER = "Selvhjelp"
        return fake

    yield start
    for fake in gateways:
        fake.stop()


def queue_sms(key="sms-1"):
    with transaction.atomic():
        return outbox.notify(
            "core.test_message",
            recipient=outbox.Recipient("+4741234567", "en"),
            key=key,
            channel=Channel.SMS,
        )


def dispatch_at_noon():
    with time_machine.travel(NOON, tick=False):
        return outbox.dispatch_due()


def test_an_accepted_text_is_sent_once_with_its_reference(gateway):
    fake = gateway((200, {"id": "gw-77"}, 0))
    with time_machine.travel(NOON, tick=False):
        row = queue_sms()
    assert dispatch_at_noon().sent == 1
    assert fake.requests == [
        {
            "auth": "Bearer secret-token",
            "key": "sms-1",
            "body": {
                "to": "+4741234567",
                "from": "Selvhjelp",
                "text": "Test message from Selvhjelp (http://127.0.0.1:8000): "
                "text messages reach this number.",
                "reference": "sms-1",
            },
        }
    ]
    row.refresh_from_db()
    assert (row.state, row.message_id) == (NotificationState.SENT, "sms:gw-77")


@pytest.mark.parametrize(
    ("status", "state", "error"),
    [
        (400, NotificationState.FAILED, "The SMS gateway refused the text (400)."),
        (500, NotificationState.FAILED, "The SMS gateway failed (500); not resent."),
        (429, NotificationState.PENDING, "The SMS gateway asked us to slow down (429)."),
    ],
)
def test_gateway_errors_never_risk_a_second_text(gateway, status, state, error):
    fake = gateway((status, {}, 0))
    with time_machine.travel(NOON, tick=False):
        row = queue_sms()
    dispatch_at_noon()
    dispatch_at_noon()
    row.refresh_from_db()
    assert (row.state, row.last_error) == (state, error)
    assert len(fake.requests) == 1


def test_a_gateway_that_does_not_answer_is_not_asked_again(gateway, monkeypatch):
    import urllib.request

    real_urlopen = urllib.request.urlopen
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda req, timeout: real_urlopen(req, timeout=0.3)
    )
    fake = gateway((200, {"id": "late"}, 1.0))
    with time_machine.travel(NOON, tick=False):
        row = queue_sms()
    dispatch_at_noon()
    row.refresh_from_db()
    assert row.state == NotificationState.FAILED
    assert row.last_error.endswith("not resent.")
    assert len(fake.requests) == 1


def test_a_gateway_that_cannot_be_reached_is_tried_again_later(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the probe is gone: connection refused
    settings.SMS_BACKEND = "selvhjelp.channels.HTTPGatewaySMSBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{port}/sms"
    with time_machine.travel(NOON, tick=False):
        row = queue_sms()
    assert dispatch_at_noon().retry == 1
    row.refresh_from_db()
    assert row.state == NotificationState.PENDING
    assert row.due_at == NOON + outbox.backoff(1)
    assert Notification.objects.count() == 1
