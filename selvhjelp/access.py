"""The permission matrix: who may use every URL of the project, declared once.

Each view carries an `access` tag (selvhjelp/permissions.py, starters/permissions.py);
`URLS` names the tag every URL must have, `TAG_ROLES` the roles a tag admits. Two kinds of
URL narrow that further:

- keyed URLs (`KEYS`): the signed token in the address is the only credential. Only the
  role that holds the key gets through; anyone with a wrong key gets a 404 that says nothing.
- object-scoped URLs: an object of one centre (`CENTRE_SCOPED`: staff of another centre get
  a 404) or one starter's assignment (`STARTER_SCOPED`: another starter gets a 404).

The system check below fails when a view's tag differs from `URLS` or a URL has no entry,
so views and matrix cannot drift apart. tests/core/test_permission_matrix.py walks every
URL for every role and fails on any 2xx the matrix does not grant.
"""

from django.core import checks
from django.urls import URLPattern, URLResolver, get_resolver

# The roles. "Own" objects are those of centre 1 and its starter; the "other" roles hold
# the same kind of account for centre 2 or for another group.
ANONYMOUS = "anonymous"
APPLICANT = "applicant"  # holds the signed link to their own application
STARTER = "starter"  # the starter asked to start the group
OTHER_STARTER = "other-starter"  # a starter at the same centre, not asked for this group
STAFF = "staff"  # staff of the object's centre
OTHER_STAFF = "other-staff"  # staff of another centre
ADMIN = "admin"  # a Django administrator with no centre of their own
ROLES = (ANONYMOUS, APPLICANT, STARTER, OTHER_STARTER, STAFF, OTHER_STAFF, ADMIN)

EVERYONE = frozenset(ROLES)
ADMIN_TAG = None  # the admin site's views carry no tag: SecondFactorMiddleware guards them

TAG_ROLES: dict[str | None, frozenset[str]] = {
    "public": EVERYONE,
    "calendar-token": EVERYONE,  # whoever holds the token: every feed URL is in KEYS
    "second-factor": frozenset({STAFF, OTHER_STAFF, ADMIN}),
    "account": frozenset({STAFF, OTHER_STAFF, ADMIN}),
    "staff": frozenset({STAFF, OTHER_STAFF}),
    "starter": frozenset({STARTER, OTHER_STARTER}),
    ADMIN_TAG: frozenset({ADMIN}),
}

# Every URL name of the URLconf and the tag its view carries.
URLS: dict[str, str] = {
    "health": "public",
    "home": "public",
    # Staff sign-in and account
    "staff-login": "public",
    "staff-logout": "public",
    "staff-login-code": "second-factor",
    "staff-login-setup": "second-factor",
    "staff-account": "account",
    "staff-account-reset": "account",
    "staff-home": "staff",
    # Outbox
    "staff-messages": "staff",
    "staff-subscriptions": "staff",
    "staff-message-retry": "staff",
    "staff-message-cancel": "staff",
    # Information
    "info-about": "public",
    "info-how": "public",
    "info-principles": "public",
    "info-questions": "public",
    "privacy": "public",
    "accessibility": "public",
    # Applying and the applicant's own pages
    "apply": "public",
    "apply-received": "public",
    "lost-link": "public",
    "applicant-erased": "public",
    "applicant": "public",
    "applicant-edit": "public",
    "applicant-withdraw": "public",
    "applicant-still-waiting": "public",
    "applicant-export": "public",
    "applicant-export-json": "public",
    "applicant-erase": "public",
    "offer-answer": "public",
    "notice-send": "public",
    # Staff: applications
    "staff-applications": "staff",
    "staff-application-new": "staff",
    "staff-application": "staff",
    "staff-application-note": "staff",
    "staff-application-correct": "staff",
    "staff-application-status": "staff",
    "staff-application-erase": "staff",
    # Staff: groups, meetings, offers, members, rooms
    "staff-groups": "staff",
    "staff-group-new": "staff",
    "staff-group-proposals": "staff",
    "staff-group": "staff",
    "staff-group-meetings": "staff",
    "staff-group-tab": "staff",
    "staff-group-edit": "staff",
    "staff-group-place": "staff",
    "staff-group-candidates": "staff",
    "staff-group-open": "staff",
    "staff-group-close": "staff",
    "staff-group-end": "staff",
    "staff-group-declaration": "staff",
    "staff-group-participants": "staff",
    "staff-meeting": "staff",
    "staff-meeting-cancel": "staff",
    "staff-meeting-move": "staff",
    "staff-offer-withdraw": "staff",
    "staff-membership-leave": "staff",
    "staff-membership-signed": "staff",
    "staff-rooms": "staff",
    "staff-room-new": "staff",
    "staff-room-edit": "staff",
    # The starter area and the calendar feed
    "starter-schedule": "starter",
    "starter-login": "public",
    "starter-logout": "public",
    "starter-welcome": "public",  # a wrong link shows "no longer valid" and no form
    "starter-answer": "starter",
    "starter-calendar": "starter",
    "starter-calendar-reset": "starter",
    "starter-kit": "starter",
    "starter-feed": "calendar-token",
    # Staff: starters
    "staff-starters": "staff",
    "staff-starter-new": "staff",
    "staff-starter": "staff",
    "staff-starter-invite-again": "staff",
    "staff-starter-assign": "staff",
    "staff-assignment-release": "staff",
    "staff-assignment-replace": "staff",
    # bench/urls.py (make bench only): a bare response through every middleware
    "bench-bare": "public",
}

