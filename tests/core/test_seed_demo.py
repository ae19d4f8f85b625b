import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection

from groups.models import AbsenceNotice, Group, Meeting, Membership, Offer, Room
from intake.models import Application, IntakeNote
from selvhjelp.models import AuditEvent, Centre, StaffMembership, Theme

pytestmark = pytest.mark.django_db


def snapshot() -> dict:
    """Every row of every table seed_demo touches, as plain values."""
    tables = {}
    with connection.cursor() as cursor:
        for model in [
            Centre,
            StaffMembership,
            Room,
            get_user_model(),
            Theme,
            Application,
            IntakeNote,
            AuditEvent,
            Group,
            Offer,
            Membership,
            Meeting,
            AbsenceNotice,
        ]:
            fields = [f.column for f in model._meta.concrete_fields if f.name not in {"last_login"}]
            columns = ", ".join(connection.ops.quote_name(f) for f in fields)
            cursor.execute(
                f"SELECT {columns} FROM {model._meta.db_table} ORDER BY 1"  # noqa: S608
            )
            tables[model._meta.label] = cursor.fetchall()
    return tables


def test_seed_demo_twice_gives_the_same_data(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
    out = capsys.readouterr().out
    assert "demo-stab / selvhjelp-demo" in out
    assert "demo-igangsetter / selvhjelp-demo" in out
    assert len(first["core.Centre"]) == 1
    assert len(first["groups.Room"]) == 3
    statuses = list(Application.objects.values_list("status", flat=True))
    assert len(statuses) == 38
    assert set(statuses) == {"received", "in_dialogue", "waiting", "withdrawn", "offered", "placed"}


def test_demo_logins_work(settings, client):
    settings.DEBUG = True
    call_command("seed_demo")
    assert client.login(username="demo-stab", password="selvhjelp-demo")
    staff = get_user_model().objects.get(username="demo-stab")
    assert list(Centre.objects.for_staff(staff).values_list("slug", flat=True)) == ["demo"]
    assert client.login(username="demo-igangsetter", password="selvhjelp-demo")
    starter = get_user_model().objects.get(username="demo-igangsetter")
    assert not Centre.objects.for_staff(starter).exists()
    # Neither may use the Django admin.
    assert starter.is_staff is False
    assert staff.is_staff is False


def test_seed_demo_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DEBUG on"):
        call_command("seed_demo")
    assert not Centre.objects.exists()
    assert not get_user_model().objects.filter(username="demo-stab").exists()
