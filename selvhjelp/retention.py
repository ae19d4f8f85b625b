"""Retention: how long personal data is kept once it is no longer needed, and the purge.

Each app registers its rules in its AppConfig.ready(), one call per rule:

    retention.register_rule(retention.RetentionRule(
        key="starters.former_starters", label=_("…"), setting="RETENTION_…_MONTHS",
        select=select, apply=apply))

`select(centre, today, months)` returns a QuerySet of what has passed its time at that
centre (centre None: rows that belong to no centre), so a dry run can count and list ids
without touching anything; `apply(queryset)` removes it through the app's own services
and returns how many went. A rule's months are the centre's own field (`centre_field`) or,
when that is empty or the rule has none, the default in settings (`setting`).

An app to the right can hold rows of a left app's model that its own rule governs (a
person who was in a group is the groups rule's, not the ended-applications rule's):
`register_hold(...)`; the left app's selection calls `without_holds(queryset, app=…)`.

The purge (`purge()`: the nightly task and `manage.py purge_personal_data`) runs every rule
for every centre, records a RetentionRun (counts only) and one audit event per rule and
centre that removed something.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import checks
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

OSLO = ZoneInfo("Europe/Oslo")
NO_CENTRE = "(none)"  # the counts' key for rows of no centre (slugs never hold brackets)


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months earlier; the 31st becomes the month's last day."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + month // 12, month % 12 + 1, 1)
    last_day = (next_month - date(year, month, 1)).days
    return date(year, month, min(day.day, last_day))


def start_of_day(day: date) -> datetime:
    """Midnight at the start of `day` in Oslo (it exists on every day, DST included)."""
    return datetime.combine(day, time.min, tzinfo=OSLO)


def kept_from(today: date, months: int) -> date:
    """The first day still kept: what ended before this day has passed `months` months.

    Something that ended on 15 January is kept through 15 July (6 months) and goes in the
    night of 16 July.
    """
    return months_before(today, months)


@dataclass(frozen=True)
class RetentionRule:
    key: str  # "<app>.<what>", e.g. "intake.ended_applications"
    label: str  # translated: what goes, e.g. "applications withdrawn or not suitable"
    setting: str  # the settings name with the default months
    select: Callable[..., models.QuerySet]  # (centre or None, today, months) -> QuerySet
    apply: Callable[[models.QuerySet], int]  # (the selection) -> how many were removed
    centre_field: str | None = None  # a Centre field with the centre's own months (or none)
    order: int = 100

    def months_for(self, centre) -> int:
        own = getattr(centre, self.centre_field) if centre and self.centre_field else None
        return own if own is not None else getattr(settings, self.setting)


@dataclass(frozen=True)
class Hold:
    key: str  # "<app>.<why>", e.g. "groups.has_been_in_a_group"
    model: str  # the held model's label_lower, e.g. "intake.application"
    condition: Callable[[], Q | models.Expression]  # true for the rows held

    @property
    def app(self) -> str:
        return self.key.split(".", 1)[0]


class RetentionError(Exception):
    pass


_rules: dict[str, RetentionRule] = {}
_holds: dict[str, Hold] = {}


def register_rule(rule: RetentionRule) -> None:
    if rule.key in _rules and _rules[rule.key] != rule:
        raise RetentionError(f"Retention rule {rule.key!r} is already registered.")
    _rules[rule.key] = rule


def register_hold(hold: Hold) -> None:
    if hold.key in _holds and _holds[hold.key] != hold:
        raise RetentionError(f"Retention hold {hold.key!r} is already registered.")
    _holds[hold.key] = hold


def rules() -> list[RetentionRule]:
    return sorted(_rules.values(), key=lambda r: (r.order, r.key))


def without_holds(queryset: models.QuerySet, *, app: str) -> models.QuerySet:
    """The queryset minus rows other apps hold (the holds of `app` itself do not count)."""
    label = queryset.model._meta.label_lower
    for hold in _holds.values():
        if hold.model == label and hold.app != app:
            queryset = queryset.exclude(hold.condition())
    return queryset


def months_at(centre, field: str) -> int:
    """A Centre retention field's months at this centre, or the default (centre None)."""
    from selvhjelp.models.centres import RETENTION_MONTHS

    if centre is not None:
        return centre.retention_months(field)
    return getattr(settings, RETENTION_MONTHS[field][0])


