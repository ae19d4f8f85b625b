"""Every staff page for applications: login required, declared as staff-only, not cached."""

from urllib.parse import quote

import pytest
from django.urls import resolve
from django.utils import translation

from intake.models import Application, IntakeNote
from selvhjelp.models import AuditEvent
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(centre_1):
    return ApplicationFactory(centre=centre_1, about="MARKØR")


def paths(application) -> list[tuple[str, str]]:
    pk = application.pk
    return [
        ("get", "/stab/soknader/"),
        ("get", "/stab/soknader/?status=all&age=30-39"),
        ("get", "/stab/soknader/ny/"),
        ("post", "/stab/soknader/ny/"),
        ("get", f"/stab/soknader/{pk}/"),
        ("post", f"/stab/soknader/{pk}/notat/"),
        ("post", f"/stab/soknader/{pk}/status/"),
        ("get", "/en/stab/soknader/"),
        ("get", f"/en/stab/soknader/{pk}/"),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, application):
    for method, path in paths(application):
        response = getattr(client, method)(
            path, {"text": "x", "to": "waiting"} if method == "post" else None
        )

        assert response.status_code == 302, path
        login = "/en/stab/logg-inn/" if path.startswith("/en/") else "/stab/logg-inn/"
        assert response.url == f"{login}?next={quote(path, safe='/')}", path
    application.refresh_from_db()
    assert application.status == "received"
    assert Application.objects.count() == 1
    assert IntakeNote.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_every_view_is_declared_staff_only(application):
    for _method, path in paths(application):
        with translation.override("en" if path.startswith("/en/") else "nb"):
            assert resolve(path.split("?")[0]).func.access == "staff", path


@pytest.mark.parametrize(
    "path",
    ["/stab/soknader/", "/stab/soknader/ny/", "/en/stab/soknader/"],
)
def test_pages_with_personal_data_are_never_cached(staff_1_client, path):
    response = staff_1_client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_the_staff_menu_links_to_the_waiting_list(staff_1_client):
    home = staff_1_client.get("/stab/").content.decode()
    waiting_list = staff_1_client.get("/stab/soknader/").content.decode()

    assert '<li><a href="/stab/soknader/">Søknader</a></li>' in home
    assert '<li><a href="/stab/soknader/" aria-current="page">Søknader</a></li>' in waiting_list


def test_the_pages_speak_english_under_en(staff_1_client, application):
    listing = staff_1_client.get("/en/stab/soknader/").content.decode()
    detail = staff_1_client.get(f"/en/stab/soknader/{application.pk}/").content.decode()

    assert "<h1>Waiting list</h1>" in listing
    assert "Mon evening, Thu day" in listing
    assert "Start the intake conversation" in detail
