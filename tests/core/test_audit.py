"""The audit log is append-only: the product can add and read events, nothing else."""

import pytest
from django.test import RequestFactory

from selvhjelp import audit
from selvhjelp.models import AuditEvent, AuditLogIsAppendOnly
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_record_stores_who_what_which_and_from_where(staff_1, centre_1, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().get(
        "/stab/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    request.user = staff_1
    event = audit.record("centre.viewed", request=request, centre=centre_1, obj=centre_1, tab="x")
    event.refresh_from_db()
    assert event.actor == staff_1
    assert event.actor_label == "stab-nord"
    assert event.action == "centre.viewed"
    assert (event.object_type, event.object_id) == ("core.centre", str(centre_1.pk))
    assert event.ip_address == "203.0.113.9"
    assert event.detail == {"tab": "x"}
    assert AuditEvent.objects.for_object("core.centre", centre_1.pk).get() == event


def test_an_event_cannot_be_changed_or_deleted(centre_1):
    event = audit.record("centre.created", centre=centre_1, obj=centre_1)
    event.action = "something.else"
    with pytest.raises(AuditLogIsAppendOnly):
        event.save()
    with pytest.raises(AuditLogIsAppendOnly):
        event.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "centre.created"


def test_admin_offers_no_add_change_or_delete(client, centre_1):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    event = audit.record("centre.created", actor=admin, centre=centre_1, obj=centre_1)
    base = "/admin/core/auditevent/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}add/").status_code == 403
    change = client.post(f"{base}{event.pk}/change/", {"action": "forged"})
    assert change.status_code == 403
    assert client.post(f"{base}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = client.post(
        base, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    assert bulk.status_code == 200  # the changelist offers no delete action; nothing happens
    assert AuditEvent.objects.get(pk=event.pk).action == "centre.created"


def test_an_actor_with_events_is_kept(centre_1):
    user = UserFactory()
    audit.record("centre.viewed", actor=user, centre=centre_1)
    with pytest.raises(Exception, match="protected"):
        user.delete()
