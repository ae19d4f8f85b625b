"""The permission matrix (selvhjelp/access.py), proven on every URL: each role fetches every
URL of the URLconf (and a sample under /en/) filled with centre 1's objects, and gets a 2xx
exactly where the matrix grants it. Starter- and participant-facing responses never carry
what an applicant wrote or the areas she chose."""

from copy import deepcopy

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from intake.enums import Area
from selvhjelp import access
from selvhjelp.access import (
    ADMIN,
    ANONYMOUS,
    APPLICANT,
    OTHER_STAFF,
    OTHER_STARTER,
    ROLES,
    STAFF,
    STARTER,
)
from selvhjelp.bitsets import to_mask
from tests.core.url_walk import Cast, admin_paths, routes
from tests.factories import MembershipFactory, StarterFactory, UserFactory

pytestmark = pytest.mark.django_db

MARKER = "MARKØR-om-meg-7Q"  # in every centre-1 application's free text
AREAS = [Area.ILLNESS, Area.SUBSTANCE]
EN_SAMPLE = [
    "home",
    "apply",
    "applicant",
    "offer-answer",
    "staff-home",
    "staff-application",
    "staff-group",
    "staff-group-open",
    "starter-schedule",
    "starter-kit",
    "starter-answer",
]


def area_labels() -> list[str]:
    with translation.override("nb"):
        return [str(area.label) for area in AREAS]


class World:
    """The cast (url_walk.Cast) with a marker in the applicants' free text, the areas set,
    a second member in the same group, and a client for every role."""

    def __init__(self, centre_1, centre_2, staff_1, staff_2):
        from intake.models import Application

        self.cast = Cast(centre_1, staff_1)
        Application.objects.filter(centre=centre_1).update(
            about=MARKER, areas_mask=to_mask([a.value for a in AREAS], Area.values)
        )
        self.member = self.cast.membership.application
        # Another participant of the same group: nothing of hers is sensitive here.
        self.other_member = MembershipFactory(
            group=self.cast.group, application__about="", application__first_name="Berit"
        ).application
        other_starter = StarterFactory(centre=centre_1)
        admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
        logins = {
            STARTER: self.cast.starter_user,
            OTHER_STARTER: other_starter.user,
            STAFF: staff_1,
            OTHER_STAFF: staff_2,
            ADMIN: admin,
        }
        self.clients = {}
        for role in ROLES:
            self.clients[role] = Client()
            if role in logins:
                self.clients[role].force_login(logins[role])

    def kwargs(self, route, role: str) -> dict:
        """The route's arguments; a role without the URL's key holds a forged one."""
        values = self.cast.kwargs(route)
        holder = access.KEYS.get(route.name)
        if holder is not None and role != holder:
            real = values["token"]
            values["token"] = real[:-1] + ("A" if real[-1] != "A" else "B")
        return values


@pytest.fixture
def world(centre_1, centre_2, staff_1, staff_2):
    # A request under /en/ leaves English active in the thread: build addresses in nb.
    with translation.override(settings.LANGUAGE_CODE):
        yield World(centre_1, centre_2, staff_1, staff_2)


def fetch(client: Client, path: str):
    """GET, or an empty POST where the view takes only POST. Whatever it changes is rolled
    back, and the client keeps its session, so every request meets the same world."""
    cookies = deepcopy(client.cookies)
    with transaction.atomic():
        response = client.get(path)
        method = "GET"
        if response.status_code == 405:
            response = client.post(path, {})
            method = "POST"
        transaction.set_rollback(True)
    client.cookies = cookies
    return method, response


LOGIN_PATHS = ("/stab/logg-inn/", "/igangsetter/logg-inn/", "/admin/login/")


def refused(response) -> bool:
    """A refusal: 403, 404, or a redirect to a sign-in page (nothing done)."""
    if response.status_code in {403, 404}:
        return True
    location = response.get("Location", "").removeprefix("/en")
    return response.status_code == 302 and location.startswith(LOGIN_PATHS)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


SIGNED_IN = frozenset({STARTER, OTHER_STARTER, STAFF, OTHER_STAFF, ADMIN})
# Granted GET pages that answer with a redirect rather than a page, for these roles.
REDIRECT_ON_GET = {
    "staff-login": SIGNED_IN,  # signed-in visitors are sent on
    "staff-login-code": {STAFF, OTHER_STAFF, ADMIN},  # no code wanted (STAFF_REQUIRE_2FA off)
    "starter-welcome": frozenset(ROLES),  # the token moves into the session, out of the URL
    "admin:login": {ADMIN},  # signed in: on to the index
}


def walk(world: World, names_and_paths) -> tuple[list, int]:
    problems, fetched, labels = [], 0, area_labels()
    for role in ROLES:
        client = world.clients[role]
        for name, path in names_and_paths(role):
            method, response = fetch(client, path)
            fetched += 1
            status = response.status_code
            granted = role in access.roles_for(name)
            if not granted and not refused(response):
                problems.append(f"{role} got {status} on {method} {name} ({path})")
            if (
                granted
                and method == "GET"
                and not 200 <= status < 300
                and role not in REDIRECT_ON_GET.get(name, ())
            ):
                problems.append(f"{role} was refused {status} on {name} ({path}), matrix grants")
            text = body(response)
            if role not in {STAFF, APPLICANT} and MARKER in text:
                problems.append(f"{role} saw the applicant's free text on {name}")
            if role in {STARTER, OTHER_STARTER} and name.startswith("starter-"):
                problems += [f"{role} saw {label!r} on {name}" for label in labels if label in text]
    return problems, fetched


def test_every_url_of_the_project_gives_each_role_exactly_what_the_matrix_grants(world):
    project = [r for r in routes() if not r.name.startswith("admin:")]
    assert {r.name for r in project} == set(access.URLS) - {"bench-bare"}

    def paths(role):
        found = [(r.name, reverse(r.name, kwargs=world.kwargs(r, role))) for r in project]
        with translation.override("en"):
            found += [
                (r.name, reverse(r.name, kwargs=world.kwargs(r, role)))
                for r in project
                if r.name in EN_SAMPLE
            ]
        return found

    problems, fetched = walk(world, paths)

    assert problems == [], "\n".join(problems)
    assert fetched == len(ROLES) * (len(project) + len(EN_SAMPLE))


def test_every_admin_page_is_for_administrators_only(world):
    extra = ["admin:login", "admin:password_change", "admin:jsi18n"]
    pages = [*admin_paths(), *((name, reverse(name)) for name in extra)]
    assert len(pages) >= 20

    problems, fetched = walk(world, lambda role: pages)

    # Within the admin, each model's admin narrows further: read-only models (the audit log,
    # applications, the outbox, …) refuse even an administrator their add and delete pages.
    narrowed = [p for p in problems if p.startswith("admin was refused 403 on admin:")]
    assert [p for p in problems if p not in narrowed] == []
    assert all(p.split()[5].endswith(("_add", "_delete")) for p in narrowed), narrowed
    assert {"admin:core_auditevent_add", "admin:core_auditevent_delete"} <= {
        p.split()[5] for p in narrowed
    }
    assert fetched == len(ROLES) * len(pages)


def test_the_walk_sees_an_unexpected_2xx_and_an_unexpected_refusal(world, monkeypatch):
    """With the matrix made wrong on purpose, the walk reports both directions."""
    monkeypatch.setattr(access, "CENTRE_SCOPED", frozenset({"staff-groups"}))
    group = world.cast.group
    pages = [
        ("staff-groups", reverse("staff-groups")),
        ("staff-group", reverse("staff-group", args=[group.pk])),
    ]

    problems, _fetched = walk(world, lambda role: pages)

    assert problems == [
        "other-staff got 200 on GET staff-groups (/stab/grupper/)",
        f"other-staff was refused 404 on staff-group (/stab/grupper/{group.pk}/), matrix grants",
    ]


def test_the_matrix_grants_what_the_brief_says(world):
    assert access.roles_for("home") == frozenset(ROLES)
    assert access.roles_for("applicant") == {APPLICANT}
    assert access.roles_for("starter-feed") == {STARTER}
    assert access.roles_for("staff-applications") == {STAFF, OTHER_STAFF}
    assert access.roles_for("staff-application") == {STAFF}
    assert access.roles_for("starter-kit") == {STARTER}
    assert access.roles_for("starter-schedule") == {STARTER, OTHER_STARTER}
    assert access.roles_for("staff-account") == {STAFF, OTHER_STAFF, ADMIN}
    assert access.roles_for("admin:index") == {ADMIN}
    assert set(access.KEYS) | access.CENTRE_SCOPED | access.STARTER_SCOPED <= set(access.URLS)


def test_the_system_check_passes_and_fails_on_drift(monkeypatch):
    assert access.check_matrix() == []
    call_command("check")  # registered: raises on an error

    urls = dict(access.URLS)
    del urls["staff-group"]
    urls["staff-rooms"] = "public"
    monkeypatch.setattr(access, "URLS", urls)

    errors = access.check_matrix()

    assert [(e.id, e.msg) for e in errors] == [
        ("core.E102", "The URL 'staff-group' has no entry in the permission matrix."),
        (
            "core.E103",
            "The view of 'staff-rooms' is tagged 'staff', the permission matrix says 'public'.",
        ),
    ]


# --- Starter- and participant-facing responses ------------------------------------------------


def assert_nothing_sensitive(response, where: str):
    text = body(response)
    assert response.status_code == 200, (where, response.status_code)
    assert MARKER not in text, where
    for label in area_labels():
        assert label not in text, (where, label)


def test_no_starter_page_shows_what_an_applicant_wrote_or_chose(world):
    client = world.clients[STARTER]
    group = world.cast.group
    pages = {
        "schedule": reverse("starter-schedule"),
        "calendar": reverse("starter-calendar"),
        "kit": reverse("starter-kit", args=[group.pk]),
        "feed": reverse("starter-feed", args=[world.cast.starter.calendar_token]),
    }
    with translation.override("en"):
        pages["kit (en)"] = reverse("starter-kit", args=[group.pk])
    for where, path in pages.items():
        assert_nothing_sensitive(client.get(path), where)
    # The kit names the members: the page is the one with people on it.
    kit = body(client.get(pages["kit"]))
    assert world.member.first_name in kit
    assert "Berit" in kit


def test_another_member_of_the_group_sees_nothing_of_hers(world):
    token = world.other_member.token
    client = world.clients[ANONYMOUS]
    for name in ["applicant", "applicant-export", "applicant-export-json"]:
        assert_nothing_sensitive(client.get(reverse(name, args=[token])), name)
    # Her own link does not open someone else's offer.
    offer = world.cast.offer
    response = client.post(reverse("offer-answer", args=[token, offer.pk]), {"answer": "accept"})
    assert response.status_code == 404
    offer.refresh_from_db()
    assert offer.status == "open"


def test_the_markers_are_where_they_should_be(world):
    """The checks above would see a leak: the marker and labels are on the staff page."""
    page = body(world.clients[STAFF].get(reverse("staff-application", args=[world.member.pk])))
    assert MARKER in page
    assert all(label in page for label in area_labels())
