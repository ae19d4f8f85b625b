"""Hostile input to every form of the product (issue 9, item 7).

Each form-handling URL gets random and hostile posts built from a post the form accepts:
a few of its own fields replaced by NUL bytes, right-to-left marks, 100 000 characters,
markup, SQL-looking text, non-numeric or another centre's ids, or sent twice with different
values, plus fields the form does not own (`status`, `centre`, `access_key`,
`is_superuser`, …). A staff URL is also posted with another centre's object in its path.

For every post: never a 5xx, never a redirect off the site, posted markup never comes back
unescaped. A refused post (an error on the page or in the messages, or a 4xx) changes no
row of any table. An accepted post changes only what `allow` lists for its form: the rows,
columns and values its service sets, so a field the form does not own is never stored.

The URLconf is walked (tests/core/url_walk.py): every named URL must be a FORM here, a
PAGE (a read-only view that treats a POST like a GET; a hostile post to it must change
nothing) or EXEMPT with a reason, so a new form cannot be forgotten.

The number of examples per form comes from the hypothesis profile (tests/conftest.py).
"""

import json
from collections.abc import Callable, Collection
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection, transaction
from django.forms import BaseForm, BaseFormSet
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from groups.models import Meeting
from intake.services import CORRECTABLE, POLICY_VERSION
from selvhjelp.models import Notification
from tests.core.url_walk import Cast, routes
from tests.factories import (
    PASSWORD,
    ApplicationFactory,
    CentreFactory,
    GroupFactory,
    StaffMembershipFactory,
    StarterFactory,
    weekday_after,
)

User = get_user_model()
ANY = None  # an allowed column may take any value

# Tables a request may always write: its own session, and the append-only audit log (reading
# or refusing is itself recorded; tests/core/test_audit.py holds it to its rules).
UNWATCHED = {"sessions.Session", "core.AuditEvent", "contenttypes.ContentType", "auth.Permission"}

SCRIPT = "<script>hostile()</script>"
HOSTILE = [
    "\x00",
    "nul\x00byte",
    "\u202e\u200fgnp.exe",
    "\u200b\ufeff",
    "x" * 100_000,
    SCRIPT,
    '"><img src=x onerror=hostile()>',
    "' OR '1'='1' --",
    "1; DROP TABLE intake_application; --",
    "0 UNION SELECT password FROM auth_user",
    "-1",
    "0",
    "9" * 40,
    "1e9",
    "NaN",
    "²",
    "٣",
    "1.5",
    "",
    " ",
    "null",
    "%(name)s",
    "{{ request }}",
    "https://evil.example/",
    "//evil.example/",
    "on",
    "2026-02-30",
    "0001-01-01",
    "9999-12-31",
    "25:61",
]
# Fields no form here owns, but that the models have: a post must never set them.
FOREIGN = [
    "status",
    "centre",
    "centre_id",
    "access_key",
    "token",
    "is_superuser",
    "is_staff",
    "id",
    "pk",
    "source",
    "registered_by",
    "user",
    "group",
    "application",
    "starter",
    "state",
    "calendar_token",
    "consent_version",
    "about",
]


# The world every example starts from -----------------------------------------------------


class World:
    """Two centres, each with one object of every kind (url_walk.Cast), plus what the forms
    need for a post they accept: people waiting, a received application, a started and a
    restarting group, a spare starter, a failed message, a staff account with an
    authenticator app."""

    def __init__(self):
        from django_otp.plugins.otp_static.models import StaticDevice
        from django_otp.plugins.otp_totp.models import TOTPDevice

        self.centre = CentreFactory(name="Selvhjelpshuset Nord", slug="nord")
        self.other_centre = CentreFactory(name="Selvhjelpshuset Sør", slug="sor")
        self.staff = StaffMembershipFactory(centre=self.centre, user__username="stab-nord").user
        self.other_staff = StaffMembershipFactory(
            centre=self.other_centre, user__username="stab-sor"
        ).user
        self.cast = Cast(self.centre, self.staff)
        # Cast uses fixed names: move them aside so the other centre gets a cast too.
        Notification.objects.filter(pk=self.cast.notification.pk).update(
            idempotency_key="url-walk-nord"
        )
        User.objects.filter(pk=self.cast.starter_user.pk).update(username="igangsetter-nord")
        self.cast.starter_user.refresh_from_db()
        self.other = Cast(self.other_centre, self.other_staff)

        self.waiting = ApplicationFactory(centre=self.centre, status="waiting")
        self.asked = ApplicationFactory(
            centre=self.centre, status="waiting", still_waiting_asked_at=timezone.now()
        )
        self.received = ApplicationFactory(centre=self.centre, status="received", about="Om meg")
        self.other_waiting = ApplicationFactory(centre=self.other_centre, status="waiting")
        self.started = GroupFactory(centre=self.centre, status="started", weekday=2)
        self.restarting = GroupFactory(centre=self.centre, status="restarting", weekday=3)
        self.spare_starter = StarterFactory(centre=self.centre)
        self.other_starter = StarterFactory(centre=self.other_centre)
        self.failed = Notification.objects.create(
            idempotency_key="hostile-failed",
            kind="core.test_message",
            channel="email",
            centre=self.centre,
            to_address="person@example.no",
            to_name="Person",
            language="nb",
            due_at=timezone.now() - timedelta(hours=1),
            state="failed",
            attempts=5,
            last_error="550 mailbox unavailable",
        )
        self.totp_staff = StaffMembershipFactory(centre=self.centre, user__username="stab-app").user
        self.totp_key = "3132333435363738393031323334353637383930"
        self.device = TOTPDevice.objects.create(
            user=self.totp_staff, name="app", key=self.totp_key, confirmed=True
        )
        backup = StaticDevice.objects.create(user=self.totp_staff, name="backup", confirmed=True)
        backup.token_set.create(token="backup1234")
        # The secret the set-up page offers; _setup_step reads the real one before a post.
        self.pending_key = self.totp_key

    # Values a hostile post may carry in an id field or a field it does not own.
    def other_ids(self) -> list[str]:
        other = self.other
        objects = [
            other.applicant,
            other.group,
            other.meeting,
            other.offer,
            other.membership,
            other.room,
            other.notification,
            other.starter,
            other.assignment,
            self.other_waiting,
            self.other_starter,
            self.other_centre,
            self.other_staff,
        ]
        return [str(obj.pk) for obj in objects]

    def foreign_values(self) -> list[str]:
        return [
            *self.other_ids(),
            self.other_centre.slug,
            "placed",
            "offered",
            "accepted",
            "ended",
            "cancelled",
            "sent",
            "admin",
            "true",
            "1",
            "on",
            self.other.applicant.token,
        ]

    def code(self, key: str | None = None) -> str:
        """The authenticator app's current code for `key` (the staff account's by default)."""
        from binascii import unhexlify

        from django_otp.oath import TOTP

        totp = TOTP(unhexlify(key or self.totp_key))
        return f"{totp.token():06d}"


