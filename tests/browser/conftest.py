"""Playwright drives Debian's Chromium (never a downloaded browser) against live_server."""

import pytest

from tests.conftest import CHROMIUM


def pytest_collection_modifyitems(config, items):
    """Browser tests run last. From its first use until the session ends, Playwright's sync API
    keeps an event loop running in the main thread, and Django then refuses database work
    there (later tests' database teardown would fail)."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(require_chromium, django_db_setup):
    # Requesting django_db_setup creates the test database before Playwright starts its
    # event loop; Django refuses database work in that thread once the loop runs.
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url():
    """Replaces pytest-playwright's fallback fixture, which pytest 9 deprecates (a method
    fixture on a plugin object); the tests use live_server.url themselves."""


@pytest.fixture(scope="package", autouse=True)
def _allow_async_unsafe():
    """Playwright's sync API runs an event loop in the test thread, where Django then refuses
    database work. Allowed for the browser tests only: package scope, so it is in place
    before pytest-django's database fixtures and undone after their teardown."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield
