import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from selvhjelp.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_test_message_is_queued_and_sent_in_process(settings, capsys):
    settings.CELERY_BROKER_URL = ""
    call_command("send_test_message", "drift@example.no", "--language", "en")
    row = Notification.objects.get()
    assert (row.kind, row.channel, row.to_address, row.language, row.state) == (
        "core.test_message",
        "email",
        "drift@example.no",
        "en",
        "sent",
    )
    assert [m.subject for m in mail.outbox] == ["Test message from Selvhjelp"]
    assert f"Queued message {row.pk} (email)" in capsys.readouterr().out


def test_an_sms_test_message_is_normalised_to_e164(settings):
    settings.CELERY_BROKER_URL = "redis://unused"  # queued only; the dispatcher is not run
    call_command("send_test_message", "412 34 567", "--sms")
    row = Notification.objects.get()
    assert (row.channel, row.to_address, row.state) == ("sms", "+4741234567", "pending")


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["not-an-address"], "is not a valid e-mail address"),
        (["12", "--sms"], "is not a valid mobile number"),
        (["kari", "--sms"], "is not a valid mobile number"),
    ],
)
def test_bad_addresses_are_refused(args, error):
    with pytest.raises(CommandError, match=error):
        call_command("send_test_message", *args)
    assert Notification.objects.count() == 0