def schedule_for(centre) -> dict[str, int]:
    """Months each rule keeps data at this centre (None: the defaults), keyed by rule."""
    return {rule.key: rule.months_for(centre) for rule in rules()}


# The purge ---------------------------------------------------------------------------------


@dataclass
class Finding:
    """One rule at one centre in one run: what was selected and how much went."""

    rule: RetentionRule
    centre: str  # slug, or NO_CENTRE
    months: int
    ids: list = field(default_factory=list)  # primary keys only, never anything else
    removed: int = 0  # in a dry run: what would go


@dataclass
class Report:
    run: object  # RetentionRun
    findings: list[Finding]

    @property
    def total(self) -> int:
        return sum(f.removed for f in self.findings)


def purge(*, dry_run: bool, trigger: str, centre=None, today: date | None = None) -> Report:
    """Run every rule for one centre or for all (and for rows of no centre).

    A dry run lists what would go and removes nothing; both kinds are recorded.
    """
    from selvhjelp import audit
    from selvhjelp.models import Centre, RetentionRun

    today = today or timezone.localdate()
    scopes = [centre] if centre is not None else [*Centre.objects.order_by("slug"), None]
    run = RetentionRun.objects.create(
        dry_run=dry_run, trigger=trigger, scope=centre.slug if centre is not None else ""
    )
    findings = []
    for rule in rules():
        for scope in scopes:
            months = rule.months_for(scope)
            finding = Finding(rule, scope.slug if scope is not None else NO_CENTRE, months)
            finding.ids = sorted(rule.select(scope, today, months).values_list("pk", flat=True))
            if dry_run:
                finding.removed = len(finding.ids)
            elif finding.ids:
                # Selected afresh: apply re-checks each row under its own lock.
                finding.removed = rule.apply(rule.select(scope, today, months))
                if finding.removed:
                    audit.record(
                        "retention.purged",
                        centre=scope,
                        obj=run,
                        rule=rule.key,
                        count=finding.removed,
                        months=months,
                    )
            findings.append(finding)
    run.counts = {
        rule.key: {f.centre: f.removed for f in findings if f.rule is rule and f.removed}
        for rule in rules()
    }
    run.total = sum(f.removed for f in findings)
    run.finished_at = timezone.now()
    run.save(update_fields=["counts", "total", "finished_at"])
    return Report(run, findings)


# The core's own rule: finished outbox messages ---------------------------------------------


def finished_messages(centre, today: date, months: int) -> models.QuerySet:
    """Messages sent, failed or cancelled before the kept period began."""
    from selvhjelp.enums import NotificationState
    from selvhjelp.models import Notification

    return (
        Notification.objects.filter(centre=centre, state__in=NotificationState.final())
        .alias(finished=Coalesce("finished_at", "sent_at", "due_at"))
        .filter(finished__lt=start_of_day(kept_from(today, months)))
    )


def delete_messages(queryset: models.QuerySet) -> int:
    from selvhjelp.models import Notification

    deleted = 0
    while pks := list(queryset.values_list("pk", flat=True)[:1000]):
        deleted += Notification.objects.filter(pk__in=pks).delete()[0]
    return deleted


# Settings check ------------------------------------------------------------------------------


@checks.register("retention")
def check_defaults(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Each RETENTION_* default must lie within the bounds a centre's own value must."""
    from selvhjelp.models.centres import RETENTION_MONTHS

    errors = []
    for setting, least, most, _message in RETENTION_MONTHS.values():
        value = getattr(settings, setting, None)
        if not isinstance(value, int) or not least <= value <= most:
            errors.append(
                checks.Error(
                    f"{setting} must be a whole number of months from {least} to {most}, "
                    f"not {value!r}.",
                    id="selvhjelp.E101",
                )
            )
    return errors
