"""The error pages: our own words in both languages, and never a traceback or the error."""

import re

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.test import Client
from django.urls import get_resolver, path
from django.utils import translation

from selvhjelp.urls import urlpatterns as project_urlpatterns
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SECRET = "kaboom-4711-secret"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def boom(request):
    raise RuntimeError(SECRET)


# This module is also a URLconf: the project's URLs plus a view that fails.
urlpatterns = [path("boom/", boom), *project_urlpatterns]

HEADINGS = {
    400: ("Vi kunne ikke lese forespørselen", "The request could not be read"),
    403: ("Du har ikke tilgang til denne siden", "You do not have access to this page"),
    404: ("Vi fant ikke siden", "We could not find that page"),
    500: ("Noe gikk galt", "Something went wrong"),
}
EXCEPTIONS = {
    400: SuspiciousOperation(SECRET),
    403: PermissionDenied(SECRET),
    404: Http404(SECRET),
}


def text(response) -> str:
    return response.content.decode()


def assert_clean(html: str) -> None:
    assert SECRET not in html
    assert "Traceback" not in html
    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []


@pytest.mark.parametrize("status", [400, 403, 404, 500])
@pytest.mark.parametrize(("language", "index"), [("nb", 0), ("en", 1)])
def test_each_error_handler_renders_our_page(rf, centre_1, status, language, index):
    handler = get_resolver().resolve_error_handler(status)
    request = rf.get("/en/noe/" if language == "en" else "/noe/")
    arguments = [request] if status == 500 else [request, EXCEPTIONS[status]]
    with translation.override(language):
        response = handler(*arguments)

    assert response.status_code == status
    html = text(response)
    assert f"<h1>{HEADINGS[status][index]}</h1>" in html
    assert f'<html lang="{language}">' in html
    assert_clean(html)


def test_a_real_404_and_403(client, centre_1):
    assert_clean(text(missing := client.get("/finnes-ikke/")))
    assert missing.status_code == 404
    assert "<h1>Vi fant ikke siden</h1>" in text(missing)
    client.force_login(UserFactory(username="uten-senter"))
    refused = client.get("/en/stab/")
    assert refused.status_code == 403
    assert "<h1>You do not have access to this page</h1>" in text(refused)
    assert_clean(text(refused))


@pytest.mark.allow_error_logs
def test_a_real_400_for_a_host_we_do_not_serve(client, db):
    response = client.get("/", HTTP_HOST="angriper.example")

    assert response.status_code == 400
    assert "<h1>Vi kunne ikke lese forespørselen</h1>" in text(response)
    assert "angriper.example" not in text(response)
    assert_clean(text(response))


@pytest.mark.allow_error_logs
def test_a_real_500_shows_no_traceback(settings, db):
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "<h1>Noe gikk galt</h1>" in text(response)
    assert "Ring 113 hvis det er akutt fare" in text(response)
    assert_clean(text(response))


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/stab/logg-inn/", "Siden er utløpt"), ("/en/stab/logg-inn/", "The page has expired")],
)
def test_a_failed_csrf_check_explains_itself(db, path, heading):
    client = Client(enforce_csrf_checks=True)

    response = client.post(path, {"username": "x", "password": "y"})

    assert response.status_code == 403
    assert f"<h1>{heading}</h1>" in text(response)
    assert_clean(text(response))
