"""Two-factor sign-in for staff and administrators, when STAFF_REQUIRE_2FA is on."""

import re
import time
from binascii import unhexlify
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from selvhjelp import two_factor
from selvhjelp.models import AuditEvent
from selvhjelp.outbox import OSLO
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=OSLO)
KEY = "3132333435363738393031323334353637383930"  # 20 bytes, hex
BACKUP = ["aaaa2222", "bbbb3333"]
CODE_STEP = "/stab/logg-inn/kode/"
SETUP_STEP = "/stab/logg-inn/oppsett/"

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)


@pytest.fixture
def required(settings):
    settings.STAFF_REQUIRE_2FA = True


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def code_for(key: str = KEY) -> str:
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    return f"{totp.token():06d}"


def enrol(user, key: str = KEY) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="app", key=key, confirmed=True)
    backup = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    for token in BACKUP:
        StaticToken.objects.create(device=backup, token=token)
    return device


def sign_in(client, username="stab-nord", **extra):
    return client.post("/stab/logg-inn/", {"username": username, "password": PASSWORD, **extra})


def give_code(client, code, next_url="/stab/", path=CODE_STEP):
    return client.post(path, {"code": code, "next": next_url})


def step(path: str, next_url: str) -> str:
    return f"{path}?next={quote(next_url, safe='')}"


def errors(response) -> list[str]:
    return response.context["form"].errors["code"]


def body(response) -> str:
    return response.content.decode()


# --- Signing in with a code -----------------------------------------------------------------


def test_password_then_code_then_the_staff_page(client, staff_1, required, clock):
    enrol(staff_1)

    response = sign_in(client, next="/stab/soknader/")

    assert response.status_code == 302
    assert response["Location"] == step(CODE_STEP, "/stab/soknader/")
    assert client.session["_auth_user_id"] == str(staff_1.pk)
    # Signed in with the password only: every staff page leads to the code step.
    for path in ["/stab/", "/stab/soknader/", "/stab/grupper/", "/stab/konto/"]:
        assert client.get(path)["Location"] == step(CODE_STEP, path), path
    page = client.get(step(CODE_STEP, "/stab/soknader/"))
    assert page.status_code == 200
    assert "<h1>Skriv inn koden</h1>" in body(page)
    assert 'autocomplete="one-time-code"' in body(page)
    assert INLINE_SCRIPT.findall(body(page)) == []
    assert STYLE_ATTRIBUTE.findall(body(page)) == []

    done = give_code(client, code_for(), next_url="/stab/soknader/")

    assert done.status_code == 302
    assert done["Location"] == "/stab/soknader/"
    assert client.get("/stab/").status_code == 200
    assert client.get("/stab/soknader/").status_code == 200


def test_the_code_step_ignores_a_next_address_on_another_site(client, staff_1, required, clock):
    enrol(staff_1)
    sign_in(client)

    response = give_code(client, code_for(), next_url="https://evil.example/stab/")

    assert response["Location"] == "/stab/"


def test_an_english_sign_in_stays_english(client, staff_1, required, clock):
    enrol(staff_1)

    response = client.post(
        "/en/stab/logg-inn/", {"username": "stab-nord", "password": PASSWORD, "next": "/en/stab/"}
    )

    assert response["Location"] == step("/en" + CODE_STEP, "/en/stab/")
    page = client.get(response["Location"])
    assert "<h1>Enter your code</h1>" in body(page)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            CODE_STEP,
            "Den koden stemmer ikke. Bruk den nyeste koden i appen, og sjekk at klokka på "
            "telefonen går riktig.",
        ),
        (
            "/en" + CODE_STEP,
            "That code is not right. Use the newest code in the app, and check that the clock "
            "on your phone is right.",
        ),
    ],
)
def test_a_wrong_code_gives_a_clear_message_and_no_access(
    client, staff_1, required, clock, path, message
):
    enrol(staff_1)
    sign_in(client)

    response = give_code(client, "000000" if code_for() != "000000" else "111111", path=path)

    assert response.status_code == 200
    assert errors(response) == [message]
    assert "otp_device_id" not in client.session
    assert client.get("/stab/")["Location"] == step(CODE_STEP, "/stab/")


