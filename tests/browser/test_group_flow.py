"""Staff create a group, offer two people a place, and one accepts on their own page."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from groups.models import Group, Membership
from intake.enums import Status
from tests.factories import PASSWORD, ApplicationFactory, RoomFactory

pytestmark = pytest.mark.browser


def next_weekday(weekday: int) -> date:
    today = timezone.localdate() + timedelta(days=7)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def test_staff_create_a_group_place_two_and_one_accepts(page, live_server, centre_1, staff_1):
    RoomFactory(centre=centre_1, name="Samtalerommet")
    kari = ApplicationFactory(
        centre=centre_1, first_name="Kari", status=Status.WAITING, availability=["tue-evening"]
    )
    ola = ApplicationFactory(
        centre=centre_1, first_name="Ola", status=Status.WAITING, availability=["tue-evening"]
    )
    start = next_weekday(1)

    page.goto(f"{live_server.url}/stab/logg-inn/")
    page.fill("#id_username", staff_1.username)
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Logg inn").click()

    page.goto(f"{live_server.url}/stab/grupper/ny/")
    page.fill("#id_name", "Tirsdagsgruppa")
    page.select_option("#id_room", label="Samtalerommet")
    page.select_option("#id_weekday", "1")
    page.fill("#id_start_time", "18:00")
    page.fill("#id_start_date", start.isoformat())
    page.get_by_role("button", name="Opprett gruppa").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Tirsdagsgruppa")
    group = Group.objects.get()
    assert group.meetings.count() == 27

    # Both chosen among the ranked candidates, offered in one step.
    page.get_by_role("link", name="Velg blant kandidatene").click()
    for person in (kari, ola):
        page.check(f"#candidates-heading-person-{person.pk}")
    page.get_by_role("button", name="Gi de valgte tilbud om plass").click()
    assert group.offers.count() == 2

    # Kari answers on her own page.
    page.goto(f"{live_server.url}/soknad/{kari.token}/")
    assert "Tirsdagsgruppa" in page.content()
    page.get_by_role("button", name=re.compile("Ja")).click()
    membership = Membership.objects.get()
    assert membership.application == kari
    kari.refresh_from_db()
    ola.refresh_from_db()
    assert (kari.status, ola.status) == (Status.PLACED, Status.OFFERED)

    page.goto(f"{live_server.url}/stab/grupper/{group.pk}/")
    members = (
        page.locator("#members").inner_text()
        if page.locator("#members").count()
        else page.content()
    )
    assert "Kari" in members
