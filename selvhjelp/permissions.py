"""Who may use which area. Views and templates use these predicates, nothing else.

Every view carries an `access` tag. With STAFF_REQUIRE_2FA on, a staff or admin session that
has not given its second factor reaches only views tagged "public" or "second-factor"
(selvhjelp.middleware.SecondFactorMiddleware); any other view, including a new one without
a tag and every admin page, sends it to the code step first.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from selvhjelp.models import Centre


def is_staff_member(user) -> bool:
    """Centre staff: an active account with at least one centre."""
    return bool(
        user.is_authenticated and user.is_active and Centre.objects.for_staff(user).exists()
    )


def needs_second_factor(user) -> bool:
    """Staff and administrators: the accounts that sign in with a code when it is required."""
    return bool(
        user.is_authenticated
        and user.is_active
        and (user.is_staff or user.is_superuser or is_staff_member(user))
    )


def _signed_in(predicate, access: str):
    """predicate(request): may the signed-in user use the view?"""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not predicate(request):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.access = access
        return wrapped

    return decorator


def staff_centres(request) -> list[Centre]:
    """The centres the signed-in user works for, loaded once a request: the staff check and
    the view's own queries share the one list (a view filters by their ids)."""
    if getattr(request, "_staff_centres_of", None) != request.user.pk:
        request._staff_centres = list(Centre.objects.for_staff(request.user))
        request._staff_centres_of = request.user.pk
    return request._staff_centres


def staff_centre_ids(request) -> list[int]:
    return [centre.pk for centre in staff_centres(request)]


def _is_staff(request) -> bool:
    """is_staff_member(), with the centres kept for the view (staff_centres)."""
    return bool(request.user.is_active and staff_centres(request))


def _needs_second_factor(request) -> bool:
    return needs_second_factor(request.user)


def staff_required(view):
    """Staff of some centre; anyone else is sent to the login page or refused."""
    return _signed_in(_is_staff, "staff")(view)


def second_factor_step(view):
    """The steps that give the second factor: staff and administrators who have not yet."""
    return _signed_in(_needs_second_factor, "second-factor")(view)


def account_required(view):
    """The user's own account page: staff and administrators (after the second factor)."""
    return _signed_in(_needs_second_factor, "account")(view)


def public(view):
    """Open to everyone, no login."""
    view.access = "public"
    return view
