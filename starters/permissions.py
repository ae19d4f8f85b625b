"""Who may use the starter area (/igangsetter/). Views and templates use these, nothing else.

A starter is an active user account with a starter profile at one or more centres. A
resting starter still signs in: they may hold groups they said yes to before resting.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from starters.models import Starter


def starter_for(user) -> Starter | None:
    """The user's starter profile, if they may use the starter area."""
    if not (user.is_authenticated and user.is_active):
        return None
    starter = Starter.objects.filter(user=user, centres__isnull=False).distinct().first()
    if starter is not None:
        Starter.user.field.set_cached_value(starter, user)  # the signed-in user: no reload
    return starter


def is_starter(user) -> bool:
    return starter_for(user) is not None


def starter_required(view):
    """Starters only: anonymous visitors go to the starter login, anyone else is refused.

    The view finds the profile on `request.starter`.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("starter-login"))
        starter = starter_for(request.user)
        if starter is None:
            raise PermissionDenied
        request.starter = starter
        return view(request, *args, **kwargs)

    wrapped.access = "starter"
    return wrapped


def calendar_token(view):
    """Open to anyone holding a starter's calendar token (the token is the key)."""
    view.access = "calendar-token"
    return view