# Snapshots: every row of every table -----------------------------------------------------


def watched_models():
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label not in UNWATCHED and model._meta.managed
    ]


def snapshot() -> dict[str, tuple[list, dict]]:
    """{table label: (columns, {pk: row})}, read with plain SQL (the ORM is ten times
    slower here, and this runs twice per example)."""
    tables = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in watched_models():
            columns = [f.column for f in model._meta.concrete_fields]
            names = ", ".join(map(quote, columns))
            cursor.execute(f"SELECT {names} FROM {quote(model._meta.db_table)}")  # noqa: S608
            pk = columns.index(model._meta.pk.column)
            tables[model._meta.label] = (columns, {row[pk]: row for row in cursor.fetchall()})
    return tables


@dataclass(frozen=True)
class Change:
    table: str
    pk: Any
    kind: str  # "added", "removed" or "changed"
    values: dict  # added: the new row; changed: {column: (before, after)}


def diff(before: dict, after: dict) -> list[Change]:
    changes = []
    for table, (columns, rows) in after.items():
        old = before[table][1]
        for pk, row in rows.items():
            if pk not in old:
                changes.append(Change(table, pk, "added", dict(zip(columns, row, strict=True))))
            elif row != old[pk]:
                changed = {
                    column: (was, now)
                    for column, was, now in zip(columns, old[pk], row, strict=True)
                    if was != now
                }
                changes.append(Change(table, pk, "changed", changed))
        changes += [Change(table, pk, "removed", {}) for pk in old if pk not in rows]
    return changes


@dataclass(frozen=True)
class Allow:
    """What an accepted post may do to one table.

    change: {column: allowed new values, or ANY} for existing rows (of `rows` only, if set);
    add: None (no new rows) or {column: allowed values, or ANY} that new rows must meet;
    remove: whether rows (of `rows` only, if set) may go.
    """

    change: dict = field(default_factory=dict)
    rows: Collection | None = None
    add: dict | None = None
    remove: bool = False


def _as_list(value) -> list:
    return list(value) if isinstance(value, list | tuple) else [value]


def _fits(value, allowed) -> bool:
    return allowed is ANY or value in allowed


def _problem(change: Change, rule: Allow) -> str | None:
    """Why `rule` does not allow `change`, or None if it does."""
    where = f"{change.table} {change.pk}"
    if change.kind == "added":
        if rule.add is None:
            return f"{where} added: {change.values!r:.300}"
        wrong = [c for c, allowed in rule.add.items() if not _fits(change.values[c], allowed)]
        return f"{where} added with {wrong}: {change.values!r:.300}" if wrong else None
    if rule.rows is not None and change.pk not in rule.rows:
        return f"{where} {change.kind}, but only rows {sorted(rule.rows)} may"
    if change.kind == "removed":
        return None if rule.remove else f"{where} removed"
    wrong = {
        column: new
        for column, (_old, new) in change.values.items()
        if column not in rule.change or not _fits(new, rule.change[column])
    }
    return f"{where} set {wrong!r:.300}" if wrong else None


def violations(changes: list[Change], allow: dict[str, Allow | list[Allow]]) -> list[str]:
    """The changes that no rule for their table allows."""
    found = []
    for change in changes:
        rules = allow.get(change.table, [])
        problems = [_problem(change, rule) for rule in _as_list(rules)]
        if not rules:
            found.append(f"{change.table} {change.pk} {change.kind}: {change.values!r:.300}")
        elif None not in problems:
            found.append(problems[0])
    return found


# Forms -------------------------------------------------------------------------------------


@dataclass
class Form:
    """One form-handling URL.

    who: who posts ("anonymous", "staff", "starter", or "app": staff with an authenticator)
    valid: a post the form accepts, from the world
    allow: what an accepted post may change (table label -> Allow)
    kwargs: the URL's arguments (default: url_walk.Cast fills them from the centre's cast)
    other: the URL's arguments with another centre's object, which must be a 404
    prepare: steps before the post (e.g. a GET that puts a token in the session); returns
             the path to post to, or None for the URL itself
    refused_may: what even a refused post may change (a device's failure counter)
    check: further assertions on an accepted post
    """

    name: str
    who: str
    valid: Callable[[World], dict]
    allow: Callable[[World], dict[str, Allow]]
    kwargs: Callable[[World], dict] | None = None
    other: Callable[[World], dict] | None = None
    prepare: Callable[[Any, World, str], str | None] | None = None
    refused_may: Callable[[World], dict[str, Allow]] | None = None
    check: Callable[[World, dict, list[Change]], None] | None = None
    known: tuple[str, ...] = ()  # fields the form owns that `valid` leaves out
    changes_something: bool = True  # whether its valid post changes a watched table


def messages_allowed(**add) -> Allow:
    """New outbox rows (ids and addresses only: tests/privacy.py holds them to that)."""
    return Allow(add=add or {})


def _pks(queryset) -> set:
    return set(queryset.values_list("pk", flat=True))


def _centre_rooms(world) -> set:
    from groups.models import Room

    return _pks(Room.objects.filter(centre=world.centre))


def _group_meetings(group) -> set:
    return _pks(Meeting.objects.filter(group=group))


def _next(weekday: int, weeks: int = 2):
    return weekday_after(timezone.localdate() + timedelta(weeks=weeks), weekday)


def _application_row(world, pk, **change):
    return {"intake.Application": Allow(change=change, rows={pk})}


def _new_application_check(world, post, changes):
    added = [c for c in changes if c.table == "intake.Application" and c.kind == "added"]
    assert len(added) <= 1, added
    if added:
        slug = post.get("centre")
        slug = slug[-1] if isinstance(slug, list) else slug
        centre = world.other_centre if slug == world.other_centre.slug else world.centre
        assert added[0].values["centre_id"] == centre.pk


def _apply_valid(world):
    from tests.intake.test_apply import valid

    return valid(centre="nord", about="Jeg har det tungt for tiden.")


def _offered_place(world, application_pks):
    return {
        "groups.Offer": Allow(
            add={
                "group_id": {world.cast.group.pk},
                "application_id": application_pks,
                "status": {"open"},
                "created_by_id": {world.staff.pk},
            }
        ),
        "intake.Application": Allow(
            change={"status": {"offered"}, "status_changed_at": ANY}, rows=application_pks
        ),
        "core.Notification": messages_allowed(centre_id={world.centre.pk}),
    }


def _waiting_of_centre(world) -> set:
    return {world.waiting.pk, world.asked.pk}