def test_not_a_code_at_all_is_just_a_wrong_code(client, staff_1, required, clock):
    enrol(staff_1)
    sign_in(client)

    for nonsense in ["", "x" * 33, "12 34", "'; drop table", "\u202e123456"]:
        clock.shift(timedelta(minutes=1))  # past django-otp's back-off
        response = give_code(client, nonsense)
        assert response.status_code == 200, nonsense
        assert client.get("/stab/").status_code == 302, nonsense


def test_wrong_codes_are_throttled(client, staff_1, required, clock):
    device = enrol(staff_1)
    sign_in(client)
    wrong = "000000" if code_for() != "000000" else "111111"

    assert errors(give_code(client, wrong))[0].startswith("Den koden stemmer ikke")
    # django-otp's back-off: straight after a wrong code, even the right one waits.
    waited = give_code(client, code_for())
    assert errors(waited) == ["For mange feil koder på rad. Vent noen sekunder og prøv igjen."]
    for _ in range(4):
        clock.shift(timedelta(seconds=20))
        assert errors(give_code(client, wrong))[0].startswith("Den koden stemmer ikke")
    device.refresh_from_db()
    assert device.throttling_failure_count == 5
    # Five wrong codes in a quarter of an hour: the account waits, right code or not.
    clock.shift(timedelta(seconds=60))
    refused = give_code(client, code_for())
    assert errors(refused) == [
        "For mange feil koder. Vent et kvarter og prøv igjen, eller spør administratoren "
        "ved senteret om hjelp."
    ]
    assert client.get("/stab/").status_code == 302
    clock.shift(timedelta(minutes=15))
    assert give_code(client, code_for())["Location"] == "/stab/"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_a_backup_code_works_once(client, staff_1, required, clock):
    enrol(staff_1)
    sign_in(client)

    assert give_code(client, "AAAA 2222")["Location"] == "/stab/"
    assert list(StaticToken.objects.values_list("token", flat=True)) == ["bbbb3333"]

    other = client.__class__()
    sign_in(other)
    clock.shift(timedelta(minutes=1))
    reused = give_code(other, "aaaa2222")
    assert errors(reused)[0].startswith("Den koden stemmer ikke")
    assert other.get("/stab/").status_code == 302


def test_a_code_cannot_be_used_twice(client, staff_1, required, clock):
    enrol(staff_1)
    code = code_for()
    sign_in(client)
    assert give_code(client, code)["Location"] == "/stab/"

    other = client.__class__()
    sign_in(other)
    clock.shift(timedelta(seconds=5))  # the same 30-second step
    assert errors(give_code(other, code))[0].startswith("Den koden stemmer ikke")


def test_a_verified_session_survives_and_a_new_session_needs_the_code(
    client, staff_1, required, clock
):
    enrol(staff_1)
    sign_in(client)
    give_code(client, code_for())
    for _ in range(5):
        clock.shift(timedelta(minutes=20))
        assert client.get("/stab/").status_code == 200

    laptop = client.__class__()
    assert sign_in(laptop)["Location"] == step(CODE_STEP, "/stab/")
    assert laptop.get("/stab/")["Location"] == step(CODE_STEP, "/stab/")
    # Signing out and in again on the first browser asks again, too.
    client.post("/stab/logg-ut/")
    assert sign_in(client)["Location"] == step(CODE_STEP, "/stab/")
    assert client.get("/stab/").status_code == 302


def test_the_session_key_changes_when_the_code_is_accepted(client, staff_1, required, clock):
    enrol(staff_1)
    sign_in(client)
    before = client.session.session_key

    give_code(client, code_for())

    assert client.session.session_key != before


# --- Setting up the app ---------------------------------------------------------------------


