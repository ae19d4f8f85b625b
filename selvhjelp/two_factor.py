"""Two-factor sign-in for staff and administrators (TOTP through django-otp).

A session is verified when django-otp's OTPMiddleware finds the device that took its code
(`request.user.is_verified()`). With STAFF_REQUIRE_2FA on, a staff or admin session that is
not verified is sent here by SecondFactorMiddleware: to the code step if the account has an
authenticator app, to the set-up step if not. Backup codes (django-otp's static device) are
made at set-up and shown once; each works one time.

Wrong codes are slowed twice: django-otp's per-device back-off (1, 2, 4, … seconds) and our
Throttle per account and per client address over a quarter of an hour.
"""

import time
from base64 import b32encode
from binascii import unhexlify

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from selvhjelp import audit
from selvhjelp.http import client_ip
from selvhjelp.permissions import is_staff_member, needs_second_factor
from selvhjelp.throttle import Throttle

BACKUP_CODES = 8
APP_DEVICE_NAME = "app"
BACKUP_DEVICE_NAME = "backup"
# The secret of a set-up in progress lives in the (server-side) session until confirmed,
# so looking at the set-up page writes nothing to the database.
PENDING_KEY = "_selvhjelp_2fa_pending_key"

FAILED_PER_ACCOUNT = Throttle("2fa.account", limit=5, window_seconds=15 * 60)
FAILED_PER_ADDRESS = Throttle("2fa.address", limit=20, window_seconds=15 * 60)


class CodeError(Exception):
    """A code that was not accepted. `reason`: "wrong", "wait" (device back-off) or
    "throttled" (too many wrong codes for the account or the address)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- Where a session stands -----------------------------------------------------------------


def is_verified(user) -> bool:
    verified = getattr(user, "is_verified", None)
    return bool(verified and verified())


def pending(user) -> bool:
    """True when this signed-in user must still give a code before staff or admin pages."""
    return (
        settings.STAFF_REQUIRE_2FA
        and user.is_authenticated
        and not is_verified(user)
        and needs_second_factor(user)
    )


def app_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def backup_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def step_url(user, next_url: str) -> str:
    """The code step if the account has an app, otherwise the set-up step."""
    name = "staff-login-code" if app_device(user) is not None else "staff-login-setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def home_url(user) -> str:
    """Where a signed-in user goes when no `next` says otherwise."""
    if (user.is_staff or user.is_superuser) and not is_staff_member(user):
        return reverse("admin:index")
    return reverse(settings.LOGIN_REDIRECT_URL)


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    # Only a path of this site: redirect() would take any other word for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Checking a code ------------------------------------------------------------------------


def normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _check(request, code: str, accept) -> object:
    """Throttled check of `code` by `accept(code)`, which returns a truthy value or None."""
    user = request.user
    account = str(user.pk)
    address = client_ip(request) or ""
    if FAILED_PER_ACCOUNT.reached(account) or FAILED_PER_ADDRESS.reached(address):
        raise CodeError("throttled")
    accepted = accept(normalise(code))
    if not accepted:
        FAILED_PER_ACCOUNT.hit(account)
        FAILED_PER_ADDRESS.hit(address)
        raise CodeError("wrong")
    FAILED_PER_ACCOUNT.reset(account)
    return accepted


def _six_digits(code: str) -> bool:
    # str.isdigit() also takes "²" and other digits int() refuses.
    return len(code) == 6 and code.isascii() and code.isdigit()


def _device_accepts(user, code: str):
    """The app takes six digits; anything else is tried as a backup code."""
    device = app_device(user) if _six_digits(code) else backup_device(user)
    if device is None:
        return None
    allowed, _info = device.verify_is_allowed()
    if not allowed:
        raise CodeError("wait")
    return django_otp.verify_token(user, device.persistent_id, code)


def verify(request, code: str):
    """Check a code from the app or a backup code and mark the session verified."""
    device = _check(request, code, lambda c: _device_accepts(request.user, c))
    django_otp.login(request, device)
    # A new session key once the sign-in is complete.
    request.session.cycle_key()
    return device


# --- Setting up and resetting ---------------------------------------------------------------


def pending_key(request) -> str:
    """The secret offered on the set-up page; the same one until it is confirmed."""
    key = request.session.get(PENDING_KEY)
    if not key:
        key = request.session[PENDING_KEY] = random_hex(20)
    return key


def secret_for_display(key: str) -> str:
    """The secret as people type it into an app: base32 in groups of four."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def config_url(user, key: str) -> str:
    """The otpauth:// address the QR code carries."""
    return TOTPDevice(user=user, key=key, name=APP_DEVICE_NAME).config_url


def qr_svg(data: str, label: str) -> str:
    """The QR code as inline SVG markup: one path with presentation attributes, no style."""
    import qrcode
    from django.utils.html import escape
    from qrcode.image.svg import SvgPathImage

    image = qrcode.make(data, image_factory=SvgPathImage, box_size=14, border=2)
    markup = image.to_string(encoding="unicode")
    return markup.replace(
        "<svg ", f'<svg class="qr-code" role="img" aria-label="{escape(label)}" ', 1
    )


def _matches_new_key(key: str, code: str) -> TOTP | None:
    if not _six_digits(code):
        return None
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    return totp if totp.verify(int(code), tolerance=1) else None


def confirm_setup(request, code: str) -> list[str]:
    """Save the app whose code was given, make fresh backup codes, mark the session
    verified. Returns the backup codes: they are shown once and never again."""
    user = request.user
    key = request.session.get(PENDING_KEY)
    if not key:
        raise CodeError("wrong")
    totp = _check(request, code, lambda c: _matches_new_key(key, c))
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    with transaction.atomic():
        # Two set-ups at once (two tabs) end with one device.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(
            user=user,
            name=APP_DEVICE_NAME,
            key=key,
            confirmed=True,
            drift=totp.drift,
            last_t=totp.t(),  # the code just used cannot sign in again
        )
        backup = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
        StaticToken.objects.bulk_create(StaticToken(device=backup, token=c) for c in codes)
        audit.record("account.second_factor_set_up", request=request, obj=user)
    del request.session[PENDING_KEY]
    django_otp.login(request, device)
    request.session.cycle_key()
    return codes


def reset(request, code: str) -> None:
    """Remove the app and the backup codes after a current code proves it is the owner.
    The next staff page asks for a new set-up (when the second factor is required)."""
    user = request.user
    _check(request, code, lambda c: _device_accepts(user, c))
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        audit.record("account.second_factor_reset", request=request, obj=user)
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    request.session.pop(PENDING_KEY, None)


def status(user) -> dict:
    """What the account page shows."""
    device = app_device(user)
    backup = backup_device(user)
    return {
        "set_up": device is not None,
        "set_up_at": device.created_at if device is not None else None,
        "backup_codes_left": backup.token_set.count() if backup is not None else 0,
    }
