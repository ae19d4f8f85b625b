import logging
import os
import shutil

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

# Property tests: few examples in a normal run, many with HYPOTHESIS_PROFILE=thorough.
hypothesis_settings.register_profile("ci", max_examples=30, deadline=None)
hypothesis_settings.register_profile("thorough", max_examples=1000, deadline=None)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str):
    """Without REQUIRE_SERVICES a missing service skips the test; with it, fails it."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture
def require_postgres(db):
    if connection.vendor != "postgresql":
        _missing("this test needs PostgreSQL (set DATABASE_URL=postgres://…)")


@pytest.fixture
def require_broker():
    if not settings.CELERY_BROKER_URL:
        _missing("this test needs Redis (set CELERY_BROKER_URL=redis://…)")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at CELERY_BROKER_URL does not answer: {exc}")


@pytest.fixture(scope="session")
def require_chromium():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        _missing(f"this test needs Debian's Chromium at {CHROMIUM}")


class _ErrorRecorder(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(autouse=True)
def _fail_on_error_logs(request):
    """A test that logs an ERROR fails, unless it is marked `allow_error_logs`."""
    recorder = _ErrorRecorder()
    root = logging.getLogger()
    root.addHandler(recorder)
    yield
    root.removeHandler(recorder)
    if recorder.records and not request.node.get_closest_marker("allow_error_logs"):
        lines = "\n".join(f"{r.name}: {r.getMessage()}" for r in recorder.records)
        pytest.fail(f"The test logged errors:\n{lines}")


# The cast (DESIGN, Tests). Later issues add the applicant and the starters.
@pytest.fixture
def centre_1(db):
    from tests.factories import CentreFactory

    return CentreFactory(name="Selvhjelpshuset Nord", slug="nord")


@pytest.fixture
def centre_2(db):
    from tests.factories import CentreFactory

    return CentreFactory(name="Selvhjelpshuset Sør", slug="sor")


@pytest.fixture
def staff_1(centre_1):
    from tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(centre=centre_1, user__username="stab-nord").user


@pytest.fixture
def staff_2(centre_2):
    from tests.factories import StaffMembershipFactory

    return StaffMembershipFactory(centre=centre_2, user__username="stab-sor").user


@pytest.fixture
def staff_1_client(client, staff_1):
    client.force_login(staff_1)
    return client


@pytest.fixture
def anonymous_client(client):
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit counters and other cached state must not leak between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