def _welcome_step(client, world, path):
    """Django's set-password flow: the link's token moves into the session first."""
    response = client.get(path)
    assert response.status_code == 302, response.status_code
    return response["Location"]


def _setup_step(client, world, path):
    """The set-up page offers a secret (kept in the session) that the code must match."""
    from selvhjelp.two_factor import PENDING_KEY

    assert client.get(path).status_code == 200
    world.pending_key = client.session[PENDING_KEY]


def _device_counters(world):
    """The back-off counters a wrong code raises on the account's devices."""
    counters = {"throttling_failure_count": ANY, "throttling_failure_timestamp": ANY}
    return {
        "otp_totp.TOTPDevice": Allow(change=counters, rows={world.device.pk}),
        "otp_static.StaticDevice": Allow(
            change=counters, rows=_pks(world.totp_staff.staticdevice_set)
        ),
    }


def _device_use(world):
    counters = {"throttling_failure_count": ANY, "throttling_failure_timestamp": ANY}
    used = {"last_t": ANY, "last_used_at": ANY, "drift": ANY}
    return {"otp_totp.TOTPDevice": Allow(change=counters | used, rows={world.device.pk})}


def _backup_tokens(world):
    from django_otp.plugins.otp_static.models import StaticToken

    return _pks(StaticToken.objects.filter(device__user=world.totp_staff))


def _membership(world):
    from selvhjelp.models import StaffMembership

    return StaffMembership.objects.get(user=world.staff)


def _room_post(name):
    return {
        "name": name,
        "street_address": "Kirkegata 3",
        "capacity": "12",
        "accessibility": "Trinnfri inngang.",
        "notes": "",
        "is_active": "on",
    }


def _proposal(world):
    """One proposed group (Thursday daytime, which the centre's waiting people can meet)."""
    room = world.started.room
    return {
        "g-TOTAL_FORMS": "1",
        "g-INITIAL_FORMS": "1",
        "g-MIN_NUM_FORMS": "0",
        "g-MAX_NUM_FORMS": "30",
        "g-0-name": "Torsdagsgruppa",
        "g-0-theme": "mixed",
        "g-0-weekday": "3",
        "g-0-start_time": "11:00",
        "g-0-start_date": _next(3).isoformat(),
        "g-0-room": str(room.pk),
        "g-0-members": [str(world.waiting.pk), str(world.asked.pk)],
        "action": "accept",
    }


def _bookings_follow(world, group):
    """Starters' bookings follow the group's meetings when the schedule changes."""
    from starters.models import Assignment, Booking

    return {
        "starters.Booking": Allow(
            rows=_pks(Booking.objects.filter(assignment__group=group)),
            remove=True,
            change={"starts_at": ANY, "ends_at": ANY, "is_active": ANY},
            add={
                "assignment_id": _pks(Assignment.objects.filter(group=group)),
                "is_active": {True},
            },
        )
    }


def _followup_moves(group) -> Allow:
    """The follow-up meeting comes after a number of held meetings: it can move."""
    return Allow(change={"is_followup": ANY}, rows=_group_meetings(group))


def _meetings_replanned(world, group):
    """A new pattern cancels or replaces the group's meetings from a date on."""
    return {
        "groups.Meeting": Allow(
            rows=_group_meetings(group),
            remove=True,
            change={
                "status": ANY,
                "starts_at": ANY,
                "ends_at": ANY,
                "room_id": _centre_rooms(world),
                "sequence": ANY,
                "change_note": ANY,
                "moved_from": ANY,
                "is_followup": ANY,
                "holiday": ANY,
            },
            add={"group_id": {group.pk}, "room_id": _centre_rooms(world)},
        )
    }


