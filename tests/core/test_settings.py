"""Settings read the environment: embedded defaults with none, services when told."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = [
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
]

PROBE = """
import json, django
from django.conf import settings
django.setup()
db = settings.DATABASES["default"]
print(json.dumps({
    "engine": db["ENGINE"],
    "db_options": db.get("OPTIONS", {}),
    "db_name": str(db["NAME"]),
    "db_host": db.get("HOST", ""),
    "eager": settings.CELERY_TASK_ALWAYS_EAGER,
    "broker": settings.CELERY_BROKER_URL,
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "email": settings.MAILERS["default"]["BACKEND"],
    "email_options": settings.MAILERS["default"].get("OPTIONS", {}),
    "debug": settings.DEBUG,
    "require_2fa": settings.STAFF_REQUIRE_2FA,
    "rate": settings.APPLY_RATE_LIMIT,
    "proxies": settings.TRUSTED_PROXY_COUNT,
    "site_url": settings.SITE_URL,
    "tz": settings.TIME_ZONE,
    "use_tz": settings.USE_TZ,
    "languages": [code for code, _ in settings.LANGUAGES],
    "language": settings.LANGUAGE_CODE,
    "beat": sorted(settings.CELERY_BEAT_SCHEDULE),
    "session_cookie": settings.SESSION_COOKIE_NAME,
    "hsts": settings.SECURE_HSTS_SECONDS,
}))
"""


def load_settings(**env):
    """Import the real settings in a fresh interpreter with exactly this environment."""
    clean = {k: v for k, v in os.environ.items() if k not in CONTRACT and not k.endswith("_FILE")}
    clean.update(env, DJANGO_SETTINGS_MODULE="selvhjelp.settings")
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(**env) -> dict:
    result = load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_defaults_are_the_zero_setup_product():
    s = settings_with()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["db_name"] == str(ROOT / "db.sqlite3")
    assert s["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert s["db_options"]["timeout"] == 20
    assert s["eager"] is True
    assert s["broker"] == ""
    assert s["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["debug"] is True
    assert s["require_2fa"] is False
    assert s["rate"] == 10
    assert s["proxies"] == 0
    assert s["site_url"] == "http://127.0.0.1:8000"
    assert s["tz"] == "Europe/Oslo"
    assert s["use_tz"] is True
    assert s["language"] == "nb"
    assert s["languages"] == ["nb", "en"]
    assert s["beat"] == [
        "clear-sessions",
        "dispatch-notifications",
        "groups-alert-short-groups",
        "groups-lapse-offers",
        "groups-start-groups",
        "groups-weekly-digest",
        "heartbeat",
        "intake-waiting-list-care",
        "purge-personal-data",
        "starters-check-coverage",
    ]


def test_services_are_switched_on_by_the_environment():
    s = settings_with(
        DATABASE_URL="postgres://selvhjelp:hemmelig@db.internal:5433/selvhjelp",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        CACHE_URL="redis://redis.internal:6379/1",
        EMAIL_URL="smtp+tls://post%40example.no:pa%3Ass@smtp.example.no:587",
        APPLY_RATE_LIMIT="3",
        TRUSTED_PROXY_COUNT="1",
        SITE_URL="https://selvhjelp.example.no/",
    )
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["db_host"] == "db.internal"
    assert s["db_options"] == {}
    assert s["eager"] is False
    assert s["broker"] == "redis://redis.internal:6379/0"
    assert s["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert s["cache_location"] == "redis://redis.internal:6379/1"
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["email_options"] == {
        "host": "smtp.example.no",
        "port": 587,
        "username": "post@example.no",
        "password": "pa:ss",
        "use_tls": True,
        "use_ssl": False,
        "timeout": 20,
    }
    assert s["rate"] == 3
    assert s["proxies"] == 1
    assert s["site_url"] == "https://selvhjelp.example.no"


def test_email_host_variables_work_without_a_url():
    s = settings_with(EMAIL_HOST="mail.example.no", EMAIL_PORT="2525")
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert s["email_options"]["host"] == "mail.example.no"
    assert s["email_options"]["port"] == 2525


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 50,
    "ALLOWED_HOSTS": "selvhjelp.example.no",
}


def test_production_settings_are_hardened():
    s = settings_with(**PRODUCTION)
    assert s["debug"] is False
    assert s["require_2fa"] is True
    assert s["session_cookie"] == "__Host-sessionid"
    assert s["hsts"] == 31_536_000


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "0", "ALLOWED_HOSTS": "selvhjelp.example.no"}, "set SECRET_KEY"),
        ({**PRODUCTION, "SECRET_KEY": "too-short"}, "set SECRET_KEY"),
        ({"DEBUG": "0", "SECRET_KEY": "x" * 50}, "set ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"APPLY_RATE_LIMIT": "ten"}, "APPLY_RATE_LIMIT must be a whole number"),
        ({"TRUSTED_PROXY_COUNT": "-1"}, "TRUSTED_PROXY_COUNT must be at least 0"),
        ({"CACHE_URL": "memcached://x"}, "CACHE_URL scheme 'memcached' is not supported"),
        ({"EMAIL_URL": "pigeon://x"}, "EMAIL_URL scheme 'pigeon' is not supported"),
    ],
)
def test_bad_configuration_refuses_to_start_and_says_what_to_set(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 40 + "\n")
    result = load_settings(DEBUG="0", ALLOWED_HOSTS="a.example.no", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr
