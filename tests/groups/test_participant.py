"""The participant's side: an offer and their group on their own page (the token is the key)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from groups import services, tasks
from groups.enums import NoticeKind, OfferStatus
from groups.models import AbsenceNotice, Membership, Offer
from intake.enums import Status
from intake.models import Application
from selvhjelp.models import Notification
from tests.factories import ApplicationFactory, RoomFactory

pytestmark = pytest.mark.django_db

OSLO = services.schedule.OSLO
TODAY = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)  # a Monday; the group starts 1 December
MARKER = "MARKØR-9d2f-sorg-og-angst"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def room(centre_1):
    return RoomFactory(centre=centre_1, name="Samtalerommet")


def make_group(centre, room, staff, *, name="Tirsdagsgruppa", start_date=date(2026, 12, 1)):
    return services.create_group(
        centre,
        name=name,
        room=room,
        weekday=1,
        start_time=time(18, 0),
        start_date=start_date,
        staff=staff,
    )


def person(centre, first_name, **kwargs) -> Application:
    """Someone waiting for a group, who wrote something private about themselves."""
    return ApplicationFactory(
        centre=centre,
        status=Status.WAITING,
        availability=["tue-evening"],
        first_name=first_name,
        last_name=f"{first_name}sen",
        email=f"{first_name.lower()}@example.no",
        about=f"{MARKER} {first_name}",
        areas=["grief", "anxiety"],
        **kwargs,
    )


def offer_to(group, application, staff) -> Offer:
    return services.place_applicant(group, application, staff=staff)


def member(group, application, staff) -> Membership:
    return services.accept_offer(offer_to(group, application, staff))


@pytest.fixture
def group(centre_1, room, staff_1):
    return make_group(centre_1, room, staff_1)


@pytest.fixture
def kari(centre_1):
    return person(centre_1, "Kari")


def page(client, application, prefix="") -> str:
    response = client.get(f"{prefix}/soknad/{application.token}/")
    assert response.status_code == 200
    return response.content.decode()


def followed(response) -> str:
    return "".join(str(message) for message in response.context["messages"])


# The offer on the own page -------------------------------------------------------------------


def test_an_open_offer_shows_the_group_the_dates_and_two_buttons(client, group, kari, staff_1):
    offer = offer_to(group, kari, staff_1)
    text = page(client, kari)
    assert "Du har fått tilbud om plass i en gruppe" in text
    assert "«Tirsdagsgruppa»" in text
    assert "Hver tirsdag kl. 18:00" in text
    assert "Samtalerommet, Storgata 1, 0155 Oslo" in text
    assert "tirsdag 1. desember 2026" in text
    assert "mandag 30. november 2026 kl. 09:00" in text  # seven days to answer
    for day in ["1. desember", "8. desember", "15. desember", "22. desember"]:
        assert f"{day} 2026</strong>, 18:00–20:00" in text
    assert "29. desember" not in text  # the first four meetings
    assert f'action="/soknad/{kari.token}/tilbud/{offer.pk}/"' in text
    assert 'name="answer" value="accept"' in text
    assert 'name="answer" value="decline"' in text


def test_the_offer_is_shown_in_english_under_en(client, group, kari, staff_1):
    offer_to(group, kari, staff_1)
    text = page(client, kari, prefix="/en")
    assert "You are offered a place in a group" in text
    assert "Every Tuesday at 18:00" in text
    assert "Yes, I want the place" in text


def test_nothing_is_shown_without_an_offer_or_a_group(client, group, kari):
    text = page(client, kari)
    assert "tilbud om plass" not in text
    assert "Gruppa di" not in text
    assert "Si fra til gruppa" not in text


def test_accepting_on_the_own_page_gives_a_place(client, group, kari, staff_1):
    offer = offer_to(group, kari, staff_1)
    response = client.post(
        f"/soknad/{kari.token}/tilbud/{offer.pk}/", {"answer": "accept"}, follow=True
    )
    assert response.redirect_chain == [(f"/soknad/{kari.token}/", 302)]
    assert "Velkommen i gruppa!" in followed(response)
    membership = Membership.objects.get(application=kari)
    assert (membership.group_id, membership.joined_on, membership.left_on) == (
        group.pk,
        date(2026, 12, 1),
        None,
    )
    offer.refresh_from_db()
    kari.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED
    assert kari.status == Status.PLACED
    text = response.content.decode()
    assert "Gruppa di: Tirsdagsgruppa" in text
    assert "til 23. februar 2027" in text  # 12 weeks
    assert "1. juni 2027" in text  # six months
    assert "Du har fått tilbud" not in text


def test_declining_puts_the_person_back_on_the_list_with_the_date_they_applied(
    client, group, kari, staff_1
):
    applied_at = kari.applied_at
    offer = offer_to(group, kari, staff_1)
    response = client.post(
        f"/soknad/{kari.token}/tilbud/{offer.pk}/", {"answer": "decline"}, follow=True
    )
    assert "Du beholder plassen din på ventelisten" in followed(response)
    kari.refresh_from_db()
    offer.refresh_from_db()
    assert (kari.status, kari.applied_at) == (Status.WAITING, applied_at)
    assert offer.status == OfferStatus.DECLINED
    assert not Membership.objects.exists()
    assert services.seats(group) == {"members": 0, "offered": 0, "free": 8}


def test_an_unanswered_offer_lapses_and_frees_the_seat(client, group, kari, staff_1):
    offer = offer_to(group, kari, staff_1)
    assert services.seats(group)["free"] == 7
    with time_machine.travel(datetime(2026, 11, 30, 8, 59, tzinfo=OSLO), tick=False):
        assert tasks.lapse_offers.apply().get() == 0
    with time_machine.travel(datetime(2026, 11, 30, 9, 0, tzinfo=OSLO), tick=False):
        assert tasks.lapse_offers.apply().get() == 1
        offer.refresh_from_db()
        kari.refresh_from_db()
        assert offer.status == OfferStatus.LAPSED
        assert kari.status == Status.WAITING
        assert services.seats(group) == {"members": 0, "offered": 0, "free": 8}
        assert "Du har fått tilbud" not in page(client, kari)


def test_answering_an_offer_that_is_no_longer_open_gets_a_friendly_message(
    client, group, kari, staff_1
):
    offer = offer_to(group, kari, staff_1)
    services.lapse_offers(now=datetime(2026, 12, 1, tzinfo=UTC))
    response = client.post(
        f"/soknad/{kari.token}/tilbud/{offer.pk}/", {"answer": "accept"}, follow=True
    )
    assert followed(response) == (
        "Dette tilbudet er ikke lenger åpent. "
        "Ta kontakt med oss hvis du fortsatt ønsker plass i en gruppe."
    )
    assert not Membership.objects.exists()


def test_an_answer_that_is_neither_yes_nor_no_changes_nothing(client, group, kari, staff_1):
    offer = offer_to(group, kari, staff_1)
    response = client.post(f"/soknad/{kari.token}/tilbud/{offer.pk}/", {"answer": "maybe"})
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


def test_someone_elses_offer_cannot_be_answered_with_your_link(
    client, group, kari, staff_1, centre_1
):
    per = person(centre_1, "Per")
    pers_offer = offer_to(group, per, staff_1)
    offer_to(group, kari, staff_1)
    for answer in ["accept", "decline"]:
        response = client.post(f"/soknad/{kari.token}/tilbud/{pers_offer.pk}/", {"answer": answer})
        assert response.status_code == 404
        assert "Persen" not in response.content.decode()
    pers_offer.refresh_from_db()
    assert pers_offer.status == OfferStatus.OPEN
    assert not Membership.objects.exists()


def test_a_wrong_link_cannot_answer_and_get_is_not_allowed(client, group, kari, staff_1):
    offer = offer_to(group, kari, staff_1)
    url = f"/soknad/{kari.token}x/tilbud/{offer.pk}/"
    assert client.post(url, {"answer": "accept"}).status_code == 404
    assert client.get(f"/soknad/{kari.token}/tilbud/{offer.pk}/").status_code == 405
    offer.refresh_from_db()
    assert offer.status == OfferStatus.OPEN


# The group on the own page -------------------------------------------------------------------


@pytest.fixture
def members(centre_1, group, staff_1):
    """Kari, Per and Ola are in the group; Lise was in it and left."""
    people = {name: person(centre_1, name) for name in ["Kari", "Per", "Ola", "Lise"]}
    memberships = {name: member(group, app, staff_1) for name, app in people.items()}
    services.leave_group(memberships["Lise"], reason="life_changed")
    return memberships


def test_a_member_sees_the_next_meetings_with_marks_and_changes(client, group, members, staff_1):
    meetings = list(group.meetings.order_by("starts_at"))
    services.cancel_meeting(meetings[1], staff=staff_1, note="Rommet er opptatt.")
    services.move_meeting(
        meetings[2], day=date(2026, 12, 17), start_time=time(17, 0), staff=staff_1
    )
    text = page(client, members["Kari"].application)
    assert "Gruppa di: Tirsdagsgruppa" in text
    assert "Gruppa starter tirsdag 1. desember 2026. Velkommen!" in text
    assert "første møte" in text
    assert "<del><strong>tirsdag 8. desember 2026</strong>, 18:00–20:00</del>" in text
    assert "<strong>Avlyst.</strong> Rommet er opptatt." in text
    assert "<strong>torsdag 17. desember 2026</strong>, 17:00–19:00" in text
    assert "Det var først satt opp tirsdag 15. desember 2026 kl. 18:00." in text
    # No one else's details: not the others' names, addresses or what they wrote.
    for other in ["Persen", "Olasen", "Lisesen", "per@example.no", MARKER]:
        assert other not in text
    assert "De andre i gruppa får en kort melding med bare fornavnet ditt" in text


def test_a_member_tells_the_group_they_cannot_come(client, group, members):
    kari = members["Kari"].application
    meeting = group.meetings.order_by("starts_at")[1]
    text = page(client, kari)
    assert f'<option value="{meeting.pk}">tirsdag 8. desember 2026 18:00</option>' in text
    response = client.post(
        f"/soknad/{kari.token}/beskjed/",
        {"kind": "absent", "meeting": meeting.pk},
        follow=True,
    )
    assert followed(response) == (
        "Takk. De andre i gruppa får beskjed om at du ikke kan komme 8. desember 2026."
    )
    notice = AbsenceNotice.objects.get()
    assert (notice.membership, notice.kind, notice.meeting) == (
        members["Kari"],
        NoticeKind.ABSENT,
        meeting,
    )
    text = response.content.decode()
    assert "Du har sagt fra til gruppa at du ikke kan komme." in text
    assert f'<option value="{meeting.pk}">' not in text


def test_a_member_tells_the_group_they_want_to_stop(client, group, members, staff_1):
    kari = members["Kari"].application
    response = client.post(f"/soknad/{kari.token}/beskjed/", {"kind": "leaving"}, follow=True)
    assert "De andre i gruppa får beskjed om at du ønsker å slutte" in followed(response)
    assert list(AbsenceNotice.objects.values_list("kind", "meeting")) == [("leaving", None)]
    assert "Du har sagt fra til gruppa at du vil slutte." in response.content.decode()
    alert = Notification.objects.get(kind="groups.staff_alert")
    assert alert.params == {"group_id": group.pk, "alert": "leaving", "member": members["Kari"].pk}
    assert alert.to_address == staff_1.email


def test_a_notice_for_another_groups_meeting_or_a_past_one_is_refused(
    client, centre_1, group, members, staff_1
):
    other = make_group(
        centre_1, RoomFactory(centre=centre_1), staff_1, name="Andre", start_date=date(2026, 12, 8)
    )
    kari = members["Kari"].application
    first = group.meetings.order_by("starts_at").first()
    for meeting in [other.meetings.first(), first]:
        with time_machine.travel(datetime(2026, 12, 2, tzinfo=OSLO), tick=False):
            response = client.post(
                f"/soknad/{kari.token}/beskjed/",
                {"kind": "absent", "meeting": meeting.pk},
                follow=True,
            )
        assert followed(response) == "Velg et av gruppas kommende møter."
    assert not AbsenceNotice.objects.exists()


def test_only_a_member_can_send_a_notice(client, group, kari, members):
    response = client.post(f"/soknad/{kari.token}/beskjed/", {"kind": "leaving"})
    assert response.status_code == 404
    lise = members["Lise"].application
    response = client.post(f"/soknad/{lise.token}/beskjed/", {"kind": "leaving"})
    assert response.status_code == 404
    assert not AbsenceNotice.objects.exists()


# Constant queries ------------------------------------------------------------------------------


def queries(client, application) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, application)
    return len(captured)


def test_the_page_takes_the_same_number_of_queries_however_big_the_group(
    client, centre_1, room, staff_1
):
    small = make_group(centre_1, room, staff_1, name="Liten")
    big = make_group(
        centre_1, RoomFactory(centre=centre_1), staff_1, name="Stor", start_date=date(2026, 12, 8)
    )
    alone = member(small, person(centre_1, "Anne"), staff_1)
    crowd = [member(big, person(centre_1, f"P{n}"), staff_1) for n in range(8)]
    for meeting in big.meetings.order_by("starts_at")[:4]:
        services.send_notice(crowd[0], kind="absent", meeting=meeting)
    services.send_notice(crowd[0], kind="leaving")
    services.move_meeting(
        big.meetings.order_by("starts_at")[5],
        day=date(2027, 1, 14),
        start_time=time(17, 0),
        staff=staff_1,
    )
    assert queries(client, alone.application) == queries(client, crowd[0].application)

    waiting_small = person(centre_1, "Siri")
    offer_to(small, waiting_small, staff_1)
    waiting_big = person(centre_1, "Tove")
    big_open = make_group(
        centre_1, RoomFactory(centre=centre_1), staff_1, name="Ny", start_date=date(2026, 12, 15)
    )
    offer_to(big_open, waiting_big, staff_1)
    assert queries(client, waiting_small) == queries(client, waiting_big)


# Tasks -------------------------------------------------------------------------------------


def test_the_tasks_are_thin_named_and_scheduled():
    assert tasks.lapse_offers.name == "groups.lapse_offers"
    assert tasks.start_groups.name == "groups.start_groups"
    schedule = {job["task"]: job["schedule"] for job in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["groups.lapse_offers"] == timedelta(hours=1)
    assert schedule["groups.start_groups"] == timedelta(minutes=15)


def test_start_groups_task_starts_a_group_once_its_opening_meeting_is_over(group):
    with time_machine.travel(datetime(2026, 12, 1, 19, 59, tzinfo=OSLO), tick=False):
        assert tasks.start_groups.apply().get() == 0
    with time_machine.travel(datetime(2026, 12, 1, 20, 0, tzinfo=OSLO), tick=False):
        assert tasks.start_groups.apply().get() == 1
    group.refresh_from_db()
    assert group.status == "started"