FORMS = [
    # Public: applying and the applicant's own pages --------------------------------------
    Form(
        "apply",
        "anonymous",
        valid=_apply_valid,
        allow=lambda w: {
            "intake.Application": Allow(
                add={
                    "centre_id": {w.centre.pk, w.other_centre.pk},
                    "status": {"received"},
                    "source": {"web"},
                    "registered_by_id": {None},
                    "consent_version": {POLICY_VERSION},
                    "still_waiting_asked_at": {None},
                    "still_waiting_confirmed_at": {None},
                    "not_suitable_reason": {""},
                }
            ),
            "core.Notification": messages_allowed(kind={"intake.receipt"}),
        },
        check=_new_application_check,
        known=("website", "reminder_channel"),
    ),
    Form(
        "lost-link",
        "anonymous",
        valid=lambda w: {"email": w.cast.applicant.email},
        allow=lambda w: {
            "core.Notification": messages_allowed(
                kind={"intake.lost_link"}, centre_id={w.centre.pk}
            )
        },
    ),
    Form(
        "applicant-edit",
        "anonymous",
        valid=lambda w: {
            "email": "ny.adresse@example.no",
            "phone": "+47 912 34 567",
            "availability": ["mon-evening", "fri-day"],
            "reminder_channel": "sms",
        },
        allow=lambda w: _application_row(
            w,
            w.cast.applicant.pk,
            email=ANY,
            phone=ANY,
            availability_mask=ANY,
            reminder_channel={"email", "sms"},
        ),
    ),
    Form(
        "applicant-withdraw",
        "anonymous",
        valid=lambda w: {},
        allow=lambda w: {
            **_application_row(w, w.cast.applicant.pk, status={"withdrawn"}, status_changed_at=ANY),
            "groups.Offer": Allow(
                change={"status": {"withdrawn"}, "answered_at": ANY}, rows={w.cast.offer.pk}
            ),
            "core.Notification": messages_allowed(),
        },
    ),
    Form(
        "applicant-still-waiting",
        "anonymous",
        kwargs=lambda w: {"token": w.asked.token},
        valid=lambda w: {"answer": "yes"},
        allow=lambda w: _application_row(
            w,
            w.asked.pk,
            status={"waiting", "withdrawn"},
            status_changed_at=ANY,
            still_waiting_asked_at=ANY,
            still_waiting_confirmed_at=ANY,
        ),
    ),
    Form(
        "applicant-erase",
        "anonymous",
        valid=lambda w: {"confirm": "yes"},
        allow=lambda w: {
            "intake.Application": Allow(rows={w.cast.applicant.pk}, remove=True),
            "groups.Offer": Allow(rows={w.cast.offer.pk}, remove=True),
        },
    ),
    Form(
        "offer-answer",
        "anonymous",
        other=lambda w: {"token": w.cast.applicant.token, "pk": w.other.offer.pk},
        valid=lambda w: {"answer": "accept"},
        allow=lambda w: {
            **_application_row(
                w, w.cast.applicant.pk, status={"placed", "waiting"}, status_changed_at=ANY
            ),
            "groups.Offer": Allow(
                change={"status": {"accepted", "declined"}, "answered_at": ANY},
                rows={w.cast.offer.pk},
            ),
            "groups.Membership": Allow(
                add={"group_id": {w.cast.group.pk}, "application_id": {w.cast.applicant.pk}}
            ),
            "core.Notification": messages_allowed(),
        },
    ),
    Form(
        "notice-send",
        "anonymous",
        kwargs=lambda w: {"token": w.cast.membership.application.token},
        valid=lambda w: {"kind": "absent", "meeting": str(w.cast.meeting.pk)},
        allow=lambda w: {
            "groups.AbsenceNotice": Allow(
                add={
                    "membership_id": {w.cast.membership.pk},
                    "meeting_id": {None, *_group_meetings(w.cast.group)},
                    "kind": {"absent", "leaving"},
                }
            ),
            "core.Notification": messages_allowed(),
        },
    ),
    # Signing in and out ------------------------------------------------------------------
    Form(
        "staff-login",
        "anonymous",
        valid=lambda w: {"username": "stab-nord", "password": PASSWORD},
        allow=lambda w: {"auth.User": Allow(change={"last_login": ANY}, rows={w.staff.pk})},
    ),
    Form("staff-logout", "staff", valid=lambda w: {}, allow=lambda w: {}, changes_something=False),
    Form(
        "starter-login",
        "anonymous",
        valid=lambda w: {"username": "igangsetter-nord", "password": PASSWORD},
        allow=lambda w: {
            "auth.User": Allow(change={"last_login": ANY}, rows={w.cast.starter_user.pk})
        },
    ),
    Form(
        "starter-logout", "starter", valid=lambda w: {}, allow=lambda w: {}, changes_something=False
    ),
    Form(
        "starter-welcome",
        "anonymous",
        prepare=_welcome_step,
        valid=lambda w: {
            "new_password1": "et-langt-nytt-passord-42",
            "new_password2": "et-langt-nytt-passord-42",
        },
        allow=lambda w: {
            "auth.User": Allow(
                change={"password": ANY, "last_login": ANY}, rows={w.cast.starter_user.pk}
            )
        },
    ),
    # Staff: the second factor and the account ------------------------------------------------
    Form(
        "staff-login-code",
        "app",
        valid=lambda w: {"code": w.code()},
        allow=lambda w: {**_device_counters(w), **_device_use(w)},
        refused_may=_device_counters,
        known=("next",),
    ),
    Form(
        "staff-login-setup",
        "staff",
        prepare=_setup_step,
        valid=lambda w: {"code": w.code(w.pending_key)},
        allow=lambda w: {
            "otp_totp.TOTPDevice": Allow(add={"user_id": {w.staff.pk}, "confirmed": {True}}),
            "otp_static.StaticDevice": Allow(add={"user_id": {w.staff.pk}, "confirmed": {True}}),
            "otp_static.StaticToken": Allow(add={}),
        },
        known=("next",),
    ),
    Form(
        "staff-account-reset",
        "app",
        valid=lambda w: {"code": w.code()},
        allow=lambda w: {
            **_device_counters(w),
            "otp_totp.TOTPDevice": Allow(rows={w.device.pk}, remove=True),
            "otp_static.StaticDevice": Allow(rows=_pks(w.totp_staff.staticdevice_set), remove=True),
            "otp_static.StaticToken": Allow(remove=True, rows=_backup_tokens(w)),
        },
        refused_may=_device_counters,
    ),
    # Staff: messages -------------------------------------------------------------------------
    Form(
        "staff-subscriptions",
        "staff",
        valid=lambda w: {"wants": [f"alerts-{_membership(w).pk}"]},
        allow=lambda w: {
            "core.StaffMembership": Allow(
                change={"wants_alerts": ANY, "wants_digest": ANY}, rows={_membership(w).pk}
            )
        },
    ),
    Form(
        "staff-message-retry",
        "staff",
        kwargs=lambda w: {"pk": w.failed.pk},
        other=lambda w: {"pk": w.other.notification.pk},
        valid=lambda w: {"next": "/stab/meldinger/?state=failed"},
        allow=lambda w: {
            "core.Notification": Allow(
                change={
                    "state": {"pending"},
                    "due_at": ANY,
                    "attempts": {0},
                    "last_error": {""},
                    "finished_at": {None},
                },
                rows={w.failed.pk},
            )
        },
    ),
    Form(
        "staff-message-cancel",
        "staff",
        other=lambda w: {"pk": w.other.notification.pk},
        valid=lambda w: {"next": "/stab/meldinger/"},
        allow=lambda w: {
            "core.Notification": Allow(
                change={"state": {"cancelled"}, "finished_at": ANY, "lease_expires_at": {None}},
                rows={w.cast.notification.pk},
            )
        },
    ),
    # Staff: applications ---------------------------------------------------------------------
    Form(
        "staff-application-new",
        "staff",
        valid=lambda w: {
            "first_name": "Ola",
            "last_name": "Telefon",
            "email": "ola.telefon@example.no",
            "phone": "+47 934 56 789",
            "birth_date": "1970-03-01",
            "gender": "man",
            "availability": ["wed-evening"],
            "theme": "mixed",
            "areas": ["burnout"],
            "about": "Fortalte om utbrenthet.",
            "source": "phone",
            "language": "nb",
            "confirmed": "on",
        },
        allow=lambda w: {
            "intake.Application": Allow(
                add={
                    "centre_id": {w.centre.pk},
                    "status": {"received"},
                    "source": {"phone", "in_person"},
                    "registered_by_id": {w.staff.pk},
                    "consent_version": {POLICY_VERSION},
                    "not_suitable_reason": {""},
                }
            ),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-application-note",
        "staff",
        kwargs=lambda w: {"pk": w.received.pk},
        other=lambda w: {"pk": w.other.applicant.pk},
        valid=lambda w: {"text": "Hadde en god samtale."},
        allow=lambda w: {
            "intake.IntakeNote": Allow(
                add={"application_id": {w.received.pk}, "author_id": {w.staff.pk}}
            )
        },
    ),
    Form(
        "staff-application-correct",
        "staff",
        kwargs=lambda w: {"pk": w.received.pk},
        other=lambda w: {"pk": w.other.applicant.pk},
        valid=lambda w: {
            "first_name": "Rettet",
            "last_name": "Navn",
            "email": "rettet@example.no",
            "phone": "+47 934 56 789",
            "birth_date": "1970-03-01",
            "gender": "man",
            "availability": ["wed-evening"],
            "theme": "mixed",
            "areas": ["burnout"],
            "about": "Rettet tekst.",
            "language": "nb",
        },
        allow=lambda w: _application_row(
            w,
            w.received.pk,
            **dict.fromkeys(CORRECTABLE, ANY),
        ),
    ),
    Form(
        "staff-application-status",
        "staff",
        kwargs=lambda w: {"pk": w.received.pk},
        other=lambda w: {"pk": w.other.applicant.pk},
        valid=lambda w: {"to": "not_suitable", "reason": "Ønsker individuell oppfølging."},
        allow=lambda w: {
            **_application_row(
                w,
                w.received.pk,
                status={"in_dialogue", "waiting", "not_suitable", "withdrawn"},
                status_changed_at=ANY,
                not_suitable_reason=ANY,
            ),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-application-erase",
        "staff",
        kwargs=lambda w: {"pk": w.received.pk},
        other=lambda w: {"pk": w.other.applicant.pk},
        valid=lambda w: {"confirm": "on"},
        allow=lambda w: {
            "intake.Application": Allow(rows={w.received.pk}, remove=True),
        },
    ),
    # Staff: groups ---------------------------------------------------------------------------
    Form(
        "staff-group-new",
        "staff",
        valid=lambda w: {
            "name": "Fredagsgruppa",
            "room": str(w.cast.room.pk),
            "weekday": "4",
            "start_time": "18:00",
            "start_date": _next(4).isoformat(),
            "theme": "mixed",
            "language": "nb",
            "meeting_minutes": "120",
            "opening_minutes": "180",
        },
        allow=lambda w: {
            "groups.Group": Allow(
                add={
                    "centre_id": {w.centre.pk},
                    "status": {"forming"},
                    "room_id": _centre_rooms(w),
                    "ended_on": {None},
                }
            ),
            "groups.Meeting": Allow(add={"room_id": _centre_rooms(w), "status": {"planned"}}),
        },
        known=("centre",),
    ),
    Form(
        "staff-group-proposals",
        "staff",
        valid=_proposal,
        allow=lambda w: {
            "groups.Group": Allow(
                add={"centre_id": {w.centre.pk}, "status": {"forming"}, "room_id": _centre_rooms(w)}
            ),
            "groups.Meeting": Allow(add={"room_id": _centre_rooms(w), "status": {"planned"}}),
            "groups.Offer": Allow(
                add={"application_id": _waiting_of_centre(w), "status": {"open"}}
            ),
            "intake.Application": Allow(
                change={"status": {"offered"}, "status_changed_at": ANY},
                rows=_waiting_of_centre(w),
            ),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
        known=("centre", "g-0-drop", "g-0-add"),
    ),
    Form(
        "staff-group-edit",
        "staff",
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {
            "weekday": "1",
            "start_time": "18:30",
            "room": str(w.cast.room.pk),
            "fortnightly_from": "",
            "from_date": timezone.localdate().isoformat(),
        },
        allow=lambda w: {
            "groups.Group": Allow(
                change={
                    "weekday": ANY,
                    "start_time": ANY,
                    "room_id": _centre_rooms(w),
                    "fortnightly_from": ANY,
                    "frequency": ANY,
                    "start_date": ANY,
                },
                rows={w.cast.group.pk},
            ),
            **_meetings_replanned(w, w.cast.group),
            **_bookings_follow(w, w.cast.group),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-group-place",
        "staff",
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {"application": str(w.waiting.pk)},
        allow=lambda w: _offered_place(w, _waiting_of_centre(w)),
    ),
    Form(
        "staff-group-candidates",
        "staff",
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {"people": [str(w.waiting.pk), str(w.asked.pk)]},
        allow=lambda w: _offered_place(w, _waiting_of_centre(w)),
    ),
    Form(
        "staff-group-open",
        "staff",
        kwargs=lambda w: {"pk": w.started.pk},
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {
            "decided_on": timezone.localdate().isoformat(),
            "reason": "Gruppen vil ta inn to nye.",
        },
        allow=lambda w: {
            "groups.Group": Allow(change={"status": {"restarting"}}, rows={w.started.pk}),
            "groups.GroupOpening": Allow(
                add={"group_id": {w.started.pk}, "recorded_by_id": {w.staff.pk}}
            ),
        },
    ),
    Form(
        "staff-group-close",
        "staff",
        kwargs=lambda w: {"pk": w.restarting.pk},
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {},
        allow=lambda w: {
            "groups.Group": Allow(change={"status": {"started"}}, rows={w.restarting.pk})
        },
    ),
    Form(
        "staff-group-end",
        "staff",
        kwargs=lambda w: {"pk": w.started.pk},
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {"ended_on": timezone.localdate().isoformat()},
        allow=lambda w: {
            "groups.Group": Allow(
                change={"status": {"ended"}, "ended_on": ANY}, rows={w.started.pk}
            ),
            "groups.Meeting": Allow(
                change={
                    "status": {"cancelled"},
                    "sequence": ANY,
                    "change_note": ANY,
                    "is_followup": ANY,
                },
                rows=_group_meetings(w.started),
            ),
            **_bookings_follow(w, w.started),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-meeting-cancel",
        "staff",
        other=lambda w: {"pk": w.other.meeting.pk},
        valid=lambda w: {"note": "Rommet er stengt."},
        allow=lambda w: {
            "groups.Meeting": [
                Allow(
                    change={"status": {"cancelled"}, "sequence": ANY, "change_note": ANY},
                    rows={w.cast.meeting.pk},
                ),
                _followup_moves(w.cast.group),
            ],
            **_bookings_follow(w, w.cast.group),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-meeting-move",
        "staff",
        other=lambda w: {"pk": w.other.meeting.pk},
        valid=lambda w: {
            "day": (
                timezone.localtime(w.cast.meeting.starts_at).date() + timedelta(days=1)
            ).isoformat(),
            "start_time": "17:00",
            "room": "",
            "note": "Flyttet en dag.",
        },
        allow=lambda w: {
            "groups.Meeting": [
                Allow(
                    change={
                        "starts_at": ANY,
                        "ends_at": ANY,
                        "room_id": _centre_rooms(w),
                        "moved_from": ANY,
                        "sequence": ANY,
                        "change_note": ANY,
                    },
                    rows={w.cast.meeting.pk},
                ),
                _followup_moves(w.cast.group),
            ],
            **_bookings_follow(w, w.cast.group),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-offer-withdraw",
        "staff",
        other=lambda w: {"pk": w.other.offer.pk},
        valid=lambda w: {},
        allow=lambda w: {
            "groups.Offer": Allow(
                change={"status": {"withdrawn"}, "answered_at": ANY}, rows={w.cast.offer.pk}
            ),
            **_application_row(w, w.cast.applicant.pk, status={"waiting"}, status_changed_at=ANY),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-membership-leave",
        "staff",
        other=lambda w: {"pk": w.other.membership.pk},
        valid=lambda w: {"reason": "own_choice", "left_on": ""},
        allow=lambda w: {
            "groups.Membership": Allow(
                change={"left_on": ANY, "leave_reason": ANY}, rows={w.cast.membership.pk}
            ),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-membership-signed",
        "staff",
        other=lambda w: {"pk": w.other.membership.pk},
        valid=lambda w: {},
        allow=lambda w: {
            "groups.Membership": Allow(
                change={"confidentiality_signed_on": ANY}, rows={w.cast.membership.pk}
            )
        },
    ),
    Form(
        "staff-room-new",
        "staff",
        valid=lambda w: _room_post("Biblioteket"),
        allow=lambda w: {"groups.Room": Allow(add={"centre_id": {w.centre.pk}})},
        known=("centre",),
    ),
    Form(
        "staff-room-edit",
        "staff",
        other=lambda w: {"pk": w.other.room.pk},
        valid=lambda w: _room_post("Store sal"),
        allow=lambda w: {
            "groups.Room": Allow(
                change={
                    "name": ANY,
                    "street_address": ANY,
                    "capacity": ANY,
                    "accessibility": ANY,
                    "notes": ANY,
                    "is_active": ANY,
                },
                rows={w.cast.room.pk},
            )
        },
    ),
    # Staff: starters -------------------------------------------------------------------------
    Form(
        "staff-starter-new",
        "staff",
        valid=lambda w: {
            "first_name": "Nina",
            "last_name": "Ny",
            "email": "nina.ny@example.no",
            "phone": "",
            "language": "nb",
            "availability": ["mon-evening"],
            "max_groups": "1",
            "note": "",
            "centre": str(w.centre.pk),
        },
        allow=lambda w: {
            "auth.User": Allow(
                add={"is_staff": {False}, "is_superuser": {False}, "is_active": {True}}
            ),
            "starters.Starter": Allow(add={}),
            "starters.Starter_centres": Allow(add={"centre_id": {w.centre.pk}}),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-starter",
        "staff",
        other=lambda w: {"pk": w.other.starter.pk},
        valid=lambda w: {
            "phone": "+47 955 55 555",
            "availability": ["tue-evening"],
            "max_groups": "2",
            "state": "resting",
            "note": "Har nøkkel til huset.",
        },
        allow=lambda w: {
            "starters.Starter": Allow(
                change={
                    "phone": ANY,
                    "availability_mask": ANY,
                    "max_groups": ANY,
                    "is_active": ANY,
                    "note": ANY,
                },
                rows={w.cast.starter.pk},
            )
        },
    ),
    Form(
        "staff-starter-invite-again",
        "staff",
        other=lambda w: {"pk": w.other.starter.pk},
        valid=lambda w: {},
        allow=lambda w: {
            # An invitation not sent yet is replaced by the new one.
            "core.Notification": Allow(
                add={"centre_id": {w.centre.pk}},
                change={"state": {"cancelled"}, "finished_at": ANY},
            ),
        },
    ),
    Form(
        "staff-starter-assign",
        "staff",
        other=lambda w: {"pk": w.other.group.pk},
        valid=lambda w: {"starter": str(w.spare_starter.pk)},
        allow=lambda w: {
            "starters.Assignment": Allow(
                add={
                    "group_id": {w.cast.group.pk},
                    "starter_id": {w.spare_starter.pk, w.cast.starter.pk},
                    "status": {"pending"},
                    "created_by_id": {w.staff.pk},
                }
            ),
            "starters.Booking": Allow(add={"meeting_id": _group_meetings(w.cast.group)}),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-assignment-release",
        "staff",
        other=lambda w: {"pk": w.other.assignment.pk},
        valid=lambda w: {},
        allow=lambda w: {
            "starters.Assignment": Allow(
                change={"status": {"released"}, "released_at": ANY}, rows={w.cast.assignment.pk}
            ),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "staff-assignment-replace",
        "staff",
        other=lambda w: {"pk": w.other.assignment.pk},
        valid=lambda w: {"starter": str(w.spare_starter.pk)},
        allow=lambda w: {
            "starters.Assignment": Allow(
                change={"status": {"released"}, "released_at": ANY},
                rows={w.cast.assignment.pk},
                add={
                    "group_id": {w.cast.group.pk},
                    "starter_id": {w.spare_starter.pk},
                    "replaces_id": {w.cast.assignment.pk},
                    "created_by_id": {w.staff.pk},
                },
            ),
            "starters.Booking": Allow(add={"meeting_id": _group_meetings(w.cast.group)}),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    # The starter area ------------------------------------------------------------------------
    Form(
        "starter-answer",
        "starter",
        other=lambda w: {"pk": w.other.assignment.pk},
        valid=lambda w: {"answer": "accept"},
        allow=lambda w: {
            "starters.Assignment": Allow(
                change={"status": {"accepted", "declined"}, "answered_at": ANY},
                rows={w.cast.assignment.pk},
            ),
            "starters.Booking": Allow(add={"starter_id": {w.cast.starter.pk}}),
            "core.Notification": messages_allowed(centre_id={w.centre.pk}),
        },
    ),
    Form(
        "starter-calendar-reset",
        "starter",
        valid=lambda w: {},
        allow=lambda w: {
            "starters.Starter": Allow(change={"calendar_token": ANY}, rows={w.cast.starter.pk})
        },
    ),
]


# The test ------------------------------------------------------------------------------------


def _route(name):
    return next(route for route in routes() if route.name == name)


# Pages and exemptions -----------------------------------------------------------------------

# Read-only views that answer a POST like a GET: a hostile post to them must change nothing.
PAGES = [
    "health",
    "home",
    "info-about",
    "info-how",
    "info-principles",
    "info-questions",
    "privacy",
    "accessibility",
    "apply-received",
    "applicant-erased",
    "applicant",
    "applicant-export",
    "applicant-export-json",
    "staff-home",
    "staff-account",
    "staff-messages",
    "staff-applications",
    "staff-application",
    "staff-groups",
    "staff-group",
    "staff-group-meetings",
    "staff-group-tab",
    "staff-group-declaration",
    "staff-group-participants",
    "staff-meeting",
    "staff-rooms",
    "staff-starters",
    "starter-schedule",
    "starter-calendar",
    "starter-kit",
    "starter-feed",
]
# URL names (or a namespace, ending in ":") that are neither, with the reason.
EXEMPT = {
    "admin:": "Django's own admin, for administrators only; its forms are Django's, and "
    "tests/core/test_no_state_change_on_get.py and the admin tests cover it",
}


def _exempt(name: str) -> bool:
    return any(name == key or (key.endswith(":") and name.startswith(key)) for key in EXEMPT)


def _who_for(path: str) -> str:
    path = path.removeprefix("/en")
    if path.startswith("/stab/"):
        return "staff"
    if path.startswith("/igangsetter/"):
        return "starter"
    return "anonymous"


# Drawing a hostile post ----------------------------------------------------------------------

# Sharper values for a field whose accepted value is a whole number (an id, a weekday, a
# number of seats or minutes, a code): digits int() refuses, too large, signed, with a NUL.
SHARP_NUMBERS = ["²", "٣", "1\x00", "9" * 40, "-1", "1.5", "0x10", " 7 "]
SHARP_TEXT = ["\x00", "x" * 100_000, SCRIPT, "\u202e\u200f", "'; DROP TABLE auth_user; --"]


def _numeric(value) -> bool:
    values = _as_list(value)
    return bool(values) and all(str(v).isascii() and str(v).isdigit() for v in values)


_STRATEGIES: dict = {}


def _hostile(world, accepted_value=""):
    """Hostile values for a field: general ones, and sharper ones for its kind."""
    numeric = _numeric(accepted_value)
    key = (numeric, tuple(world.other_ids()))
    if key not in _STRATEGIES:
        sharp = SHARP_NUMBERS + world.other_ids() if numeric else SHARP_TEXT
        single = st.one_of(
            st.sampled_from(sharp),
            st.sampled_from(HOSTILE),
            st.text(max_size=40),
            st.integers(min_value=-(2**70), max_value=2**70).map(str),
        )
        _STRATEGIES[key] = st.one_of(single, st.lists(single, min_size=2, max_size=3))
    return _STRATEGIES[key]


def draw_post(data, spec: Form, world: World) -> dict:
    """The form's accepted post with up to three of its own fields made hostile (replaced,
    sent twice with different values, or left out) and up to three fields it does not own."""
    post = dict(spec.valid(world))
    own = list(dict.fromkeys([*post, *spec.known]))
    if own:
        for name in data.draw(st.lists(st.sampled_from(own), unique=True, max_size=3)):
            hostile = _hostile(world, post.get(name, ""))
            how = data.draw(st.sampled_from(["replace", "twice", "drop"]))
            if how == "drop":
                post.pop(name, None)
            elif how == "twice":
                both = [*_as_list(post.get(name, [])), *_as_list(data.draw(hostile))]
                post[name] = data.draw(st.permutations(both)) if len(both) > 1 else both
            else:
                post[name] = data.draw(hostile)
    foreign = [name for name in FOREIGN if name not in own]
    values = st.one_of(st.sampled_from(world.foreign_values()), _hostile(world))
    for name in data.draw(st.lists(st.sampled_from(foreign), unique=True, max_size=3)):
        post[name] = data.draw(values)
    return post


def refused(response) -> bool:
    """The post was turned down: a 4xx, a form shown again with errors, or an error or
    warning message without a success message."""
    if response.status_code >= 400:
        return True
    levels = [message.level for message in get_messages(response.wsgi_request)]
    if any(level >= messages.WARNING for level in levels) and messages.SUCCESS not in levels:
        return True
    context = response.context
    if response.status_code == 200 and context is not None:
        # A ContextList iterates over contexts; keys() gives the names across all of them.
        for key in context.keys():  # noqa: SIM118
            value = context[key]
            form = isinstance(value, BaseForm | BaseFormSet) and value.is_bound
            if form and not value.is_valid():
                return True
    return False


# Hostile values no audit event has any reason to hold.
DISTINCTIVE = [value for value in {*HOSTILE, *SHARP_TEXT} if len(value) >= 8]


def _last_audit_event() -> int:
    from selvhjelp.models import AuditEvent

    return AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _posted_text_in_audit_events(after_pk: int) -> list[str]:
    """The audit log may grow on a refused post (a refusal is recorded), but never with
    what was posted."""
    from selvhjelp.models import AuditEvent

    events = AuditEvent.objects.filter(pk__gt=after_pk).values_list(
        "action", "actor_label", "detail"
    )
    found = []
    for action, label, detail in events:
        text = f"{label}\n{json.dumps(detail, ensure_ascii=False)}"
        found += [
            (value[:40], action)
            for value in DISTINCTIVE
            if value in text or json.dumps(value, ensure_ascii=False)[1:-1] in text
        ]
    return found


def _forged(token: str) -> str:
    """The same link with its signature changed by one character."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


# The tests -----------------------------------------------------------------------------------


@override_settings(APPLY_RATE_LIMIT=100_000)
class HostileForms(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.world = world = World()
        cls.sessions = {}
        for who, user in [
            ("staff", world.staff),
            ("starter", world.cast.starter_user),
            ("app", world.totp_staff),
        ]:
            client = cls.client_class()
            client.force_login(user)  # sets last_login on `user` and in the database alike
            cls.sessions[who] = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    def setup_example(self):
        super().setup_example()
        cache.clear()  # throttles count per account and address: each example starts fresh

    @contextmanager
    def fresh(self):
        """One post in its own transaction, rolled back, with a new client and throttles."""
        cache.clear()
        self.client = self.client_class()
        with transaction.atomic():
            yield
            transaction.set_rollback(True)

    def sign_in(self, who: str):
        """Use the role's session, made once for the class (signing in for every example
        costs more than the post)."""
        if who in self.sessions:
            self.client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[who]

    def path_for(self, spec: Form, where: str = "own") -> str:
        """The form's URL: for its own object, another centre's ("other"), or a forged or
        unknown one ("bad"): the last two must be a 404."""
        world = self.world
        kwargs = spec.kwargs(world) if spec.kwargs else world.cast.kwargs(_route(spec.name))
        if where == "other":
            kwargs = spec.other(world)
        elif where == "bad" and "pk" in kwargs:
            kwargs = {**kwargs, "pk": 10**20}
        elif where == "bad":
            kwargs = {**kwargs, "token": _forged(kwargs["token"])}
        return reverse(spec.name, kwargs=kwargs)

    def post_and_check(self, spec: Form, make_post, where: str = "own") -> str:
        """Post what `make_post()` gives (after the form's preparing steps), and hold the
        outcome to the rules; returns "accepted" or "refused"."""
        world = self.world
        path = self.path_for(spec, where)
        self.sign_in(spec.who)
        if spec.prepare is not None:
            path = spec.prepare(self.client, world, path) or path
        post = make_post()
        # What may change is worked out before the post (it names rows the post may remove).
        allowed = spec.allow(world)
        refused_may = spec.refused_may(world) if spec.refused_may else {}
        before, last_event = snapshot(), _last_audit_event()
        response = self.client.post(path, post)
        changes = diff(before, snapshot())

        assert response.status_code < 500, response.status_code
        if response.status_code in (301, 302, 303):
            assert urlsplit(response["Location"]).netloc in ("", "testserver"), response
        if response.get("Content-Type", "").startswith("text/html"):
            assert SCRIPT.encode() not in response.content
        if where != "own":
            assert response.status_code == 404, (where, response.status_code)
            assert changes == []
            assert _posted_text_in_audit_events(last_event) == []
            return "refused"
        if refused(response):
            found = violations(changes, refused_may)
            assert not found, "A refused post stored something:\n" + "\n".join(found)
            assert _posted_text_in_audit_events(last_event) == []
            return "refused"
        found = violations(changes, allowed)
        assert not found, "An accepted post changed more than it may:\n" + "\n".join(found)
        if spec.check is not None:
            spec.check(world, post, changes)
        self.last_changes = changes
        return "accepted"

    def post_hostile(self, spec: Form, data):
        arguments = _route(spec.name).arguments
        where = "own"
        if "pk" in arguments or arguments == ("token",):
            choices = ["own", "own", "own", "bad"] + (["other"] if spec.other else [])
            where = data.draw(st.sampled_from(choices), label="target")
        self.post_and_check(spec, lambda: draw_post(data, spec, self.world), where)

    # Deterministic checks that keep the property tests honest --------------------------------

    def test_every_form_accepts_its_valid_post(self):
        """Each form's starting post is accepted and changes what it should, so the hostile
        variants start from a post that works."""
        for spec in FORMS:
            with self.subTest(spec.name), self.fresh():
                self.last_changes = []
                outcome = self.post_and_check(spec, lambda spec=spec: spec.valid(self.world))
                assert outcome == "accepted", spec.name
                changed = {change.table for change in self.last_changes}
                assert bool(changed) == spec.changes_something, (spec.name, changed)

    def test_sharp_numbers_in_every_number_field(self):
        """Digits int() refuses ("²", alone and as many as the accepted value has), 40
        digits, and a NUL, in every field whose accepted value is a number: refused or
        harmless, never a 500."""
        tried = 0
        for spec in FORMS:
            valid = spec.valid(self.world)
            for name in [name for name, value in valid.items() if _numeric(value)]:
                width = len(str(_as_list(valid[name])[0]))
                for value in ["²", "²" * width, "9" * 40, "1\x00"]:
                    with self.subTest(f"{spec.name} {name}={value!r}"), self.fresh():
                        self.post_and_check(
                            spec,
                            lambda spec=spec, name=name, value=value: {
                                **spec.valid(self.world),
                                name: value,
                            },
                        )
                        tried += 1
        assert tried >= 80

    def test_other_centres_objects_are_not_found(self):
        for spec in [spec for spec in FORMS if spec.other]:
            with self.subTest(spec.name), self.fresh():
                self.post_and_check(spec, lambda spec=spec: spec.valid(self.world), where="other")

    def test_every_page_ignores_a_hostile_post(self):
        world = self.world
        post = {name: world.foreign_values()[0] for name in FOREIGN}
        post |= {"q": "x" * 100_000, "nul": "nul\x00byte", "text": SCRIPT, "id": ["1", "²"]}
        for name in PAGES:
            route = _route(name)
            path = reverse(name, kwargs=world.cast.kwargs(route))
            with self.subTest(name), self.fresh():
                self.sign_in(_who_for(path))
                before = snapshot()
                response = self.client.post(path, post)
                assert response.status_code < 500
                assert response.status_code != 405, f"{name} takes no POST: drop it from PAGES"
                assert diff(before, snapshot()) == [], name

    def test_every_url_that_takes_a_post_is_covered(self):
        """A new URL must be added to FORMS, PAGES or EXEMPT (a view that refuses POST with a
        405 needs nothing)."""
        names = [route.name for route in routes()]
        listed = [spec.name for spec in FORMS] + PAGES
        assert sorted(set(listed) - set(names)) == [], "listed here but not in the URLconf"
        assert len(listed) == len(set(listed)), "listed twice"
        world = self.world
        uncovered = []
        for route in routes():
            if route.name in listed or _exempt(route.name):
                continue
            path = reverse(route.name, kwargs=world.cast.kwargs(route))
            with self.fresh():
                self.sign_in(_who_for(path))
                if self.client.post(path, {}).status_code != 405:
                    uncovered.append(route.name)
        assert uncovered == [], (
            "These URLs take a POST: add each to FORMS (with a post it accepts and what that "
            "may change) or to PAGES (read-only) in tests/test_hostile_forms.py"
        )


def _test_for(spec: Form):
    @settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def test(self, data):
        self.post_hostile(spec, data)

    test.__name__ = "test_hostile_posts_to_" + spec.name.replace("-", "_")
    test.__doc__ = f"Random and hostile posts to {spec.name}."
    return test


for _spec in FORMS:
    _test = _test_for(_spec)
    setattr(HostileForms, _test.__name__, _test)


# The checks themselves can fail --------------------------------------------------------------


def test_the_diff_sees_added_changed_and_removed_rows():
    before = {"t.T": (["id", "status"], {1: (1, "open"), 2: (2, "open")})}
    after = {"t.T": (["id", "status"], {1: (1, "accepted"), 3: (3, "open")})}
    assert diff(before, after) == [
        Change("t.T", 1, "changed", {"status": ("open", "accepted")}),
        Change("t.T", 3, "added", {"id": 3, "status": "open"}),
        Change("t.T", 2, "removed", {}),
    ]


def test_a_change_outside_what_is_allowed_is_a_violation():
    changes = [
        Change("t.T", 1, "changed", {"status": ("open", "placed")}),
        Change("t.T", 3, "added", {"id": 3, "centre_id": 2}),
        Change("t.T", 2, "removed", {}),
        Change("t.U", 9, "changed", {"is_superuser": (False, True)}),
    ]
    allow = {"t.T": Allow(change={"status": {"accepted"}}, rows={1}, add={"centre_id": {1}})}
    assert violations(changes, allow) == [
        "t.T 1 set {'status': 'placed'}",
        "t.T 3 added with ['centre_id']: {'id': 3, 'centre_id': 2}",
        "t.T 2 removed, but only rows [1] may",
        "t.U 9 changed: {'is_superuser': (False, True)}",
    ]
    allow["t.T"] = [allow["t.T"], Allow(change={"status": ANY}, remove=True, add={})]
    allow["t.U"] = Allow(change={"is_superuser": ANY})
    assert violations(changes, allow) == []


@pytest.mark.django_db
def test_posted_text_in_a_new_audit_event_is_found():
    from selvhjelp import audit

    audit.record("test.before", note=SCRIPT)  # older events are not the post's
    last = _last_audit_event()
    audit.record("test.refused", posted="' OR '1'='1' --", fine="ok")
    assert _posted_text_in_audit_events(last) == [("' OR '1'='1' --", "test.refused")]
