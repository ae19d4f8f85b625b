from django.conf import settings
from django.utils.functional import SimpleLazyObject

from selvhjelp.models import DEFAULT_URGENT_HELP, Centre


def public_centre(request) -> Centre | None:
    """The centre a public page speaks for: the only active one, else none (national text)."""
    if not hasattr(request, "_public_centre"):
        centres = list(Centre.objects.active()[:2])
        request._public_centre = centres[0] if len(centres) == 1 else None
    return request._public_centre


def _urgent_help_lines(request) -> list[str]:
    centre = public_centre(request)
    text = centre.urgent_help if centre is not None else DEFAULT_URGENT_HELP
    return [line.strip() for line in text.splitlines() if line.strip()]


def site(request):
    """What every public page's frame needs: the centre shown and its urgent-help lines.
    Lazy, so the staff and starter frames, which show neither, cost no query."""
    return {
        "public_centre": SimpleLazyObject(lambda: public_centre(request)),
        "urgent_help_lines": SimpleLazyObject(lambda: _urgent_help_lines(request)),
        "site_url": settings.SITE_URL,
    }
