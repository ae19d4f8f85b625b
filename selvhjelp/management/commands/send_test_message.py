import uuid

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from phonenumber_field.phonenumber import to_python

from selvhjelp import outbox
from selvhjelp.enums import Channel


class Command(BaseCommand):
    help = "Queue a test message to an e-mail address (or, with --sms, a mobile number)."

    def add_arguments(self, parser):
        parser.add_argument("address")
        parser.add_argument("--sms", action="store_true", help="send a text message")
        parser.add_argument("--language", choices=["nb", "en"], default="nb")

    def handle(self, address, sms, language, **options):
        if sms:
            number = to_python(address, region="NO")
            if not (number and number.is_valid()):
                raise CommandError(f"{address!r} is not a valid mobile number.")
            address, channel = number.as_e164, Channel.SMS
        else:
            try:
                validate_email(address)
            except ValidationError:
                raise CommandError(f"{address!r} is not a valid e-mail address.") from None
            channel = Channel.EMAIL
        with transaction.atomic():
            notification = outbox.notify(
                "core.test_message",
                recipient=outbox.Recipient(address=address, language=language),
                key=f"core.test_message:{uuid.uuid4()}",
                channel=channel,
            )
        due = notification.due_at.astimezone(outbox.OSLO)
        self.stdout.write(f"Queued message {notification.pk} ({channel}) due {due:%Y-%m-%d %H:%M}")
