"""Who may use which area. Views and templates use these predicates, nothing else."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from selvhjelp.models import Centre


def is_staff_member(user) -> bool:
    """Centre staff: an active account with at least one centre."""
    return bool(
        user.is_authenticated and user.is_active and Centre.objects.for_staff(user).exists()
    )


def staff_required(view):
    """Staff of some centre; anyone else is sent to the login page or refused."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.access = "staff"
    return wrapped


def public(view):
    """Open to everyone, no login."""
    view.access = "public"
    return view
