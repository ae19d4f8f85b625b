"""Session and response rules that hold for every view: sessions end after a spell of
inactivity and after an absolute lifetime; staff and admin pages need the second factor;
pages that can show personal data are never cached."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

STARTED = "_selvhjelp_session_started"
SEEN = "_selvhjelp_session_seen"


class SessionLifetimeMiddleware:
    """Logs out a user idle for SESSION_IDLE_SECONDS or signed in for SESSION_COOKIE_AGE."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        now = int(time.time())
        if request.user.is_authenticated:
            started = request.session.get(STARTED, now)
            seen = request.session.get(SEEN, now)
            if (
                now - seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_COOKIE_AGE
            ):
                logout(request)
            elif now - seen > 60:  # write at most once a minute
                request.session[SEEN] = now
        return self.get_response(request)


def mark_signed_in(sender, request, user, **kwargs):
    """user_logged_in: the lifetime of the new session starts now."""
    if request is not None and hasattr(request, "session"):
        request.session[STARTED] = request.session[SEEN] = int(time.time())


# Views a signed-in staff member may use before giving the second factor. Everything else
# (staff, admin, starter pages and any view without an `access` tag) waits for the code.
OPEN_BEFORE_SECOND_FACTOR = {"public", "second-factor", "calendar-token"}


class SecondFactorMiddleware:
    """With STAFF_REQUIRE_2FA on, sends a staff or admin session without its code to the code
    step (or the set-up step), whatever view it asked for. Keyed on the view's `access` tag
    (selvhjelp/permissions.py), so a new view cannot forget it. Install after OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from selvhjelp import two_factor

        if not settings.STAFF_REQUIRE_2FA:
            return None
        if getattr(view_func, "access", None) in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not two_factor.pending(request.user):
            return None
        return redirect(two_factor.step_url(request.user, request.get_full_path()))


# First path segments (after an optional language prefix) of the areas that show personal
# data: staff, the applicant's own pages and the application form, the starter area and
# calendar feeds, the admin.
PRIVATE_AREAS = {"stab", "soknad", "igangsetter", "kalender", "admin"}


class PrivatePagesNotCachedMiddleware:
    """Cache-Control: no-store, private on every response of a private area, and on every
    response to a request that carries a session (it may be signed in). Public pages for
    visitors without a session stay cacheable. Install after WhiteNoise (static files)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        response = self.get_response(request)
        if self._private(request):
            add_never_cache_headers(response)
        return response

    def _private(self, request) -> bool:
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return True
        segments = request.path_info.lstrip("/").split("/", 2)
        if segments[0] in self.languages and len(segments) > 1:
            segments = segments[1:]
        return segments[0] in PRIVATE_AREAS


class RefusedAccessAuditMiddleware:
    """Every refused authorisation of a signed-in user (403, or 404 for an object outside
    their centre) is an audit event: who, which page and object ids, from where. The
    recorded page is the URL's name and its numeric ids, never the path itself (an
    applicant's token must not reach the log)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, PermissionDenied | Http404):
            return
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return
        match = request.resolver_match
        from selvhjelp import audit

        audit.record(
            "access.refused",
            request=request,
            actor=user,
            page=match.url_name if match else "",
            ids={k: v for k, v in (match.kwargs if match else {}).items() if isinstance(v, int)},
            method=request.method,
            status=403 if isinstance(exception, PermissionDenied) else 404,
        )
        return