def test_without_an_app_staff_set_one_up_before_any_staff_page(client, staff_1, required, clock):
    assert sign_in(client)["Location"] == step(SETUP_STEP, "/stab/")
    assert client.get("/stab/grupper/")["Location"] == step(SETUP_STEP, "/stab/grupper/")
    assert client.get(CODE_STEP)["Location"] == step(SETUP_STEP, "/stab/")

    page = client.get(step(SETUP_STEP, "/stab/grupper/"))

    assert page.status_code == 200
    html = body(page)
    assert "<h1>Sett opp innlogging i to trinn</h1>" in html
    assert '<svg class="qr-code" role="img" aria-label="QR-kode for autentiseringsappen" ' in html
    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []
    key = client.session[two_factor.PENDING_KEY]
    assert two_factor.secret_for_display(key) in html
    assert TOTPDevice.objects.count() == 0  # looking writes nothing
    # The same secret until it is confirmed, so a reload does not break a half-done set-up.
    assert client.get(SETUP_STEP).context["secret"] == two_factor.secret_for_display(key)

    done = give_code(client, code_for(key), next_url="/stab/grupper/", path=SETUP_STEP)

    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 8
    assert len(set(codes)) == 8
    html = body(done)
    assert "<h1>Innlogging i to trinn er satt opp</h1>" in html
    assert all(f"<li><code>{code}</code></li>" in html for code in codes)
    assert 'href="/stab/grupper/"' in html
    device = TOTPDevice.objects.get(user=staff_1)
    assert (device.key, device.confirmed) == (key, True)
    assert sorted(StaticToken.objects.values_list("token", flat=True)) == sorted(codes)
    assert two_factor.PENDING_KEY not in client.session
    assert client.get("/stab/grupper/").status_code == 200
    event = AuditEvent.objects.get(action="account.second_factor_set_up")
    assert (event.actor_id, event.object_id) == (staff_1.pk, str(staff_1.pk))
    # The set-up page is not a way to replace an app: it now sends to the account page.
    assert client.get(SETUP_STEP)["Location"] == "/stab/konto/"


def test_setup_refuses_a_wrong_confirmation_code(client, staff_1, required, clock):
    sign_in(client)
    client.get(SETUP_STEP)
    key = client.session[two_factor.PENDING_KEY]
    wrong = "000000" if code_for(key) != "000000" else "111111"

    for code, reason in [(wrong, "wrong"), ("abcdef", "wrong"), ("", "required")]:
        response = give_code(client, code, path=SETUP_STEP)
        assert response.status_code == 200
        refusals = response.context["form"].errors.as_data()["code"]
        assert [error.code for error in refusals] == [reason], code

    assert errors(give_code(client, wrong, path=SETUP_STEP)) == [
        "Den koden stemmer ikke. Bruk den nyeste koden i appen, og sjekk at klokka på "
        "telefonen går riktig."
    ]
    assert TOTPDevice.objects.count() == 0
    assert StaticDevice.objects.count() == 0
    assert client.get("/stab/")["Location"] == step(SETUP_STEP, "/stab/")


def test_with_only_a_password_nobody_can_replace_the_app(client, staff_1, required, clock):
    enrol(staff_1)
    sign_in(client)

    response = client.get(SETUP_STEP)

    assert response["Location"] == step(CODE_STEP, "/stab/")
    assert two_factor.PENDING_KEY not in client.session
    assert give_code(client, "123456", path=SETUP_STEP)["Location"] == step(CODE_STEP, "/stab/")
    assert TOTPDevice.objects.get().key == KEY


@pytest.mark.parametrize("path", [CODE_STEP, SETUP_STEP, "/stab/konto/"])
def test_the_steps_are_for_staff_and_administrators_only(client, db, required, path):
    assert client.get(path)["Location"] == f"/stab/logg-inn/?next={quote(path)}"
    client.force_login(UserFactory(username="uten-senter"))
    assert client.get(path).status_code == 403


# --- The admin ------------------------------------------------------------------------------


def test_the_admin_requires_the_second_factor(client, db, required, clock):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    enrol(admin)

    anonymous = client.get("/admin/")
    assert anonymous["Location"] == "/admin/login/?next=/admin/"
    assert client.get(anonymous["Location"])["Location"] == "/stab/logg-inn/?next=/admin/"
    signed_in = sign_in(client, username="admin", next="/admin/")
    assert signed_in["Location"] == step(CODE_STEP, "/admin/")
    for path in ["/admin/", "/admin/core/centre/", "/admin/auth/user/"]:
        assert client.get(path)["Location"] == step(CODE_STEP, path), path
    login = "/admin/login/?next=/admin/"
    assert client.get(login)["Location"] == step(CODE_STEP, login)

    assert give_code(client, code_for(), next_url=login)["Location"] == login
    assert client.get(login)["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/core/centre/").status_code == 200


