"""Signed-in sessions end after a spell of inactivity and after an absolute lifetime."""

import time

from django.conf import settings
from django.contrib.auth import logout

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
