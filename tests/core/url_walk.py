"""Every URL of the project, filled with real objects, for the tests that walk them all
(test_security_headers.py, test_no_state_change_on_get.py).

Arguments are filled by their name and, for `pk`, by the path segment before it
("grupper/<int:pk>" is a group). A new URL whose argument this module cannot fill fails
those tests with a message that says what to add here.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from selvhjelp import registry
from tests.factories import (
    ApplicationFactory,
    GroupFactory,
    MembershipFactory,
    OfferFactory,
    UserFactory,
)


@dataclass(frozen=True)
class Route:
    name: str  # with its namespace, e.g. "admin:index"
    route: str  # the pattern text from the root, e.g. "stab/grupper/<int:pk>/"
    arguments: tuple[str, ...]


def _arguments(pattern) -> tuple[str, ...]:
    # Route and regex patterns alike compile to a regex with named groups.
    return tuple(pattern.regex.groupindex)


def routes(resolver=None, namespace: str = "", prefix: str = "") -> list[Route]:
    """Every named pattern of the URLconf (admin included), in order."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += routes(entry, inner, text)
        elif isinstance(entry, URLPattern) and entry.name:
            found.append(Route(f"{namespace}{entry.name}", text, _arguments(entry.pattern)))
    return found


def unnamed_routes(resolver=None, prefix: str = "") -> list[str]:
    """Patterns without a name outside the admin: the walk cannot reverse them."""
    resolver = resolver or get_resolver()
    found = []
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if entry.namespace != "admin":
                found += unnamed_routes(entry, text)
        elif not entry.name:
            found.append(text)
    return found


class Cast:
    """One object of every kind the URLs take, all in `centre` (staff_1's centre)."""

    def __init__(self, centre, staff):
        from selvhjelp.models import Notification
        from starters.models import Assignment, Starter

        self.centre = centre
        self.staff = staff
        self.group = GroupFactory(centre=centre)
        self.applicant = ApplicationFactory(centre=centre, status="offered", about="Om meg")
        self.offer = OfferFactory(group=self.group, application=self.applicant)
        self.membership = MembershipFactory(group=self.group)
        self.meeting = self.group.meetings.order_by("starts_at").first()
        self.room = self.group.room
        self.notification = Notification.objects.create(
            idempotency_key="url-walk",
            kind="core.test_message",
            channel="email",
            centre=centre,
            to_address="person@example.no",
            to_name="Person",
            language="nb",
            due_at=timezone.now() + timedelta(days=1),
        )
        self.starter_user = UserFactory(username="igangsetter")
        self.starter = Starter.objects.create(user=self.starter_user)
        self.starter.centres.add(centre)
        self.assignment = Assignment.objects.create(
            starter=self.starter, group=self.group, created_by=staff
        )

    # The object behind the segment before a <pk>.
    def by_segment(self) -> dict:
        return {
            "soknader": self.applicant,
            "grupper": self.group,
            "moter": self.meeting,
            "tilbud": self.offer,
            "medlemmer": self.membership,
            "rom": self.room,
            "meldinger": self.notification,
            "igangsettere": self.starter,
            "oppdrag": self.assignment,
        }

    def _welcome(self) -> dict:
        from django.contrib.auth.tokens import default_token_generator
        from django.utils.encoding import force_bytes
        from django.utils.http import urlsafe_base64_encode

        user = self.starter_user
        return {
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        }

    def kwargs(self, route: Route) -> dict:
        if route.name == "starter-welcome":
            return self._welcome()
        if route.name == "starter-feed":
            return {"token": self.starter.calendar_token}
        values = {}
        for argument in route.arguments:
            if argument == "token":
                values[argument] = self.applicant.token
            elif argument == "pk":
                segment = re.search(r"([\w-]+)/<int:pk>", route.route)
                target = self.by_segment().get(segment.group(1) if segment else "")
                assert target is not None, (
                    f"tests/core/url_walk.py: which object goes in <pk> of {route.name} "
                    f"({route.route})? Add it to Cast.by_segment."
                )
                values[argument] = target.pk
            elif argument == "tab":
                # A tab an app registers on a group's pages (the starters tab).
                values[argument] = registry.group_sections()[0].slug
            else:
                raise AssertionError(
                    f"tests/core/url_walk.py: cannot fill <{argument}> of {route.name} "
                    f"({route.route}); add it to Cast.kwargs."
                )
        return values


def project_paths(cast: Cast) -> list[tuple[str, str]]:
    """(name, path) for every named URL outside the admin, arguments filled from `cast`."""
    return [
        (route.name, reverse(route.name, kwargs=cast.kwargs(route)))
        for route in routes()
        if not route.name.startswith("admin:")
    ]


def admin_paths() -> list[tuple[str, str]]:
    """The admin's pages: index, each app, and each model's list, add, and (for the first
    object, if any) change, history and delete-confirmation pages."""
    site = admin.site
    paths = [("admin:index", reverse("admin:index"))]
    labels = sorted({model._meta.app_label for model in site._registry})
    paths += [("admin:app_list", reverse("admin:app_list", args=[label])) for label in labels]
    for model in site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths.append((f"{info}_changelist", reverse(f"{info}_changelist")))
        paths.append((f"{info}_add", reverse(f"{info}_add")))
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            for action in ["change", "history", "delete"]:
                paths.append((f"{info}_{action}", reverse(f"{info}_{action}", args=[obj.pk])))
    return paths
