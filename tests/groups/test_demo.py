"""The demo centre's groups: one forming, one started, one ended, made through the services."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from groups.models import AbsenceNotice, Group, Meeting, Membership, Offer
from groups.schedule import OSLO
from intake.models import Application

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)  # a Monday


@pytest.fixture(autouse=True)
def _demo(settings):
    settings.DEBUG = True
    with time_machine.travel(TODAY, tick=False):
        yield


def people(group, **filters) -> list[str]:
    return sorted(
        Membership.objects.filter(group=group, **filters).values_list(
            "application__first_name", flat=True
        )
    )


def test_the_demo_has_a_group_in_every_state():
    call_command("seed_demo")
    groups = {group.name: group for group in Group.objects.all()}
    assert sorted(groups) == ["Mandagsgruppa", "Tirsdagsgruppa", "Torsdagsgruppa"]

    forming = groups["Tirsdagsgruppa"]
    assert (forming.status, forming.weekday, forming.start_time, forming.start_date) == (
        "forming",
        1,
        time(18, 0),
        date(2026, 12, 8),
    )
    assert forming.room.name == "Samtalerommet"
    assert people(forming, left_on__isnull=True) == ["Amina", "Ingrid", "Jonas"]
    assert sorted(
        Offer.objects.open().filter(group=forming).values_list("application__first_name", flat=True)
    ) == ["Per", "Sofie"]
    assert sorted(
        Application.objects.filter(first_name__in=["Per", "Sofie"]).values_list("status", flat=True)
    ) == ["offered", "offered"]

    started = groups["Torsdagsgruppa"]
    assert (started.status, started.weekday, started.start_time, started.start_date) == (
        "started",
        3,
        time(17, 30),
        date(2026, 10, 15),
    )
    assert started.room.name == "Peisestua"
    assert people(started, left_on__isnull=True, joined_on=date(2026, 10, 15)) == [
        "Ahmed",
        "Guro",
        "Kjersti",
        "Maria",
        "Silje",
        "Tor",
    ]
    assert people(started, confidentiality_signed_on__isnull=False) == ["Silje"]
    past = Meeting.objects.filter(group=started, starts_at__lt=timezone.now()).count()
    assert past == 6  # 15 October … 19 November
    (notice,) = AbsenceNotice.objects.all()
    assert (notice.membership.application.first_name, notice.kind) == ("Ahmed", "absent")
    assert notice.meeting.starts_at == datetime(2026, 11, 26, 17, 30, tzinfo=OSLO)

    ended = groups["Mandagsgruppa"]
    assert (ended.status, ended.ended_on, ended.start_date) == (
        "ended",
        date(2026, 10, 31),
        date(2026, 4, 27),
    )
    assert people(ended, left_on=date(2026, 10, 31), leave_reason="group_ended") == [
        "Bente",
        "Geir",
        "Linn",
        "Ole",
        "Randi",
    ]
    assert people(ended, left_on__isnull=True) == []


def snapshot() -> dict:
    """Every row of the groups tables seed_demo fills, and the applications, as plain values."""
    tables = {}
    with connection.cursor() as cursor:
        for model in [Group, Meeting, Offer, Membership, AbsenceNotice, Application]:
            columns = ", ".join(
                connection.ops.quote_name(f.column) for f in model._meta.concrete_fields
            )
            cursor.execute(
                f"SELECT {columns} FROM {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
                "ORDER BY 1"
            )
            tables[model._meta.label] = cursor.fetchall()
    return tables


def test_seeding_the_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    assert [len(first[label]) for label in ["groups.Group", "groups.Membership"]] == [3, 14]
    assert len(first["groups.Meeting"]) == 3 * 27
    call_command("seed_demo")
    assert snapshot() == first
