"""Every refused authorisation of a signed-in user is an audit event (and nothing else is)."""

import pytest

from selvhjelp.models import AuditEvent
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def refused():
    return list(
        AuditEvent.objects.filter(action="access.refused").values_list(
            "actor_label", "detail", "ip_address"
        )
    )


def test_staff_opening_another_centres_application_is_recorded(staff_1_client, staff_1, centre_2):
    other = ApplicationFactory(centre=centre_2, about="MARKER-refused")
    assert staff_1_client.get(f"/stab/soknader/{other.pk}/").status_code == 404
    assert refused() == [
        (
            staff_1.get_username(),
            {"page": "staff-application", "ids": {"pk": other.pk}, "method": "GET", "status": 404},
            "127.0.0.1",
        )
    ]


def test_a_signed_in_non_staff_user_at_the_staff_pages_is_recorded(client):
    user = UserFactory(username="nosy")
    client.force_login(user)
    assert client.get("/stab/").status_code == 403
    ((actor, detail, _address),) = refused()
    assert (actor, detail["page"], detail["status"]) == ("nosy", "staff-home", 403)


def test_anonymous_visitors_and_wrong_applicant_links_write_no_event(client):
    assert client.get("/stab/").status_code == 302
    assert client.get("/soknad/abc:def/").status_code == 404
    assert refused() == []


def test_allowed_pages_write_no_refusal(staff_1_client, centre_1):
    mine = ApplicationFactory(centre=centre_1)
    assert staff_1_client.get(f"/stab/soknader/{mine.pk}/").status_code == 200
    assert refused() == []
