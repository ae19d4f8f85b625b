"""The public information pages: both languages, one h1, the way to apply, urgent help."""

import re

import pytest

from intake.services import POLICY_VERSION

PAGES = [
    # (nb path, en path, nb h1, en h1)
    (
        "/om-selvhjelpsgrupper/",
        "/en/om-selvhjelpsgrupper/",
        "Om selvhjelpsgrupper",
        "About self-help groups",
    ),
    ("/slik-foregar-det/", "/en/slik-foregar-det/", "Slik foregår det", "How it works"),
    ("/gode-samtaler/", "/en/gode-samtaler/", "Gode samtaler", "Good conversations"),
    ("/sporsmal-og-svar/", "/en/sporsmal-og-svar/", "Spørsmål og svar", "Questions and answers"),
    ("/personvern/", "/en/personvern/", "Personvernerklæring", "Privacy notice"),
    (
        "/tilgjengelighet/",
        "/en/tilgjengelighet/",
        "Tilgjengelighetserklæring",
        "Accessibility statement",
    ),
]

BY_LANGUAGE = [(nb, "nb", nb_h1, "/soknad/") for nb, _en, nb_h1, _ in PAGES] + [
    (en, "en", en_h1, "/en/soknad/") for _nb, en, _, en_h1 in PAGES
]


def text(response) -> str:
    return response.content.decode()


def h1s(body: str) -> list[str]:
    return re.findall(r"<h1[^>]*>(.*?)</h1>", body, flags=re.S)


@pytest.mark.parametrize(("path", "lang", "heading", "apply_path"), BY_LANGUAGE)
def test_info_page_in_its_language_with_one_heading(client, db, path, lang, heading, apply_path):
    response = client.get(path)

    assert response.status_code == 200
    body = text(response)
    assert f'<html lang="{lang}">' in body
    assert h1s(body) == [heading]
    assert f"<title>{heading} – " in body


@pytest.mark.parametrize(("path", "lang", "heading", "apply_path"), BY_LANGUAGE)
def test_info_page_links_to_the_application(client, db, path, lang, heading, apply_path):
    body = text(client.get(path))

    label = "Søk om plass" if lang == "nb" else "Apply for a place"
    assert re.search(rf'<a class="btn btn-primary[^"]*" href="{apply_path}">{label}</a>', body)
    assert f'<a class="site-nav__apply" href="{apply_path}">{label}</a>' in body


@pytest.mark.parametrize(("path", "lang", "heading", "apply_path"), BY_LANGUAGE)
def test_info_page_shows_urgent_help(client, db, path, lang, heading, apply_path):
    body = text(client.get(path))

    assert '<aside id="urgent-help" class="urgent-help"' in body
    assert "<li>Akutt fare for liv eller helse: ring 113.</li>" in body
    assert "<li>Legevakt: 116 117.</li>" in body


@pytest.mark.parametrize(("path", "lang", "heading", "apply_path"), BY_LANGUAGE)
def test_info_page_shows_the_centre_contact(client, centre_1, path, lang, heading, apply_path):
    body = text(client.get(path))

    assert "<strong>Selvhjelpshuset Nord</strong>" in body
    assert "Storgata 1, 0155 Oslo" in body
    assert '<a href="mailto:post@nord.example.no">post@nord.example.no</a>' in body


@pytest.mark.parametrize(("path", "lang", "heading", "apply_path"), BY_LANGUAGE)
def test_info_page_is_marked_current_in_the_menu(client, db, path, lang, heading, apply_path):
    body = text(client.get(path))

    assert body.count('aria-current="page"') == 1
    assert f'<a href="{path}" aria-current="page">' in body


@pytest.mark.parametrize(
    ("path", "version_line"),
    [
        ("/personvern/", f'<p class="policy-version">Versjon {POLICY_VERSION}</p>'),
        ("/en/personvern/", f'<p class="policy-version">Version {POLICY_VERSION}</p>'),
    ],
)
def test_privacy_notice_shows_the_current_policy_version(client, db, path, version_line):
    body = text(client.get(path))

    assert POLICY_VERSION == "2026-11"
    assert version_line in body


def test_privacy_notice_names_the_centre_and_the_rules(client, centre_1):
    body = text(client.get("/personvern/"))

    assert (
        "Selvhjelpshuset Nord er ansvarlig for opplysningene dine (behandlingsansvarlig)." in body
    )
    assert "særlig kategori personopplysninger etter artikkel 9" in body
    assert "(personvernforordningen artikkel 6 nr. 1 bokstav a)" in body  # the legal basis
    assert "Da slutter vi å bruke dem og sletter dem med en gang." in body
    assert "Igangsetterne og de andre deltakerne ser aldri søknaden din." in body
    assert "ser de andre i gruppa bare fornavnet ditt." in body
    assert "sletter vi den 6 måneder etterpå." in body
    assert '<a href="https://www.datatilsynet.no/">datatilsynet.no</a>' in body
    assert '<a href="/soknad/mistet-lenke/">Få en ny lenke</a>' in body


