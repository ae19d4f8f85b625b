"""Where sensitive text must never show up: a scan used by the privacy tests of every app.

An app's test places a marker string in what an applicant writes about themselves, runs
its flow (messages queued and sent, tasks run, logs captured), then calls
`assert_marker_absent(marker, caplog)`.
"""

import inspect

from django.core import mail
from django.forms.models import model_to_dict

from selvhjelp import outbox
from selvhjelp.channels import MemorySMSBackend
from selvhjelp.models import Notification


def _decoded(content) -> str:
    # Attachments (calendar files) are bytes: repr() would hide a non-ASCII marker.
    return content.decode("utf-8", "replace") if isinstance(content, bytes) else str(content)


def _readable(rendered) -> str:
    """Everything a rendered message shows, attachments decoded."""
    parts = [rendered.subject, rendered.text, rendered.html]
    parts += [_decoded(content) for _name, content, _mimetype in rendered.attachments]
    return "\n".join(parts)


def places_with(marker: str, log_records=()) -> list[str]:
    """Every place outside the staff views where the marker was found."""
    found = []
    for row in Notification.objects.all():
        if marker in repr(model_to_dict(row)):
            found.append(f"notification {row.pk} row")
        rendered = outbox.render(row)
        if rendered is not None and marker in _readable(rendered):
            found.append(f"notification {row.pk} ({row.kind}) as rendered")
    for n, message in enumerate(mail.outbox):
        # Decoded parts: a non-ASCII marker is invisible in the encoded message.
        parts = [message.subject, message.body, repr(message.extra_headers), repr(message.to)]
        parts += [str(content) for content, _mimetype in message.alternatives]
        parts += [
            _decoded(getattr(attachment, "content", attachment))
            for attachment in message.attachments
        ]
        if any(marker in part for part in parts):
            found.append(f"e-mail {n}: {message.subject!r}")
    for text in MemorySMSBackend.sent:
        if marker in repr(text):
            found.append(f"SMS to {text['to']}")
    for record in log_records:
        if marker in record.getMessage() or marker in repr(record.args):
            found.append(f"log line from {record.name}")
    return found


def task_parameters() -> dict[str, list[str]]:
    """Our tasks and their parameters: ids and flags only, by convention checked in tests."""
    from selvhjelp.celery import app

    app.loader.import_default_modules()
    ours = {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}
    return {
        name: list(inspect.signature(task.run).parameters) for name, task in sorted(ours.items())
    }


def assert_marker_absent(marker: str, caplog=None) -> None:
    records = caplog.records if caplog is not None else ()
    assert places_with(marker, records) == []
