"""Passwords: at least 12 characters, not common, not all digits, not like the username."""

import pytest
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def refusals(password: str, user=None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [e.code for e in error.error_list]
    return []


@pytest.mark.parametrize(
    ("password", "codes"),
    [
        ("elleve-tegn", ["password_too_short"]),  # 11 characters
        ("tolv-tegn-ok", []),  # 12 characters
        ("en lang og god setning", []),
        ("password1234", ["password_too_common"]),
        ("204918375610", ["password_entirely_numeric"]),
        ("12345", ["password_too_short", "password_too_common", "password_entirely_numeric"]),
    ],
)
def test_the_password_rules(password, codes):
    assert refusals(password) == codes


def test_a_password_like_the_username_is_refused(db):
    user = UserFactory(username="kari.nordmann.stab", email="kari@example.no")

    assert refusals("kari.nordmann.stab", user) == ["password_too_similar"]


def test_setting_a_short_password_says_why(db):
    user = UserFactory(username="stab-nord")
    with translation.override("en"):
        form = SetPasswordForm(
            user, {"new_password1": "kort-passor", "new_password2": "kort-passor"}
        )
        assert form.is_valid() is False
        assert form.errors["new_password2"] == [
            "This password is too short. It must contain at least 12 characters."
        ]
