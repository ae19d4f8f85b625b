"""A participant's groups data in their export, and gone everywhere when they erase it."""

import json
from datetime import date

import pytest
import time_machine
from django.db import connection

from groups import services
from groups.models import AbsenceNotice, Membership, Offer
from selvhjelp.models import Notification
from tests.factories import RoomFactory
from tests.groups.test_participant import MARKER, TODAY, make_group, member, offer_to, person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today(settings):
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def story(centre_1, staff_1):
    """Kari declined one group, joined another, signed, and sent two notices."""
    first = make_group(centre_1, RoomFactory(centre=centre_1, name="Peisestua"), staff_1)
    group = make_group(
        centre_1,
        RoomFactory(centre=centre_1, name="Samtalerommet"),
        staff_1,
        name="Onsdagsgruppa",
        start_date=date(2026, 12, 8),
    )
    kari = person(centre_1, "Kari")
    services.decline_offer(offer_to(first, kari, staff_1))
    kari.refresh_from_db()
    membership = member(group, kari, staff_1)
    others = [member(group, person(centre_1, name), staff_1) for name in ["Per", "Ola"]]
    services.record_signature(membership, signed_on=date(2026, 12, 8), staff=staff_1)
    meeting = group.meetings.order_by("starts_at")[1]
    services.send_notice(membership, kind="absent", meeting=meeting)
    services.send_notice(membership, kind="leaving")
    return {"kari": kari, "group": group, "others": others}


def everything_stored() -> str:
    dump = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dump.append(repr(cursor.fetchall()))
    return "\n".join(dump)


def test_the_export_holds_the_persons_offers_memberships_and_notices(client, story):
    kari = story["kari"]
    response = client.get(f"/soknad/{kari.token}/data.json")
    data = json.loads(response.content)
    assert data["groups"] == {
        "offers": [
            {
                "group": "Tirsdagsgruppa",
                "status": "declined",
                "offered": "2026-11-23T08:00:00+00:00",
                "answer_by": "2026-11-30T08:00:00+00:00",
                "answered": "2026-11-23T08:00:00+00:00",
            },
            {
                "group": "Onsdagsgruppa",
                "status": "accepted",
                "offered": "2026-11-23T08:00:00+00:00",
                "answer_by": "2026-11-30T08:00:00+00:00",
                "answered": "2026-11-23T08:00:00+00:00",
            },
        ],
        "memberships": [
            {
                "group": "Onsdagsgruppa",
                "joined": "2026-12-08",
                "left": None,
                "leave_reason": "",
                "confidentiality_signed": "2026-12-08",
            }
        ],
        "notices": [
            {
                "group": "Onsdagsgruppa",
                "kind": "absent",
                "meeting": "2026-12-15T17:00:00+00:00",
                "sent": "2026-11-23T08:00:00+00:00",
            },
            {
                "group": "Onsdagsgruppa",
                "kind": "leaving",
                "meeting": None,
                "sent": "2026-11-23T08:00:00+00:00",
            },
        ],
    }


def test_the_export_of_someone_without_groups_is_empty(client, centre_1):
    kari = person(centre_1, "Kari")
    data = json.loads(client.get(f"/soknad/{kari.token}/data.json").content)
    assert data["groups"] == {"offers": [], "memberships": [], "notices": []}


def test_erasing_removes_the_groups_data_and_every_message_about_it(client, story):
    kari, group = story["kari"], story["group"]
    offers = [str(pk) for pk in Offer.objects.filter(application=kari).values_list("pk", flat=True)]
    assert len(offers) == 2
    # Each offer and its reminder.
    assert (
        Notification.objects.filter(object_type="groups.offer", object_id__in=offers).count() == 4
    )
    assert Notification.objects.filter(kind="groups.absence").count() == 4  # 2 notices × 2 others
    assert Notification.objects.filter(kind="groups.staff_alert").count() == 1
    response = client.post(f"/soknad/{kari.token}/slett/", {"confirm": "yes"})
    assert response.status_code == 302
    assert not Offer.objects.filter(application_id=kari.pk).exists()
    assert not Membership.objects.filter(application_id=kari.pk).exists()
    assert not AbsenceNotice.objects.exists()
    assert not Notification.objects.filter(
        object_type="groups.offer", object_id__in=offers
    ).exists()
    assert not Notification.objects.filter(
        kind__in=["groups.absence", "groups.staff_alert"]
    ).exists()
    # The others keep their places and messages; hers is free again.
    assert Notification.objects.filter(object_type="groups.offer").count() == 4
    assert services.seats(group) == {"members": 2, "offered": 0, "free": 6}
    assert sorted(
        Membership.objects.active().values_list("application__first_name", flat=True)
    ) == ["Ola", "Per"]
    stored = everything_stored()
    assert f"{MARKER} Kari" not in stored
    assert f"{MARKER} Per" in stored  # the scan would see it
    assert "kari@example.no" not in stored
    assert "Karisen" not in stored
