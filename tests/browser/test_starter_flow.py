"""A starter signs in on a phone, says yes to a group, and finds the kit and the calendar."""

import re

import pytest

from starters.models import Assignment
from tests.browser.test_accessibility import axe_violations
from tests.factories import (
    PASSWORD,
    AssignmentFactory,
    GroupFactory,
    MembershipFactory,
    RoomFactory,
    StarterFactory,
)

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_starter_accepts_an_assignment_on_a_phone(page, live_server, centre_1):
    room = RoomFactory(centre=centre_1, name="Samtalerommet", street_address="Kirkeveien 61")
    group = GroupFactory(centre=centre_1, name="Tirsdagsgruppa", room=room, weekday=1)
    MembershipFactory(group=group, application__first_name="Silje")
    ola = StarterFactory(centre=centre_1, user__username="ola", user__first_name="Ola")
    assignment = AssignmentFactory(group=group, starter=ola)
    page.set_viewport_size(PHONE)

    page.goto(f"{live_server.url}/igangsetter/")
    assert page.url.startswith(f"{live_server.url}/igangsetter/logg-inn/")
    assert axe_violations(page) == []
    page.fill("#id_username", "ola")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Logg inn").click()

    assert page.get_by_role("heading", level=1).inner_text() == "Timeplanen min"
    pending = page.locator("#pending")
    assert "Vil du sette i gang «Tirsdagsgruppa»?" in pending.inner_text()
    assert "Samtalerommet, Kirkeveien 61" in pending.inner_text()
    assert fits_the_screen(page)
    assert axe_violations(page) == []

    page.get_by_role("button", name="Ja, jeg setter i gang gruppa").click()

    assert page.get_by_role("status").first.inner_text() == (
        "Takk for at du setter i gang «Tirsdagsgruppa»! Møtene står i timeplanen din nedenfor."
    )
    assert Assignment.objects.get(pk=assignment.pk).status == "accepted"
    assert page.locator("#pending").count() == 0
    upcoming = page.locator("#upcoming .starter-meeting")
    assert upcoming.count() == 2
    assert re.search(r"Tirsdagsgruppa\s+Oppstartsmøte", upcoming.first.inner_text())
    assert fits_the_screen(page)

    page.get_by_role("link", name="Startpakken til oppstartsmøtet").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Startpakke: Tirsdagsgruppa"
    assert "Silje" in page.locator(".signatures").inner_text()
    assert fits_the_screen(page)

    page.goto(f"{live_server.url}/igangsetter/kalender/")
    address = page.locator("#feed-url").input_value()
    assert address.endswith(f"/kalender/{ola.calendar_token}.ics")
    assert (
        page.get_by_role("link", name="Abonner i kalenderen min")
        .get_attribute("href")
        .startswith("webcal://")
    )
    assert axe_violations(page) == []
