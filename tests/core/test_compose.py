"""docker-compose.yml, the Dockerfile and .env.example, read as text: there is no Docker here."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APP_SERVICES = ["migrate", "web", "worker", "beat"]
# Configuration the SPEC's public contract promises (SPEC, "Public contract").
CONTRACT_VARIABLES = {
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
}
# `env.text("NAME"`, `env.flag("NAME"`, … in settings.py: the variables settings read.
ENV_READ = re.compile(r"""\benv\.\w+\(\s*["']([A-Z][A-Z0-9_]*)["']""")
# `NAME=value` or a documented default `# NAME=value`.
ENV_LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")


@pytest.fixture(scope="module")
def compose():
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose):
    return compose["services"]


def env_example_lines() -> list[str]:
    return (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()


def env_example_variables() -> list[str]:
    return [m[1] for line in env_example_lines() if (m := ENV_LINE.match(line))]


def settings_variables() -> set[str]:
    source = (ROOT / "selvhjelp" / "settings.py").read_text(encoding="utf-8")
    return set(ENV_READ.findall(source))


def test_services(services):
    assert set(services) == {"migrate", "web", "worker", "beat", "postgres", "redis", "mailpit"}


def test_commands(services):
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert services["web"]["command"] == [
        "gunicorn",
        "selvhjelp.wsgi",
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
        "--access-logfile",
        "-",
        "--access-logformat",
        '%(t)s "%(m)s" %(s)s %(B)s %(M)sms',
    ]
    assert services["worker"]["command"] == ["celery", "-A", "selvhjelp", "worker", "-l", "info"]
    assert services["beat"]["command"] == [
        "celery",
        "-A",
        "selvhjelp",
        "beat",
        "-l",
        "info",
        "--schedule",
        "/var/lib/selvhjelp/beat/celerybeat-schedule",
    ]


def test_app_services_share_one_image_and_one_configuration(services):
    for name in APP_SERVICES:
        service = services[name]
        assert service["build"] == ".", name
        assert service["image"] == "selvhjelp:latest", name
        assert service["env_file"] == ".env", name
        assert service["environment"] == services["web"]["environment"], name
    assert services["web"]["environment"] == {
        "DATABASE_URL": "postgres://selvhjelp:selvhjelp@postgres:5432/selvhjelp",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "CACHE_URL": "redis://redis:6379/1",
        "EMAIL_URL": "smtp://mailpit:1025",
        "DEBUG": "0",
        "SITE_URL": "${SITE_URL:-http://localhost:8000}",
        "ALLOWED_HOSTS": "${ALLOWED_HOSTS:-localhost,127.0.0.1}",
        "SECURE_SSL_REDIRECT": "${SECURE_SSL_REDIRECT:-0}",
    }


def test_app_environment_points_at_the_compose_services(services):
    postgres = services["postgres"]["environment"]
    environment = services["web"]["environment"]
    user, password, db = (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        postgres["POSTGRES_DB"],
    )
    assert environment["DATABASE_URL"] == f"postgres://{user}:{password}@postgres:5432/{db}"
    assert services["postgres"]["healthcheck"]["test"] == [
        "CMD-SHELL",
        f"pg_isready -U {user} -d {db}",
    ]


def test_backing_services_have_healthchecks(services):
    assert services["postgres"]["image"] == "postgres:16"
    assert services["postgres"]["volumes"] == ["postgres-data:/var/lib/postgresql/data"]
    assert services["redis"]["image"] == "redis:7"
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["mailpit"]["image"] == "axllent/mailpit"
    assert services["mailpit"]["ports"] == ["127.0.0.1:8025:8025"]


@pytest.mark.parametrize("name", APP_SERVICES)
def test_app_services_wait_for_healthy_backing_services(services, name):
    depends_on = services[name]["depends_on"]
    assert depends_on["postgres"] == {"condition": "service_healthy"}
    assert depends_on["redis"] == {"condition": "service_healthy"}
    assert depends_on["mailpit"] == {"condition": "service_started"}


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_migrations_run_once_before_the_app_starts(services, name):
    assert services[name]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    assert services["migrate"]["restart"] == "no"
    assert services[name]["restart"] == "unless-stopped"


def test_web_and_beat_state(compose, services):
    assert services["web"]["ports"] == ["8000:8000"]
    assert services["beat"]["volumes"] == ["beat-schedule:/var/lib/selvhjelp/beat"]
    assert set(compose["volumes"]) == {"postgres-data", "redis-data", "beat-schedule"}


def test_compose_sets_only_variables_settings_read(services):
    assert set(services["web"]["environment"]) <= settings_variables()


def test_env_example_lists_each_variable_once_with_a_comment():
    lines = env_example_lines()
    names = env_example_variables()
    assert len(names) == len(set(names))
    for index, line in enumerate(lines):
        if ENV_LINE.match(line):
            above = lines[index - 1]
            assert above.startswith("# "), line
            assert not ENV_LINE.match(above), line


def test_env_example_lists_exactly_the_variables_settings_read():
    assert set(env_example_variables()) == settings_variables()


def test_env_example_covers_the_public_contract():
    assert set(env_example_variables()) >= CONTRACT_VARIABLES


def test_env_example_sets_only_what_compose_needs():
    active = {}
    for line in env_example_lines():
        if (match := ENV_LINE.match(line)) and not line.startswith("#"):
            active[match[1]] = match[2]
    # Everything else keeps its default; SECRET_KEY is left for the user to fill in.
    assert active == {
        "DEBUG": "0",
        "SECRET_KEY": "",
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SITE_URL": "http://localhost:8000",
    }


def test_dockerfile():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "\nFROM python:3.13-slim\n" in dockerfile
    assert "\nRUN pip install . " in dockerfile
    assert "python manage.py collectstatic --noinput" in dockerfile
    assert "\nUSER selvhjelp\n" in dockerfile
    assert '\nCMD ["gunicorn", "selvhjelp.wsgi", "--bind", "0.0.0.0:8000"' in dockerfile


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines())
    assert {".env", ".git", ".venv", "db.sqlite3*", "staticfiles"} <= ignored
    # Needed by `pip install .` and at run time.
    assert not {"README.md", "pyproject.toml", "locale", "static", "templates"} & ignored


def test_access_logs_never_hold_paths(services):
    """An applicant's private link carries their token: the access log leaves paths out."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose_format = services["web"]["command"][-1]
    for text in (dockerfile, compose_format):
        assert "%(t)s" in text
        for path_field in ("%(r)s", "%(U)s", "%(q)s", "%(f)s"):
            assert path_field not in text
