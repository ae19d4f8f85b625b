"""Staff sessions end when idle, after a working day, on logout, deactivation and a new
password."""

from datetime import datetime, timedelta

import pytest
import time_machine

from selvhjelp.outbox import OSLO
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=OSLO)


def signed_in(client) -> bool:
    return client.get("/stab/").status_code == 200


def sign_in(client):
    assert (
        client.post("/stab/logg-inn/", {"username": "stab-nord", "password": PASSWORD}).status_code
        == 302
    )


def test_thirty_idle_minutes_sign_staff_out(client, staff_1):
    with time_machine.travel(NOW, tick=False) as clock:
        sign_in(client)
        clock.shift(timedelta(minutes=29))
        assert signed_in(client)
        clock.shift(timedelta(minutes=29))  # active a minute ago: still in
        assert signed_in(client)
        clock.shift(timedelta(minutes=31))
        assert not signed_in(client)


def test_a_session_ends_after_eight_hours_however_active(client, staff_1):
    with time_machine.travel(NOW, tick=False) as clock:
        sign_in(client)
        for _ in range(16):
            clock.shift(timedelta(minutes=29))
            assert signed_in(client)
        clock.shift(timedelta(minutes=20))  # 8 h 4 min after signing in
        assert not signed_in(client)


def test_logout_deactivation_and_a_new_password_end_the_session(client, staff_1):
    sign_in(client)
    assert client.post("/stab/logg-ut/").status_code == 302
    assert not signed_in(client)
    sign_in(client)
    staff_1.is_active = False
    staff_1.save()
    assert not signed_in(client)
    staff_1.is_active = True
    staff_1.save()
    sign_in(client)
    staff_1.set_password("a-completely-new-password-2")
    staff_1.save()
    assert not signed_in(client)


def test_expired_sessions_are_deleted_every_night(client, staff_1):
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from selvhjelp.tasks import clear_sessions

    client.force_login(staff_1)
    assert Session.objects.count() == 1
    clear_sessions.apply()
    assert Session.objects.count() == 1  # still valid
    with time_machine.travel(timezone.now() + timedelta(hours=9), tick=False):
        clear_sessions.apply()
    assert Session.objects.count() == 0
