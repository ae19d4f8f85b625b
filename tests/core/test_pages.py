"""The frame and the first pages: home in both languages, staff login, staff home."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from selvhjelp import audit
from selvhjelp.enums import FollowUpRule
from tests.factories import PASSWORD, CentreFactory, UserFactory
from tests.fetching import no_lazy_loads


class _Links(HTMLParser):
    """Collects the attributes of every <a> that carries hreflang (the language switcher)."""

    def __init__(self):
        super().__init__()
        self.links: list[dict] = []
        self._open: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a" and "hreflang" in attributes:
            self._open = {**attributes, "text": ""}

    def handle_data(self, data):
        if self._open is not None:
            self._open["text"] += data.strip()

    def handle_endtag(self, tag):
        if tag == "a" and self._open is not None:
            self.links.append(self._open)
            self._open = None


def language_links(response) -> list[dict]:
    parser = _Links()
    parser.feed(response.content.decode())
    return parser.links


def text(response) -> str:
    return response.content.decode()


# --- The public home page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "lang", "heading", "phrases"),
    [
        (
            "/",
            "nb",
            "<h1>Selvhjelpsgrupper</h1>",
            [
                "Det er gratis, og du trenger ikke henvisning.",
                "Alle i gruppa har taushetsplikt.",
                "Trenger du hjelp nå?",
                "Vi leser søknader og meldinger på hverdager",
            ],
        ),
        (
            "/en/",
            "en",
            "<h1>Self-help groups</h1>",
            [
                "It is free, and you do not need a referral.",
                "Everyone in the group has a duty of confidentiality.",
                "Do you need help now?",
                "We read applications and messages on working days",
            ],
        ),
    ],
)
def test_home_speaks_the_language_of_its_address(client, centre_1, path, lang, heading, phrases):
    response = client.get(path)

    assert response.status_code == 200
    body = text(response)
    assert f'<html lang="{lang}">' in body
    assert body.count("<h1>") == 1
    assert heading in body
    for phrase in phrases:
        assert phrase in body
    assert "Akutt fare for liv eller helse: ring 113." in body
    assert "Legevakt: 116 117." in body


@pytest.mark.parametrize("path", ["/", "/en/"])
def test_home_shows_how_to_reach_the_centre(client, centre_1, path):
    body = text(client.get(path))

    assert "Selvhjelpshuset Nord" in body
    assert "Storgata 1, 0155 Oslo" in body
    assert '<a href="mailto:post@nord.example.no">post@nord.example.no</a>' in body
    prefix = "/en" if path == "/en/" else ""
    assert f'href="{prefix}/soknad/"' in body


def test_home_without_a_single_centre_points_to_the_local_centre(client, db):
    body = text(client.get("/"))

    assert "Ta kontakt med selvhjelpssenteret der du bor." in body
    assert "Akutt fare for liv eller helse: ring 113." in body
    assert "Legevakt: 116 117." in body


def test_home_shows_the_centres_own_urgent_help_lines(client, db):
    CentreFactory(slug="vest", urgent_help="Ring 113 ved fare.\n\nLegevakten: 116 117\n")

    body = text(client.get("/"))

    assert "<li>Ring 113 ved fare.</li>" in body
    assert "<li>Legevakten: 116 117</li>" in body
    assert "Kirkens SOS" not in body


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            "/",
            [
                {"href": "/", "lang": "nb", "hreflang": "nb", "aria-current": "true"},
                {"href": "/en/", "lang": "en", "hreflang": "en"},
            ],
        ),
        (
            "/en/",
            [
                {"href": "/", "lang": "nb", "hreflang": "nb"},
                {"href": "/en/", "lang": "en", "hreflang": "en", "aria-current": "true"},
            ],
        ),
        (
            "/stab/logg-inn/?next=/stab/",
            [
                {
                    "href": "/stab/logg-inn/?next=/stab/",
                    "lang": "nb",
                    "hreflang": "nb",
                    "aria-current": "true",
                },
                {"href": "/en/stab/logg-inn/?next=/stab/", "lang": "en", "hreflang": "en"},
            ],
        ),
        (
            "/en/stab/logg-inn/",
            [
                {"href": "/stab/logg-inn/", "lang": "nb", "hreflang": "nb"},
                {
                    "href": "/en/stab/logg-inn/",
                    "lang": "en",
                    "hreflang": "en",
                    "aria-current": "true",
                },
            ],
        ),
    ],
)
def test_language_switcher_links_to_the_same_page_in_the_other_language(client, db, path, expected):
    links = language_links(client.get(path))

    assert [{k: v for k, v in link.items() if k != "text"} for link in links] == expected
    assert [link["text"] for link in links] == ["Norsk (bokmål)", "English"]


def test_a_missing_page_offers_the_other_languages_home(client, db):
    response = client.get("/en/finnes-ikke/")

    assert response.status_code == 404
    assert "<h1>We could not find that page</h1>" in text(response)
    assert [link["href"] for link in language_links(response)] == ["/", "/en/finnes-ikke/"]


# --- Staff login and logout -----------------------------------------------------------------


def test_staff_login_page_renders(client, db):
    response = client.get("/stab/logg-inn/?next=/stab/")

    assert response.status_code == 200
    body = text(response)
    assert '<html lang="nb">' in body
    assert "<h1>Logg inn for ansatte</h1>" in body
    assert 'name="username"' in body
    assert 'name="password"' in body
    assert '<input type="hidden" name="next" value="/stab/">' in body
    assert 'name="csrfmiddlewaretoken"' in body
    assert '<meta name="robots" content="noindex">' in body


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/stab/logg-inn/", "Brukernavnet eller passordet er feil."),
        ("/en/stab/logg-inn/", "The username or password is wrong."),
    ],
)
def test_wrong_password_shows_a_translated_error_and_changes_nothing(
    client, staff_1, path, message
):
    response = client.post(path, {"username": "stab-nord", "password": "not-the-password"})

    assert response.status_code == 200
    assert message in text(response)
    assert "_auth_user_id" not in client.session
    staff_1.refresh_from_db()
    assert staff_1.last_login is None


def test_staff_logs_in_through_the_form_and_sees_only_their_centre(client, staff_1, centre_2):
    response = client.post(
        "/stab/logg-inn/", {"username": "stab-nord", "password": PASSWORD, "next": ""}
    )

    assert response.status_code == 302
    assert response["Location"] == "/stab/"
    home = client.get("/stab/")
    assert home.status_code == 200
    body = text(home)
    assert "<h1>Oversikt</h1>" in body
    assert "Selvhjelpshuset Nord" in body
    assert "Selvhjelpshuset Sør" not in body


def test_login_follows_next(client, staff_1):
    response = client.post(
        "/en/stab/logg-inn/",
        {"username": "stab-nord", "password": PASSWORD, "next": "/en/stab/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/en/stab/"


@pytest.mark.parametrize(
    ("path", "login"),
    [("/stab/", "/stab/logg-inn/?next=/stab/"), ("/en/stab/", "/en/stab/logg-inn/?next=/en/stab/")],
)
def test_anonymous_staff_home_redirects_to_login(client, db, path, login):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == login


def test_user_without_a_centre_is_refused(client, db):
    client.force_login(UserFactory(username="uten-senter"))

    response = client.get("/stab/")

    assert response.status_code == 403
    assert "<h1>Du har ikke tilgang til denne siden</h1>" in text(response)


def test_logout_works_by_post_only(staff_1_client):
    assert staff_1_client.get("/stab/logg-ut/").status_code == 405
    assert "_auth_user_id" in staff_1_client.session

    response = staff_1_client.post("/stab/logg-ut/")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert "_auth_user_id" not in staff_1_client.session
    assert staff_1_client.get("/stab/")["Location"] == "/stab/logg-inn/?next=/stab/"


def test_staff_nav_has_a_logout_form_and_no_admin_link_for_staff(staff_1_client):
    body = text(staff_1_client.get("/stab/"))

    assert '<form class="logout-form" method="post" action="/stab/logg-ut/">' in body
    assert "Logg ut</button>" in body
    assert 'href="/admin/"' not in body
    assert "Logget inn som stab-nord." in body


def test_superuser_staff_sees_the_admin_links(client, staff_1, centre_1):
    staff_1.is_superuser = True
    staff_1.save(update_fields=["is_superuser"])
    client.force_login(staff_1)

    body = text(client.get("/stab/"))

    assert '<a href="/admin/">Administrasjon</a>' in body
    assert f'href="/admin/core/centre/{centre_1.pk}/change/"' in body


# --- Staff home -----------------------------------------------------------------------------


def test_staff_home_summarises_the_centre_policy(staff_1_client, centre_1):
    body = re.sub(r"\s+", " ", text(staff_1_client.get("/stab/")))

    assert '<h2 id="centres-heading"> Ditt senter </h2>' in body
    assert "Storgata 1, 0155 Oslo" in body
    assert "<dt>Gruppestørrelse</dt> <dd> minst 5, helst 8, høyst 8 </dd>" in body
    assert "<dt>Sårbar under</dt> <dd> 4 deltakere </dd>" in body
    assert "<dt>Aldersspenn</dt> <dd> innenfor 15 år </dd>" in body
    assert "<dt>Igangsettere</dt> <dd> 2 per gruppe, på det første møtet </dd>" in body
    assert "<dt>Oppfølgingsmøte</dt> <dd>etter 4 gjennomførte møter</dd>" in body
    assert "<dt>Skriftlig taushetserklæring</dt> <dd> ja, signeres på første møte </dd>" in body
    assert "Ingen hendelser ennå." in body


@pytest.mark.parametrize(
    ("rule", "after", "expected"),
    [
        (FollowUpRule.AFTER_MEETINGS, 1, "etter 1 gjennomført møte"),
        (FollowUpRule.AFTER_MEETINGS, 4, "etter 4 gjennomførte møter"),
        (FollowUpRule.AFTER_WEEKS, 6, "etter 6 uker"),
        (FollowUpRule.AFTER_MONTHS, 2, "etter 2 måneder"),
    ],
)
def test_staff_home_states_the_follow_up_rule(staff_1_client, centre_1, rule, after, expected):
    centre_1.followup_rule = rule
    centre_1.followup_after = after
    centre_1.save(update_fields=["followup_rule", "followup_after"])

    body = re.sub(r"\s+", " ", text(staff_1_client.get("/stab/")))

    assert f"<dt>Oppfølgingsmøte</dt> <dd>{expected}</dd>" in body


def test_staff_home_policy_in_english_with_age_span_off(client, staff_1, centre_1):
    centre_1.age_span_enabled = False
    centre_1.written_confidentiality = False
    centre_1.starter_opening_meetings = 5
    centre_1.save(
        update_fields=["age_span_enabled", "written_confidentiality", "starter_opening_meetings"]
    )
    client.force_login(staff_1)

    body = re.sub(r"\s+", " ", text(client.get("/en/stab/")))

    assert "<dt>Age span</dt> <dd> off </dd>" in body
    assert "<dt>Starters</dt> <dd> 2 per group, at the first 5 meetings </dd>" in body
    assert "<dt>Written confidentiality</dt> <dd> no </dd>" in body


def test_staff_home_lists_recent_activity_of_their_centre_in_local_time(
    staff_1_client, staff_1, centre_1, centre_2
):
    with time_machine.travel(datetime(2026, 1, 15, 11, 30, tzinfo=UTC), tick=False):
        audit.record("centre.updated", actor=staff_1, centre=centre_1, obj=centre_1)
    with time_machine.travel(datetime(2026, 7, 1, 6, 5, tzinfo=UTC), tick=False):
        audit.record("centre.secret-of-sor", centre=centre_2, obj=centre_2)
        audit.record("heartbeat.seen", centre=centre_1)

    body = text(staff_1_client.get("/stab/"))

    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, flags=re.S) for row in rows[1:]]
    assert [[re.sub(r"<[^>]+>", "", cell) for cell in row] for row in cells] == [
        ["01.07.2026 08:05", "systemet", "heartbeat.seen", "–"],
        ["15.01.2026 12:30", "stab-nord", "centre.updated", "core.centre"],
    ]
    assert '<time datetime="2026-01-15T12:30:00+01:00">' in body
    assert "centre.secret-of-sor" not in body


def test_staff_home_query_count_does_not_grow_with_events(staff_1_client, staff_1, centre_1):
    audit.record("first", actor=staff_1, centre=centre_1, obj=centre_1)
    with CaptureQueriesContext(connection) as one:
        staff_1_client.get("/stab/")
    for number in range(15):
        audit.record(f"more-{number}", actor=staff_1, centre=centre_1, obj=centre_1)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        body = text(staff_1_client.get("/stab/"))

    assert body.count("<td>more-") == 15  # unknown actions are shown as recorded
    assert len(many) == len(one)


# --- Security headers and the strict CSP ----------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.mark.parametrize(
    ("path", "as_staff", "status"),
    [
        ("/", False, 200),
        ("/en/", False, 200),
        ("/stab/logg-inn/", False, 200),
        ("/stab/", True, 200),
        ("/en/stab/", True, 200),
        ("/finnes-ikke/", False, 404),
    ],
)
def test_pages_carry_the_csp_and_no_inline_code(client, staff_1, path, as_staff, status):
    if as_staff:
        audit.record("centre.updated", actor=staff_1, centre=staff_1.staff_memberships.get().centre)
        client.force_login(staff_1)

    response = client.get(path)

    assert response.status_code == status
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "style-src 'self'" in csp
    body = text(response)
    assert INLINE_SCRIPT.findall(body) == []
    assert STYLE_ATTRIBUTE.findall(body) == []
    assert "<style" not in body.lower()
    assert body.count('<main id="main"') == 1
    assert '<a class="skip-link visually-hidden-focusable" href="#main">' in body


def test_wrong_password_page_has_no_inline_code(client, staff_1):
    body = text(client.post("/stab/logg-inn/", {"username": "stab-nord", "password": "nei"}))

    assert INLINE_SCRIPT.findall(body) == []
    assert STYLE_ATTRIBUTE.findall(body) == []


def test_staff_home_shows_known_actions_in_words(staff_1_client, staff_1, centre_1):
    audit.record("application.viewed", actor=staff_1, centre=centre_1, obj=centre_1)
    audit.record("group.created", actor=staff_1, centre=centre_1, obj=centre_1)
    body = text(staff_1_client.get("/stab/"))
    assert "<td>åpnet søknaden</td>" in body
    assert "<td>opprettet gruppa</td>" in body
