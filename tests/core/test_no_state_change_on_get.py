"""No GET changes anything: every URL of the project (and the admin's pages), fetched by
every kind of visitor, leaves every table as it was.

Two tables are exempt, for reasons that are not state changes: sessions (a visit refreshes
its own session) and the audit log, which may only grow (reading an application is itself
recorded); its existing rows must stay exactly as they were.
"""

import pytest
from django.apps import apps
from django.test import Client

from selvhjelp.models import AuditEvent
from tests.core.url_walk import Cast, admin_paths, project_paths
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXEMPT = {"sessions.Session", AuditEvent._meta.label}


def snapshot() -> dict:
    """Every row of every table, as plain values."""
    return {
        model._meta.label: sorted(map(repr, model._base_manager.values_list()))
        for model in apps.get_models()
        if model._meta.label not in EXEMPT and model._meta.managed
    }


def audit_rows() -> list:
    return list(AuditEvent.objects.order_by("pk").values_list())


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in before if before[label] != after[label]]


def assert_nothing_changes(client: Client, paths, who: str) -> int:
    fetched = 0
    for name, path in paths:
        before, audit_before = snapshot(), audit_rows()
        client.get(path)
        assert changed(before, snapshot()) == [], (who, name, path)
        assert audit_rows()[: len(audit_before)] == audit_before, (who, name, path)
        fetched += 1
    return fetched


@pytest.fixture
def cast(centre_1, staff_1):
    return Cast(centre_1, staff_1)


def test_no_get_changes_anything_for_anyone(cast, staff_1):
    paths = project_paths(cast)
    assert len(paths) >= 50
    starter = Client()
    starter.force_login(cast.starter_user)
    staff = Client()
    staff.force_login(staff_1)
    for who, client in [("anonymous", Client()), ("starter", starter), ("staff", staff)]:
        assert assert_nothing_changes(client, paths, who) == len(paths)


def test_no_admin_page_changes_anything_on_get(cast, client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    paths = admin_paths()
    assert len(paths) >= 20
    assert assert_nothing_changes(client, paths, "administrator") == len(paths)


def test_the_snapshot_sees_a_change():
    """The walk above would notice a GET that writes: here a write is made on purpose."""
    before = snapshot()
    UserFactory(username="ny")
    assert changed(before, snapshot()) == ["auth.User"]
