"""Transport and browser rules: pages with personal data are never cached, the security
headers are on every response, production cookies are __Host- cookies, and the deploy
checks pass with production settings."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.utils import translation

from tests.core.url_walk import Cast, admin_paths, project_paths, unnamed_routes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
NEVER_CACHED = "max-age=0, no-cache, no-store, must-revalidate, private"
PRIVATE_PREFIXES = ("/stab/", "/soknad/", "/igangsetter/", "/kalender/", "/admin/")


def never_cached(response) -> bool:
    """no-store and private, whatever else a view added (a feed sets its own header)."""
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives and "public" not in directives


def private(path: str) -> bool:
    path = path.removeprefix("/en")
    return path.startswith(PRIVATE_PREFIXES)


@pytest.fixture
def cast(centre_1, staff_1):
    return Cast(centre_1, staff_1)


def test_every_url_has_a_name_so_the_walks_reach_it():
    assert unnamed_routes() == []


def test_every_page_of_the_private_areas_is_never_cached(cast, staff_1):
    nb = [(name, path) for name, path in project_paths(cast) if private(path)]
    with translation.override("en"):
        en = [(name, path) for name, path in project_paths(cast) if private(path)]
    assert len(nb) >= 40  # the walk found the areas
    assert {path for _name, path in en} == {f"/en{path}" for _name, path in nb}
    starter = Client()
    starter.force_login(cast.starter_user)
    staff = Client()
    staff.force_login(staff_1)
    for who, client in [("anonymous", Client()), ("starter", starter), ("staff", staff)]:
        for name, path in nb + en:
            response = client.get(path)
            assert never_cached(response), (who, name, path, response.get("Cache-Control"))


def test_every_admin_page_is_never_cached(cast, client):
    client.force_login(UserFactory(username="admin", is_staff=True, is_superuser=True))
    paths = admin_paths()
    assert len(paths) >= 20
    for name, path in [*paths, ("admin:login", "/admin/login/")]:
        response = client.get(path)
        assert response.status_code in {200, 302, 403}, (name, path)
        assert response["Cache-Control"] == NEVER_CACHED, (name, path)
    assert Client().get("/admin/")["Cache-Control"] == NEVER_CACHED


@pytest.mark.parametrize("path", ["/stab/finnes-ikke/", "/en/soknad/finnes-ikke/x/", "/admin/x/"])
def test_a_missing_page_in_a_private_area_is_never_cached_either(client, db, path):
    response = client.get(path)

    assert response.status_code in {302, 404}
    assert response["Cache-Control"] == NEVER_CACHED


@pytest.mark.parametrize("path", ["/", "/en/", "/om-selvhjelpsgrupper/", "/personvern/"])
def test_public_pages_may_be_cached_for_visitors_without_a_session(client, centre_1, path):
    assert "no-store" not in client.get(path).get("Cache-Control", "")

    client.force_login(UserFactory(username="leser"))

    assert client.get(path)["Cache-Control"] == NEVER_CACHED


def test_the_security_headers_are_on_every_kind_of_page(client, staff_1):
    for path in ["/", "/stab/logg-inn/", "/soknad/", "/finnes-ikke/"]:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert response["Referrer-Policy"] == "same-origin", path
        assert response["X-Content-Type-Options"] == "nosniff", path
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], path
        assert "script-src 'self'" in response["Content-Security-Policy"], path


# --- Production settings --------------------------------------------------------------------

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "selvhjelp.example.no",
    "SITE_URL": "https://selvhjelp.example.no",
    # Production sends real mail: the console backend would fail the deploy checks.
    "EMAIL_URL": "smtp+tls://smtp.example.no:587",
}
CONTRACT = {
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "CACHE_URL",
    "EMAIL_URL",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "SITE_URL",
    "TRUSTED_PROXY_COUNT",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "APPLY_RATE_LIMIT",
    "STAFF_REQUIRE_2FA",
    "DJANGO_SETTINGS_MODULE",
}
COOKIE_SETTINGS = [
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_PATH",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_PATH",
    "CSRF_COOKIE_DOMAIN",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "STAFF_REQUIRE_2FA",
]
PROBE = f"""
import json
from django.conf import settings
print(json.dumps({{name: getattr(settings, name) for name in {COOKIE_SETTINGS!r}}}))
"""


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in CONTRACT and not k.endswith("_FILE")}
    clean.update(env, DJANGO_SETTINGS_MODULE="selvhjelp.settings")
    result = subprocess.run(
        args, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def production():
    return json.loads(run([sys.executable, "-c", PROBE], **PRODUCTION))


def test_production_cookies_are_host_cookies(production):
    assert production == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_PATH": "/",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_PATH": "/",
        "CSRF_COOKIE_DOMAIN": None,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True,
        "STAFF_REQUIRE_2FA": True,
    }


def test_with_production_settings_browsers_get_host_cookies_and_hsts(production, staff_1):
    """The production values, on real responses: a browser keeps a __Host- cookie only if
    it is Secure, has Path=/ and no Domain."""
    from tests.factories import PASSWORD

    cookies = {k: v for k, v in production.items() if k != "STAFF_REQUIRE_2FA"}
    with override_settings(**cookies, STAFF_REQUIRE_2FA=False):
        client = Client()
        page = client.get("/stab/logg-inn/", secure=True)
        csrf = page.cookies["__Host-csrftoken"]
        assert (csrf["secure"], csrf["path"], csrf["domain"]) == (True, "/", "")
        assert page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        signed_in = client.post(
            "/stab/logg-inn/",
            {
                "username": "stab-nord",
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf.value,
            },
            secure=True,
        )
        assert signed_in.status_code == 302
        session = signed_in.cookies["__Host-sessionid"]
        assert (session["secure"], session["path"], session["domain"]) == (True, "/", "")
        assert session["httponly"] is True
        # Plain HTTP is sent to HTTPS.
        assert client.get("/stab/")["Location"] == "https://testserver/stab/"


def test_the_deploy_checks_pass_with_production_settings():
    output = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION
    )
    assert "System check identified no issues" in output