def test_privacy_notice_without_a_single_centre_speaks_generally(client, db):
    body = text(client.get("/en/personvern/"))

    assert (
        "The self-help centre you apply to is responsible for your information "
        "(the data controller)." in body
    )
    assert "Contact the self-help centre you applied to." in body
    assert '<a href="/en/soknad/mistet-lenke/">Get a new link</a>' in body


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        (
            "/tilgjengelighet/",
            [
                "(WCAG) 2.1, nivå AA",
                "Vi kjenner ikke til noen problemer nå.",
                '<a href="https://www.uutilsynet.no/">uutilsynet.no</a>',
            ],
        ),
        (
            "/en/tilgjengelighet/",
            [
                "(WCAG) 2.1, level AA",
                "We do not know of any problems at the moment.",
                '<a href="https://www.uutilsynet.no/">uutilsynet.no</a>',
            ],
        ),
    ],
)
def test_accessibility_statement(client, db, path, phrases):
    body = text(client.get(path))

    for phrase in phrases:
        assert phrase in body


@pytest.mark.parametrize(
    ("path", "phrases"),
    [
        (
            "/om-selvhjelpsgrupper/",
            [
                "<strong>Ikke terapi.</strong>",
                "<strong>Ikke et kurs.</strong>",
                "<strong>Ingen leder.</strong>",
                "<strong>Ingen henvisning.</strong>",
                "Alle som har fylt 18 år",
                "Noen sentre starter også temagrupper",
            ],
        ),
        (
            "/slik-foregar-det/",
            [
                "<strong>5–8 personer.</strong>",
                "Du forplikter deg til de første tolv ukene.",
                "Alle har taushetsplikt.",
                "Vi kaller dem igangsettere.",
                "Vi leser søknader på hverdager",
            ],
        ),
        (
            "/gode-samtaler/",
            [
                "<h2>Snakk ut fra deg selv</h2>",
                "<h2>Del i ditt eget tempo</h2>",
                "<h2>Vær her og nå</h2>",
                "<h2>Våg å bli sett</h2>",
                "<h2>Lytt uten å gi råd</h2>",
                "<h2>Endring skjer herfra</h2>",
            ],
        ),
        (
            "/sporsmal-og-svar/",
            [
                "<h2>Kan jeg være med selv om jeg går i terapi eller behandling?</h2>",
                "<h2>Hva koster det?</h2>",
                "Ingenting. Det er gratis å være med i en selvhjelpsgruppe.",
                "<h2>Hvor møtes gruppene?</h2>",
            ],
        ),
    ],
)
def test_info_pages_say_the_key_facts_in_norwegian(client, db, path, phrases):
    body = text(client.get(path))

    for phrase in phrases:
        assert phrase in body


def test_the_waiting_step_tells_the_centres_typical_wait(client, centre_1):
    centre_1.typical_wait_weeks = 6
    centre_1.save(update_fields=["typical_wait_weeks"])

    assert "Det tar vanligvis omtrent 6 uker." in text(client.get("/slik-foregar-det/"))
    assert "It usually takes about 6 weeks." in text(client.get("/en/slik-foregar-det/"))


def test_the_waiting_step_says_nothing_about_time_when_the_centre_does_not(client, centre_1):
    centre_1.typical_wait_weeks = 0
    centre_1.save(update_fields=["typical_wait_weeks"])

    assert "Det tar vanligvis omtrent" not in text(client.get("/slik-foregar-det/"))


@pytest.mark.parametrize(
    ("path", "links"),
    [
        (
            "/",
            [
                '<a href="/om-selvhjelpsgrupper/">Om selvhjelpsgrupper</a>',
                '<a href="/slik-foregar-det/">Slik foregår det</a>',
                '<a href="/gode-samtaler/">Gode samtaler</a>',
                '<a href="/sporsmal-og-svar/">Spørsmål og svar</a>',
                '<a href="/personvern/">Personvern</a>',
                '<a href="/tilgjengelighet/">Tilgjengelighet</a>',
                '<a class="btn btn-primary btn-lg" href="/soknad/">Søk om plass</a>',
            ],
        ),
        (
            "/en/",
            [
                '<a href="/en/om-selvhjelpsgrupper/">About self-help groups</a>',
                '<a href="/en/slik-foregar-det/">How it works</a>',
                '<a href="/en/gode-samtaler/">Good conversations</a>',
                '<a href="/en/sporsmal-og-svar/">Questions and answers</a>',
                '<a href="/en/personvern/">Privacy</a>',
                '<a href="/en/tilgjengelighet/">Accessibility</a>',
                '<a class="btn btn-primary btn-lg" href="/en/soknad/">Apply for a place</a>',
            ],
        ),
    ],
)
def test_home_links_to_every_info_page_and_the_application(client, db, path, links):
    body = text(client.get(path))

    for link in links:
        assert link in body
