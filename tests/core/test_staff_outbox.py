"""The staff outbox view: every message of the staff's centres, filters and two actions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selvhjelp.models import AuditEvent, Notification
from tests.factories import UserFactory
from tests.fetching import no_lazy_loads

pytestmark = pytest.mark.django_db

OSLO = ZoneInfo("Europe/Oslo")


def message(centre, n, *, state="pending", kind="core.test_message", day=10, error=""):
    due = datetime(2026, 3, day, 9, 0, tzinfo=OSLO)
    return Notification.objects.create(
        idempotency_key=f"m:{centre.slug}:{n}",
        kind=kind,
        channel="email",
        centre=centre,
        to_address=f"person{n}@example.no",
        to_name=f"Person {n}",
        language="nb",
        due_at=due,
        state=state,
        last_error=error,
        sent_at=due if state == "sent" else None,
        finished_at=due if state in {"sent", "failed", "cancelled"} else None,
    )


def rows(page: str) -> int:
    return page.count("<tr>") - 1  # minus the header row


def test_staff_see_all_their_centres_messages_and_no_one_elses(staff_1_client, centre_1, centre_2):
    message(centre_1, 1, state="sent")
    message(centre_1, 2, state="failed", error="The address was refused ([550]).")
    message(centre_2, 3)
    page = staff_1_client.get("/stab/meldinger/").content.decode()
    assert "Person 1" in page
    assert "person2@example.no" in page
    assert "The address was refused ([550])." in page
    assert "Person 3" not in page
    assert "2 meldinger" in page
    assert staff_1_client.get("/stab/meldinger/").headers["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=failed", ["Person 2"]),
        ("state=pending", ["Person 1", "Person 3"]),
        ("since=2026-03-11", ["Person 3"]),
        ("until=2026-03-10", ["Person 1", "Person 2"]),
        ("since=2026-03-10&until=2026-03-10", ["Person 1", "Person 2"]),
        ("kind=core.test_message&state=pending", ["Person 1", "Person 3"]),
    ],
)
def test_filters(staff_1_client, centre_1, query, expected):
    message(centre_1, 1, day=10)
    message(centre_1, 2, state="failed", day=10)
    message(centre_1, 3, day=12)
    page = staff_1_client.get(f"/stab/meldinger/?{query}").content.decode()
    shown = [f"Person {n}" for n in (1, 2, 3) if f"Person {n}<" in page]
    assert shown == expected


@pytest.mark.parametrize(
    "query", ["state=nonsense", "kind=%00", "since=2026-13-45", "since=2026-03-12&until=2026-03-01"]
)
def test_bad_filters_are_ignored_with_a_message(staff_1_client, centre_1, query):
    message(centre_1, 1)
    response = staff_1_client.get(f"/stab/meldinger/?{query}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Person 1" in page
    assert "ikke gyldige" in page


def test_a_failed_message_can_be_sent_again(staff_1_client, centre_1):
    row = message(centre_1, 1, state="failed", error="Refused")
    response = staff_1_client.post(f"/stab/meldinger/{row.pk}/send-igjen/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.last_error, row.attempts) == ("pending", "", 0)
    event = AuditEvent.objects.get(action="message.retried")
    assert (event.object_id, event.centre_id) == (str(row.pk), centre_1.pk)


def test_a_pending_message_can_be_stopped(staff_1_client, centre_1):
    row = message(centre_1, 1)
    staff_1_client.post(f"/stab/meldinger/{row.pk}/stopp/")
    row.refresh_from_db()
    assert row.state == "cancelled"
    assert AuditEvent.objects.filter(action="message.cancelled").count() == 1


@pytest.mark.parametrize(
    ("state", "action"),
    [("sent", "send-igjen"), ("sent", "stopp"), ("pending", "send-igjen"), ("failed", "stopp")],
)
def test_actions_refuse_the_wrong_state_and_change_nothing(staff_1_client, centre_1, state, action):
    row = message(centre_1, 1, state=state)
    response = staff_1_client.post(f"/stab/meldinger/{row.pk}/{action}/", follow=True)
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.state == state
    assert not AuditEvent.objects.filter(action__startswith="message.").exists()


def test_another_centres_message_is_not_found(staff_1_client, centre_2):
    row = message(centre_2, 1, state="failed")
    assert staff_1_client.post(f"/stab/meldinger/{row.pk}/send-igjen/").status_code == 404
    assert staff_1_client.post(f"/stab/meldinger/{row.pk}/stopp/").status_code == 404
    row.refresh_from_db()
    assert row.state == "failed"


def test_actions_need_post(staff_1_client, centre_1):
    row = message(centre_1, 1, state="failed")
    assert staff_1_client.get(f"/stab/meldinger/{row.pk}/send-igjen/").status_code == 405


def test_only_staff(client, centre_1):
    assert client.get("/stab/meldinger/").status_code == 302
    client.force_login(UserFactory())
    assert client.get("/stab/meldinger/").status_code == 403


def test_the_redirect_after_an_action_stays_on_this_site(staff_1_client, centre_1):
    row = message(centre_1, 1, state="failed")
    response = staff_1_client.post(
        f"/stab/meldinger/{row.pk}/send-igjen/", {"next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/stab/meldinger/"
    row.state = "failed"
    row.save()
    response = staff_1_client.post(
        f"/stab/meldinger/{row.pk}/send-igjen/", {"next": "/stab/meldinger/?state=failed"}
    )
    assert response.headers["Location"] == "/stab/meldinger/?state=failed"


def test_the_list_does_a_constant_number_of_queries(staff_1_client, centre_1):
    message(centre_1, 0)
    with CaptureQueriesContext(connection) as one:
        assert staff_1_client.get("/stab/meldinger/").status_code == 200
    for n in range(1, 60):
        message(centre_1, n, state="failed" if n % 2 else "pending")
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        page = staff_1_client.get("/stab/meldinger/").content.decode()
    assert len(many) == len(one)
    assert rows(page) == 50


# What staff are e-mailed -------------------------------------------------------------------


def test_staff_choose_their_alerts_and_summary_per_centre(staff_1_client, staff_1, centre_1):
    from selvhjelp.models import StaffMembership

    membership = StaffMembership.objects.get(user=staff_1, centre=centre_1)
    page = staff_1_client.get("/stab/meldinger/").content.decode()
    assert f'value="alerts-{membership.pk}" id="alerts-{membership.pk}" checked' in page
    staff_1_client.post("/stab/meldinger/varsler/", {"wants": [f"digest-{membership.pk}"]})
    membership.refresh_from_db()
    assert (membership.wants_alerts, membership.wants_digest) == (False, True)


def test_choices_cannot_touch_someone_elses_membership(staff_1_client, staff_2, centre_2):
    from selvhjelp.models import StaffMembership

    other = StaffMembership.objects.get(user=staff_2, centre=centre_2)
    staff_1_client.post("/stab/meldinger/varsler/", {"wants": []})
    other.refresh_from_db()
    assert (other.wants_alerts, other.wants_digest) == (True, True)


def test_a_permanent_failure_alerts_the_centres_staff_once(centre_1, staff_1, settings):
    from django.core import mail

    from selvhjelp import outbox

    settings.CELERY_BROKER_URL = ""
    row = message(centre_1, 1)
    Notification.objects.filter(pk=row.pk).update(state="sending", lease_expires_at=row.due_at)
    row.refresh_from_db()
    outbox._fail(row, "The address was refused ([550]).")
    outbox._fail(row, "again")  # a second result for the same row changes nothing
    alerts = Notification.objects.filter(kind="core.failed_alert")
    assert list(alerts.values_list("to_address", "params")) == [
        (staff_1.email, {"notification_id": row.pk})
    ]
    outbox.dispatch_due()
    (sent,) = [m for m in mail.outbox if staff_1.email in m.to[0]]
    assert sent.subject == "En melding kom ikke fram"
    assert "Person 1" in sent.body
    assert "The address was refused ([550])." in sent.body


def test_staff_who_turned_alerts_off_are_not_told(centre_1, staff_1):
    from selvhjelp import outbox
    from selvhjelp.models import StaffMembership

    StaffMembership.objects.filter(user=staff_1).update(wants_alerts=False)
    row = message(centre_1, 1)
    Notification.objects.filter(pk=row.pk).update(state="sending", lease_expires_at=row.due_at)
    outbox._fail(row, "Refused")
    assert not Notification.objects.filter(kind="core.failed_alert").exists()


def test_a_failed_alert_does_not_alert_about_itself(centre_1, staff_1):
    from selvhjelp import outbox

    row = message(centre_1, 1, kind="core.failed_alert")
    Notification.objects.filter(pk=row.pk).update(state="sending", lease_expires_at=row.due_at)
    outbox._fail(row, "Refused")
    assert Notification.objects.filter(kind="core.failed_alert").count() == 1  # itself only
