"""Who may use the starter area, the starter sign-in, and what a starter can never see."""

from datetime import date, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import resolve

from selvhjelp import outbox
from starters.models import Assignment
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    StarterFactory,
)
from tests.privacy import assert_marker_absent

OSLO = ZoneInfo("Europe/Oslo")
NOW = datetime(2026, 10, 1, 10, 0, tzinfo=OSLO)
MONDAY = date(2026, 10, 19)
MARKER = "HEMMELIG-MARKØR-7731"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def cast(centre_1):
    group = GroupFactory(centre=centre_1, name="Mandagsgruppa", start_date=MONDAY)
    ola = StarterFactory(centre=centre_1, user__username="ola", user__first_name="Ola")
    assignment = AssignmentFactory(group=group, starter=ola)
    return {"group": group, "ola": ola, "assignment": assignment}


STARTER_GETS = [
    "/igangsetter/",
    "/igangsetter/kalender/",
    "/igangsetter/grupper/{group}/startpakke/",
]
STARTER_POSTS = [
    ("/igangsetter/oppdrag/{assignment}/svar/", {"answer": "accept"}),
    ("/igangsetter/kalender/ny-adresse/", {}),
]


def fill(path: str, cast) -> str:
    return path.format(group=cast["group"].pk, assignment=cast["assignment"].pk)


def test_anonymous_visitors_are_sent_to_the_starter_login(client, cast):
    token = cast["ola"].calendar_token
    for path in STARTER_GETS:
        response = client.get(fill(path, cast))
        assert response.status_code == 302, path
        assert response.url == f"/igangsetter/logg-inn/?next={quote(fill(path, cast), safe='/')}"
    for path, data in STARTER_POSTS:
        response = client.post(fill(path, cast), data)
        assert response.status_code == 302, path
        assert response.url.startswith("/igangsetter/logg-inn/?next=")
    assert Assignment.objects.get().status == "pending"
    assert type(cast["ola"]).objects.get().calendar_token == token


def test_staff_are_refused_in_the_starter_area(client, cast, staff_1):
    client.force_login(staff_1)
    for path in STARTER_GETS:
        assert client.get(fill(path, cast)).status_code == 403, path
    for path, data in STARTER_POSTS:
        assert client.post(fill(path, cast), data).status_code == 403, path
    assert Assignment.objects.get().status == "pending"


def test_starters_are_refused_in_the_staff_area(client, cast):
    client.force_login(cast["ola"].user)
    for path in (
        "/stab/",
        "/stab/igangsettere/",
        "/stab/igangsettere/ny/",
        f"/stab/igangsettere/{cast['ola'].pk}/",
        f"/stab/grupper/{cast['group'].pk}/",
    ):
        assert client.get(path).status_code == 403, path
    response = client.post(f"/stab/igangsettere/oppdrag/{cast['assignment'].pk}/frigi/")
    assert response.status_code == 403
    assert Assignment.objects.get().status == "pending"


def test_a_starter_no_centre_has_any_more_is_refused(client, cast, centre_1):
    cast["ola"].centres.remove(centre_1)
    client.force_login(cast["ola"].user)
    assert client.get("/igangsetter/").status_code == 403


def test_every_view_says_who_may_use_it(cast):
    for path in STARTER_GETS + [path for path, _ in STARTER_POSTS]:
        assert resolve(fill(path, cast)).func.access == "starter", path
    assert resolve(f"/kalender/{cast['ola'].calendar_token}.ics").func.access == "calendar-token"
    for path in ("/igangsetter/logg-inn/", "/igangsetter/logg-ut/", "/igangsetter/velkommen/MQ/x/"):
        assert resolve(path).func.access == "public", path
    for path in (
        "/stab/igangsettere/",
        "/stab/igangsettere/ny/",
        "/stab/igangsettere/1/",
        "/stab/igangsettere/grupper/1/tildel/",
        "/stab/igangsettere/oppdrag/1/frigi/",
        "/stab/igangsettere/oppdrag/1/erstatt/",
    ):
        assert resolve(path).func.access == "staff", path


# Signing in -----------------------------------------------------------------------------------


def sign_in(client, username, password):
    return client.post("/igangsetter/logg-inn/", {"username": username, "password": password})


def test_a_starter_signs_in_and_lands_on_their_schedule(client, cast):
    response = sign_in(client, "ola", PASSWORD)
    assert (response.status_code, response.url) == (302, "/igangsetter/")
    assert client.get("/igangsetter/").status_code == 200


def test_the_page_asked_for_comes_after_signing_in(client, cast):
    kit = fill("/igangsetter/grupper/{group}/startpakke/", cast)
    response = client.post(
        f"/igangsetter/logg-inn/?next={kit}", {"username": "ola", "password": PASSWORD, "next": kit}
    )
    assert response.url == kit


def test_a_staff_account_is_told_to_sign_in_on_the_staff_pages(client, staff_1):
    response = sign_in(client, staff_1.username, PASSWORD)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Denne kontoen er ikke en igangsetterkonto. Ansatte logger inn på sidene for ansatte."
    ]
    assert "_auth_user_id" not in client.session


def test_signing_in_is_throttled_like_staff_sign_in(client, cast):
    for _ in range(5):
        assert sign_in(client, "ola", "feil").status_code == 200
    refused = sign_in(client, "ola", PASSWORD)
    assert refused.context["form"].non_field_errors()[0].startswith("For mange forsøk")
    assert "_auth_user_id" not in client.session


def test_signing_out_leads_back_to_the_starter_login(client, cast):
    client.force_login(cast["ola"].user)
    response = client.post("/igangsetter/logg-ut/")
    assert (response.status_code, response.url) == (302, "/igangsetter/logg-inn/")
    assert client.get("/igangsetter/").status_code == 302


# Nothing any applicant wrote, and no contact details --------------------------------------------


def test_no_starter_page_or_message_shows_what_applicants_wrote_or_their_contacts(
    client, cast, centre_1, caplog, settings
):
    settings.CELERY_BROKER_URL = ""
    group, ola = cast["group"], cast["ola"]
    MembershipFactory(
        group=group,
        application__first_name="Kari",
        application__about=f"{MARKER} om meg",
        application__email="kari.hemmelig@example.no",
        application__phone="+4741111111",
        application__areas=["grief"],
    )
    OfferFactory(
        group=group,
        application__about=MARKER,
        application__email="tilbud.hemmelig@example.no",
        application__phone="+4742222222",
    )
    client.force_login(ola.user)
    client.post(fill("/igangsetter/oppdrag/{assignment}/svar/", cast), {"answer": "accept"})
    outbox.dispatch_due()
    responses = [client.get(fill(path, cast)) for path in STARTER_GETS]
    responses.append(client.get(f"/kalender/{ola.calendar_token}.ics"))

    assert [response.status_code for response in responses] == [200, 200, 200, 200]
    secrets = [MARKER, "kari.hemmelig", "tilbud.hemmelig", "41111111", "42222222", "Hansen"]
    for response in responses:
        content = response.content.decode()
        assert [s for s in secrets if s in content] == [], response.wsgi_request.path
    kit = responses[2].content.decode()
    assert "Kari" in kit  # first names only, and only in the kit
    assert "Kari" not in responses[0].content.decode()
    assert mail.outbox  # the assignment message went out, and it too is clean
    assert_marker_absent(MARKER, caplog)