def test_an_administrator_without_a_centre_lands_in_the_admin(client, db, required, clock):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    enrol(admin)
    sign_in(client, username="admin")

    assert give_code(client, code_for(), next_url="")["Location"] == "/admin/"


def test_the_admin_site_checks_the_second_factor_itself(rf, db, required):
    from django.contrib import admin as django_admin
    from django.contrib.auth.models import AnonymousUser

    user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    request = rf.get("/admin/")
    request.user = user  # not wrapped by OTPMiddleware: unverified
    assert django_admin.site.has_permission(request) is False
    user.otp_device = enrol(user)
    user.is_verified = lambda: True
    assert django_admin.site.has_permission(request) is True
    request.user = AnonymousUser()
    assert django_admin.site.has_permission(request) is False


def test_a_signed_in_user_without_admin_rights_is_refused_by_the_admin_login(staff_1_client):
    assert staff_1_client.get("/admin/login/?next=/admin/").status_code == 403


# --- The account page -----------------------------------------------------------------------


def test_the_account_page_shows_the_state_and_resets_with_a_current_code(
    client, staff_1, required, clock
):
    enrol(staff_1)
    sign_in(client)
    give_code(client, code_for())

    page = client.get("/stab/konto/")
    html = re.sub(r"\s+", " ", body(page))
    assert "<h1>Min konto</h1>" in html
    assert "Satt opp 23. november 2026. Du har 2 reservekoder igjen." in html
    assert INLINE_SCRIPT.findall(html) == []
    assert STYLE_ATTRIBUTE.findall(html) == []

    clock.shift(timedelta(minutes=1))
    refused = client.post("/stab/konto/nullstill/", {"code": "999999"})
    assert refused.status_code == 200
    assert errors(refused)[0].startswith("Den koden stemmer ikke")
    assert TOTPDevice.objects.filter(user=staff_1).count() == 1

    clock.shift(timedelta(minutes=1))
    done = client.post("/stab/konto/nullstill/", {"code": code_for()})

    assert done.status_code == 302
    assert done["Location"] == step(SETUP_STEP, "/stab/konto/")
    assert TOTPDevice.objects.filter(user=staff_1).count() == 0
    assert StaticDevice.objects.filter(user=staff_1).count() == 0
    assert AuditEvent.objects.filter(action="account.second_factor_reset").count() == 1
    # Without an app the session is no longer verified: set up the new phone first.
    assert client.get("/stab/")["Location"] == step(SETUP_STEP, "/stab/")
    follow = client.get(done["Location"])
    assert "Innlogging i to trinn er slått av for kontoen din." in body(follow)


def test_the_account_page_without_an_app(staff_1_client):
    html = re.sub(r"\s+", " ", body(staff_1_client.get("/en/stab/konto/")))

    assert "Two-step sign-in is not set up for your account." in html
    assert "It is not required on this site at the moment." in html
    assert '<a class="btn btn-primary" href="/en/stab/logg-inn/oppsett/">' in html


def test_the_account_page_does_a_constant_number_of_queries(client, staff_1, required, clock):
    device = enrol(staff_1)
    sign_in(client)
    give_code(client, code_for())

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/stab/konto/").status_code == 200
        return len(queries)

    few = count()
    backup = StaticDevice.objects.get(user=device.user)
    StaticToken.objects.bulk_create(
        StaticToken(device=backup, token=f"c{n:07d}") for n in range(20)
    )
    assert count() == few


# --- Switched off ---------------------------------------------------------------------------


def test_with_the_requirement_off_there_is_no_second_step(client, staff_1, settings, clock):
    settings.STAFF_REQUIRE_2FA = False
    enrol(staff_1)

    assert sign_in(client)["Location"] == "/stab/"
    assert client.get("/stab/").status_code == 200
    assert client.get("/stab/konto/").status_code == 200


def test_with_the_requirement_off_the_admin_needs_no_code(client, db, settings):
    settings.STAFF_REQUIRE_2FA = False
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    enrol(admin)

    assert sign_in(client, username="admin", next="/admin/")["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_starters_and_the_public_never_meet_the_second_step(client, centre_1, required):
    from starters.models import Starter

    user = UserFactory(username="igangsetter")
    Starter.objects.create(user=user).centres.add(centre_1)
    client.force_login(user)

    assert client.get("/igangsetter/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/soknad/").status_code == 200