# Namespaces whose every URL shares one tag.
NAMESPACES: dict[str, str | None] = {"admin": ADMIN_TAG}

# URLs whose key is a signed token in the address, and the role that holds it.
KEYS: dict[str, str] = {
    "applicant": APPLICANT,
    "applicant-edit": APPLICANT,
    "applicant-withdraw": APPLICANT,
    "applicant-still-waiting": APPLICANT,
    "applicant-export": APPLICANT,
    "applicant-export-json": APPLICANT,
    "applicant-erase": APPLICANT,
    "offer-answer": APPLICANT,
    "notice-send": APPLICANT,
    "starter-feed": STARTER,
}

# An object of one centre in the address: staff of another centre get a 404.
CENTRE_SCOPED = frozenset(
    {
        "staff-message-retry",
        "staff-message-cancel",
        "staff-application",
        "staff-application-note",
        "staff-application-correct",
        "staff-application-status",
        "staff-application-erase",
        "staff-group",
        "staff-group-meetings",
        "staff-group-tab",
        "staff-group-edit",
        "staff-group-place",
        "staff-group-candidates",
        "staff-group-open",
        "staff-group-close",
        "staff-group-end",
        "staff-group-declaration",
        "staff-group-participants",
        "staff-meeting",
        "staff-meeting-cancel",
        "staff-meeting-move",
        "staff-offer-withdraw",
        "staff-membership-leave",
        "staff-membership-signed",
        "staff-room-edit",
        "staff-starter",
        "staff-starter-invite-again",
        "staff-starter-assign",
        "staff-assignment-release",
        "staff-assignment-replace",
    }
)

# One starter's assignment (or a group they were asked to start): another starter gets 404.
STARTER_SCOPED = frozenset({"starter-answer", "starter-kit"})


def tag_of(name: str) -> str | None:
    """The tag the URL `name` ("admin:index" with its namespace) must carry."""
    namespace, _sep, short = name.rpartition(":")
    if namespace:
        return NAMESPACES[namespace.split(":")[0]]
    return URLS[short]


def roles_for(name: str) -> frozenset[str]:
    """The roles that may use the URL `name`: a 2xx for them, never for anyone else."""
    if name in KEYS:
        return frozenset({KEYS[name]})
    roles = TAG_ROLES[tag_of(name)]
    if name in CENTRE_SCOPED:
        roles -= {OTHER_STAFF}
    if name in STARTER_SCOPED:
        roles -= {OTHER_STARTER}
    return roles


def url_patterns(resolver=None, namespace: str = ""):
    """(namespace, name or None, view) for every pattern of the URLconf."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}" if entry.namespace else namespace
            yield from url_patterns(entry, inner.lstrip(":"))
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, entry.callback


def check_matrix(app_configs=None, **kwargs) -> list[checks.Error]:
    """Every URL has an entry in the matrix, and its view carries the tag the matrix names."""
    errors = []
    for namespace, name, view in url_patterns():
        top = namespace.split(":")[0]
        if top in NAMESPACES:
            expected, label = NAMESPACES[top], f"{namespace}:{name or '(unnamed)'}"
        elif name is None:
            errors.append(
                checks.Error(
                    f"The view {view.__module__}.{view.__qualname__} has a URL without a name.",
                    hint="Name it, and give the name an entry in selvhjelp/access.py.",
                    id="core.E101",
                )
            )
            continue
        elif name not in URLS:
            errors.append(
                checks.Error(
                    f"The URL {name!r} has no entry in the permission matrix.",
                    hint="Add it to URLS in selvhjelp/access.py (and KEYS/…_SCOPED if needed).",
                    id="core.E102",
                )
            )
            continue
        else:
            expected, label = URLS[name], name
        actual = getattr(view, "access", None)
        if actual != expected:
            errors.append(
                checks.Error(
                    f"The view of {label!r} is tagged {actual!r}, the permission matrix says "
                    f"{expected!r}.",
                    hint="Decorate the view (selvhjelp/permissions.py) or fix the matrix.",
                    id="core.E103",
                )
            )
    return errors
