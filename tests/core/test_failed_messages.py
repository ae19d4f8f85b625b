"""Messages that failed for good are visible to their centre's staff, and only to them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from selvhjelp.models import Notification
from tests.factories import UserFactory
from tests.fetching import no_lazy_loads

pytestmark = pytest.mark.django_db


def failed(centre, n, name="Kari"):
    return Notification.objects.create(
        idempotency_key=f"failed:{centre.slug}:{n}",
        kind="core.test_message",
        channel="email",
        centre=centre,
        to_address=f"{name.lower()}{n}@example.no",
        to_name=f"{name} {n}",
        language="nb",
        due_at=timezone.now(),
        state="failed",
        finished_at=timezone.now(),
        last_error="The address was refused ([550]).",
    )


def test_staff_see_their_centres_failed_messages_not_others(staff_1_client, centre_1, centre_2):
    failed(centre_1, 1, "Kari")
    failed(centre_2, 1, "Per")
    page = staff_1_client.get("/stab/").content.decode()
    assert "Meldinger som ikke kom fram" in page
    assert "Kari 1" in page
    assert "Testmelding (e-post)" in page
    assert "The address was refused ([550])." in page
    assert "Per 1" not in page
    assert "kari1@example.no" not in page  # the address is not needed to act on it


def test_no_section_when_nothing_failed(staff_1_client):
    assert "Meldinger som ikke kom fram" not in staff_1_client.get("/stab/").content.decode()


def test_the_staff_home_does_a_constant_number_of_queries(staff_1_client, centre_1):
    failed(centre_1, 0)
    with CaptureQueriesContext(connection) as one:
        assert staff_1_client.get("/stab/").status_code == 200
    for n in range(1, 30):
        failed(centre_1, n)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        page = staff_1_client.get("/stab/").content.decode()
    assert len(many) == len(one)
    assert "30 meldinger kom ikke fram" in page


def test_administrators_can_send_failed_messages_again(client, centre_1):
    row = failed(centre_1, 1)
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/core/notification/",
        {"action": "retry_failed", "_selected_action": [row.pk]},
        follow=True,
    )
    assert response.status_code == 200
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_error) == ("pending", 0, "")
    assert client.get(f"/admin/core/notification/{row.pk}/change/").status_code == 200
    assert client.post(f"/admin/core/notification/{row.pk}/delete/").status_code == 403
