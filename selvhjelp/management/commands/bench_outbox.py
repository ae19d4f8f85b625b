"""Benchmark: N due messages dispatched by one worker loop to an SMTP server on loopback."""

import json
import logging
import socket
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings
from django.utils import timezone

from selvhjelp import outbox
from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import Notification

KEY_PREFIX = "bench-outbox:"


class _Sink:
    def __init__(self):
        self.ids = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message_id = message_from_bytes(envelope.content)["Message-ID"]
        with self.lock:
            self.ids[message_id] += 1
        return "250 OK"


class Command(BaseCommand):
    help = "Dispatch N due notifications to a local SMTP sink and report messages per second."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument("--batch", type=int, default=100)
        parser.add_argument("--output", default="bench-results/outbox.json")

    def handle(self, count, batch, output, **options):
        if not settings.DEBUG:
            raise CommandError("bench_outbox writes and deletes rows; run it with DEBUG on.")
        Notification.objects.filter(idempotency_key__startswith=KEY_PREFIX).delete()
        now = timezone.now()
        Notification.objects.bulk_create(
            (
                Notification(
                    idempotency_key=f"{KEY_PREFIX}{n}",
                    kind="core.test_message",
                    channel=Channel.EMAIL,
                    to_address=f"person{n}@example.no",
                    language="nb" if n % 3 else "en",
                    due_at=now,
                )
                for n in range(count)
            ),
            batch_size=2000,
        )
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command log
        sink = _Sink()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        controller = Controller(sink, hostname="127.0.0.1", port=port)
        controller.start()
        mailer = {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
        try:
            with override_settings(MAILERS={"default": mailer}, CELERY_BROKER_URL="bench"):
                started = time.perf_counter()
                report = outbox.DispatchReport()
                while True:
                    step = outbox.dispatch_due(batch=batch, time_budget=60)
                    report += step
                    if not (step.sent or step.retry or step.failed):
                        break
                elapsed = time.perf_counter() - started
        finally:
            controller.stop()
        rows = Notification.objects.filter(idempotency_key__startswith=KEY_PREFIX)
        sent_rows = rows.filter(state=NotificationState.SENT).count()
        result = {
            "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1],
            "messages": count,
            "batch": batch,
            "sent": report.sent,
            "rows_marked_sent": sent_rows,
            "received_by_smtp": sum(sink.ids.values()),
            "duplicates": sum(n - 1 for n in sink.ids.values() if n > 1),
            "seconds": round(elapsed, 2),
            "messages_per_second": round(report.sent / elapsed, 1) if elapsed else None,
            "at": timezone.now().isoformat(timespec="seconds"),
        }
        rows.delete()
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(json.dumps(result, indent=2) + "\n")
        self.stdout.write(json.dumps(result, indent=2))
        if result["duplicates"] or result["received_by_smtp"] != count:
            raise CommandError("Messages were lost or duplicated.")
