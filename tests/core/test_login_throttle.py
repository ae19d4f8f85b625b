"""Signing in is throttled per account and per client address, with controlled time."""

from datetime import datetime, timedelta

import pytest
import time_machine

from selvhjelp.outbox import OSLO
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
URL = "/stab/logg-inn/"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)


def sign_in(client, username, password, **extra):
    return client.post(URL, {"username": username, "password": password}, **extra)


def errors(response) -> list[str]:
    return response.context["form"].non_field_errors()


def test_five_wrong_passwords_lock_the_account_for_a_quarter_of_an_hour(client, staff_1):
    with time_machine.travel(NOW, tick=False) as clock:
        for _ in range(5):
            assert errors(sign_in(client, "stab-nord", "wrong"))[0].startswith("Brukernavnet")
        # Now even the right password is refused, with a message that says why.
        refused = sign_in(client, "stab-nord", PASSWORD)
        assert refused.status_code == 200
        assert errors(refused)[0].startswith("For mange forsøk")
        assert "_auth_user_id" not in client.session
        clock.shift(timedelta(minutes=15))
        assert sign_in(client, "stab-nord", PASSWORD).status_code == 302
        assert client.session["_auth_user_id"] == str(staff_1.pk)


def test_a_good_sign_in_clears_the_accounts_failures(client, staff_1):
    with time_machine.travel(NOW, tick=False):
        for _ in range(4):
            sign_in(client, "stab-nord", "wrong")
        assert sign_in(client, "stab-nord", PASSWORD).status_code == 302
        client.logout()
        for _ in range(4):
            sign_in(client, "stab-nord", "wrong")
        assert sign_in(client, "stab-nord", PASSWORD).status_code == 302


def test_one_address_trying_many_accounts_is_throttled(client, staff_1, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(NOW, tick=False):
        for n in range(20):
            sign_in(client, f"guess{n}", "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7")
        refused = sign_in(client, "stab-nord", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7")
        assert errors(refused)[0].startswith("For mange forsøk")
        # Staff elsewhere are not affected.
        other = sign_in(client, "stab-nord", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.8")
        assert other.status_code == 302


def test_an_unknown_account_is_throttled_the_same_way(client, db):
    with time_machine.travel(NOW, tick=False):
        for _ in range(5):
            sign_in(client, "nobody", "wrong")
        assert errors(sign_in(client, "nobody", "wrong"))[0].startswith("For mange forsøk")
