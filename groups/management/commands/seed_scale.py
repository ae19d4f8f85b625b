"""Large synthetic data for benchmarks: centres, rooms, groups, meetings, applicants, members.

Rows are written directly with bulk_create in batches inside one transaction: no services,
no outbox, no audit (nobody is told anything, nothing is logged as an action). The data is
deterministic for a given --seed and day (dates are relative to today), except the private
link keys, which are always fresh random keys. Every model constraint holds, including the
PostgreSQL exclusion constraint on rooms: each group has its own room and meets once a week.
"""

import random
import time as clock
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, IntegrityError, transaction
from django.utils import timezone

from groups.enums import Frequency, GroupStatus, LeaveReason, MeetingStatus
from groups.models import (
    AbsenceNotice,
    Group,
    GroupOpening,
    Meeting,
    Membership,
    Offer,
    Room,
)
from groups.schedule import OSLO, followup_index, norwegian_holidays
from intake.enums import Gender, Source, Status
from intake.models import AREAS, Application, IntakeNote, new_access_key
from selvhjelp import bitsets, registry
from selvhjelp.enums import FollowUpRule, Language
from selvhjelp.models import AuditEvent, Centre, StaffMembership, Theme
from selvhjelp.models.notifications import Notification

SLUG_PREFIX = "skala-"
CONSENT_VERSION = "2026-11"
GROUP_SIZE_LIMIT = 8  # the largest group any centre may have (Centre CHECK)
HISTORY_DAYS = 730  # applications and groups are spread over the last two years

TOWNS = [
    "Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Drammen", "Kristiansand",
    "Fredrikstad", "Bodø", "Ålesund", "Hamar", "Lillehammer", "Molde", "Harstad", "Gjøvik",
    "Sandnes", "Skien", "Arendal", "Haugesund", "Tønsberg", "Larvik", "Halden", "Kongsberg",
    "Steinkjer", "Alta",
]  # fmt: skip
FIRST_NAMES = [
    "Ingrid", "Kari", "Nora", "Emma", "Sofie", "Ida", "Marit", "Hanne", "Anne", "Solveig",
    "Ola", "Lars", "Jonas", "Magnus", "Henrik", "Erik", "Knut", "Per", "Sindre", "Håkon",
    "Aisha", "Ali", "Mariam", "Tomasz", "Eirik", "Silje", "Åse", "Bjørn", "Tone", "Geir",
]  # fmt: skip
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lie", "Moen",
    "Bakken", "Solberg", "Strand", "Nygård", "Lund", "Sæther",
]  # fmt: skip
WEEKDAY_NAMES = ["Mandag", "Tirsdag", "Onsdag", "Torsdag", "Fredag", "Lørdag", "Søndag"]
NOT_SUITABLE_REASONS = [
    "Trenger behandling først; henvist til fastlege.",
    "Ønsker individuell samtale, ikke gruppe.",
    "Akutt krise; henvist til legevakt.",
    "Passer bedre i et annet tilbud.",
]

# Applicants not in a group: mostly on the waiting list in some form.
OPEN_STATUSES = [
    (Status.RECEIVED, 25),
    (Status.IN_DIALOGUE, 20),
    (Status.WAITING, 40),
    (Status.WITHDRAWN, 8),
    (Status.NOT_SUITABLE, 7),
]
GROUP_STATUSES = [(GroupStatus.FORMING, 15), (GroupStatus.STARTED, 55), (GroupStatus.ENDED, 30)]
GENDERS = [(Gender.WOMAN, 55), (Gender.MAN, 35), (Gender.OTHER, 3), (Gender.UNSPECIFIED, 7)]
SOURCES = [(Source.WEB, 85), (Source.PHONE, 10), (Source.IN_PERSON, 5)]
EARLY_LEAVE_REASONS = [
    LeaveReason.OWN_CHOICE,
    LeaveReason.NEEDS_MET,
    LeaveReason.LIFE_CHANGED,
    LeaveReason.NOT_A_FIT,
    LeaveReason.NO_CONTACT,
]


def scale_centres():
    return Centre.objects.filter(slug__startswith=SLUG_PREFIX)


def delete_scale_data(using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Remove every row that belongs to the scale centres, children first (raw deletes)."""
    centres = scale_centres()
    if AuditEvent.objects.filter(centre__in=centres).exists():
        raise CommandError(
            "The scale centres have audit events, and the audit log is append-only: "
            "seed a fresh database instead of using --replace."
        )
    steps = [
        ("absence notices", AbsenceNotice.objects.filter(membership__group__centre__in=centres)),
        ("group openings", GroupOpening.objects.filter(group__centre__in=centres)),
        ("offers", Offer.objects.filter(group__centre__in=centres)),
        ("offers", Offer.objects.filter(application__centre__in=centres)),
        ("memberships", Membership.objects.filter(group__centre__in=centres)),
        ("memberships", Membership.objects.filter(application__centre__in=centres)),
        ("meetings", Meeting.objects.filter(group__centre__in=centres)),
        ("meetings", Meeting.objects.filter(room__centre__in=centres)),
        ("groups", Group.objects.filter(centre__in=centres)),
        ("rooms", Room.objects.filter(centre__in=centres)),
        ("intake notes", IntakeNote.objects.filter(application__centre__in=centres)),
        ("applications", Application.objects.filter(centre__in=centres)),
        ("notifications", Notification.objects.filter(centre__in=centres)),
        ("themes", Theme.objects.filter(centre__in=centres)),
        ("staff memberships", StaffMembership.objects.filter(centre__in=centres)),
        ("centres", Centre.objects.filter(slug__startswith=SLUG_PREFIX)),
    ]
    deleted: dict[str, int] = {}
    # Apps to the right (starters) first: their rows point at groups and meetings.
    for part in reversed(registry.scale_data_parts()):
        for label, n in part.delete(centres, using).items():
            deleted[label] = deleted.get(label, 0) + n
    for label, queryset in steps:
        # A raw delete: one statement, no per-row collection (the order above is the cascade).
        deleted[label] = deleted.get(label, 0) + queryset._raw_delete(using)
    return deleted


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights=weights)[0]


class Seeder:
    """One run. An app's scale part (registry.ScaleData.fill) gets it after the groups: it
    reads rng, batch, now, today, centres_created, groups_created and options, and writes
    through bulk()."""

    def __init__(self, rng: random.Random, batch: int):
        self.rng = rng
        self.batch = batch
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.counts: dict[str, int] = {}
        self.person = 0
        self._holidays: dict[int, dict[date, str]] = {}
        self.centres_created: list[Centre] = []
        self.groups_created: list[Group] = []
        self.options: dict = {}

    # --- helpers -------------------------------------------------------------------------

    def bulk(self, model, objs):
        if not objs:
            return []
        created = model.objects.bulk_create(objs, batch_size=self.batch)
        key = f"{model._meta.model_name}s"
        self.counts[key] = self.counts.get(key, 0) + len(objs)
        return created

    def _holiday(self, day: date) -> str:
        if day.year not in self._holidays:
            self._holidays[day.year] = norwegian_holidays(day.year)
        return self._holidays[day.year].get(day, "")

    def _local(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=OSLO)

    # --- centres -------------------------------------------------------------------------

    def centres(self, count: int) -> list[Centre]:
        rng = self.rng
        centres = []
        for n in range(1, count + 1):
            town = TOWNS[(n - 1) % len(TOWNS)]
            rule = rng.choice(FollowUpRule.values)
            after = {
                FollowUpRule.AFTER_MEETINGS: rng.randint(3, 8),
                FollowUpRule.AFTER_WEEKS: rng.randint(4, 12),
                FollowUpRule.AFTER_MONTHS: rng.randint(1, 3),
            }[rule]
            minutes = rng.choice([90, 120, 120])
            centres.append(
                Centre(
                    name=f"Selvhjelp {town} {n:03d} (skala)",
                    slug=f"{SLUG_PREFIX}{n:03d}",
                    city=town,
                    postal_code=f"{rng.randint(1, 9999):04d}",
                    street_address=f"Storgata {rng.randint(1, 120)}",
                    email=f"senter{n}@example.no",
                    offer_reply_days=rng.choice([5, 7, 7, 10, 14]),
                    typical_wait_weeks=rng.choice([0, 4, 8, 8, 12]),
                    group_min_size=5,
                    group_target_size=GROUP_SIZE_LIMIT,
                    group_max_size=GROUP_SIZE_LIMIT,
                    group_fragile_below=4,
                    meeting_minutes=minutes,
                    opening_meeting_minutes=120,
                    followup_rule=rule,
                    followup_after=after,
                )
            )
        return self.bulk(Centre, centres)

    # --- rooms, groups and meetings --------------------------------------------------------

    def groups(self, centres, weights, count: int, meetings: int) -> list[Group]:
        rng = self.rng
        per_centre: dict[int, int] = {}
        plans = []  # (centre, number in centre)
        for _ in range(count):
            centre = rng.choices(centres, cum_weights=weights)[0]
            per_centre[centre.pk] = per_centre.get(centre.pk, 0) + 1
            plans.append((centre, per_centre[centre.pk]))

        # One room per group: planned meetings can then never overlap within a room.
        rooms = self.bulk(
            Room,
            [
                Room(centre=centre, name=f"Rom {n}", capacity=rng.choice([8, 10, 12, 16]))
                for centre, n in plans
            ],
        )

        base, extra = divmod(meetings, count) if count else (0, 0)
        groups = []
        for i, ((centre, n), room) in enumerate(zip(plans, rooms, strict=True)):
            held = base + (1 if i < extra else 0)
            span = 7 * held
            status = _weighted(rng, GROUP_STATUSES)
            weekday = _weighted(rng, [(0, 25), (1, 25), (2, 25), (3, 20), (4, 5)])
            if status == GroupStatus.FORMING:
                start = self.today + timedelta(days=rng.randint(7, 42))
            elif status == GroupStatus.STARTED:
                start = self.today - timedelta(days=rng.randint(7, max(7, min(HISTORY_DAYS, span))))
            else:
                start = self.today - timedelta(
                    days=span + rng.randint(7, max(7, HISTORY_DAYS - span))
                )
            start += timedelta(days=(weekday - start.weekday()) % 7)
            last = start + timedelta(weeks=max(held - 1, 0))
            group = Group(
                centre=centre,
                name=f"{WEEKDAY_NAMES[weekday]}sgruppe {n}",
                status=status,
                room=room,
                language=Language.ENGLISH if rng.random() < 0.03 else Language.NORWEGIAN,
                weekday=weekday,
                start_time=time(rng.choice([17, 17, 18])),
                meeting_minutes=centre.meeting_minutes,
                opening_minutes=centre.opening_meeting_minutes,
                start_date=start,
                frequency=Frequency.WEEKLY,
                min_size=centre.group_min_size,
                max_size=centre.group_max_size,
                fragile_below=centre.group_fragile_below,
                ended_on=last if status == GroupStatus.ENDED else None,
            )
            group.seed_meetings = held
            groups.append(group)
        groups = self.bulk(Group, groups)

        buffer: list[Meeting] = []
        for group in groups:
            buffer.extend(self._meetings(group))
            if len(buffer) >= self.batch:
                self.bulk(Meeting, buffer)
                buffer = []
        self.bulk(Meeting, buffer)
        return groups

    def _meetings(self, group: Group) -> list[Meeting]:
        rng = self.rng
        days = [group.start_date + timedelta(weeks=k) for k in range(group.seed_meetings)]
        cancelled = {k for k in range(1, len(days)) if rng.random() < 0.02}
        held = [(k, day) for k, day in enumerate(days) if k not in cancelled]
        followup = (
            followup_index(
                held, group.centre.followup_rule, group.centre.followup_after, group.start_date
            )
            if held
            else None
        )
        meetings = []
        for k, day in enumerate(days):
            starts_at = datetime.combine(day, group.start_time, tzinfo=OSLO)
            minutes = group.opening_minutes if k == 0 else group.meeting_minutes
            meetings.append(
                Meeting(
                    group=group,
                    room_id=group.room_id,
                    index=k,
                    starts_at=starts_at,
                    ends_at=starts_at + timedelta(minutes=minutes),
                    is_opening=k == 0,
                    is_followup=k == followup,
                    holiday=self._holiday(day),
                    status=MeetingStatus.CANCELLED if k in cancelled else MeetingStatus.PLANNED,
                    sequence=1 if k in cancelled else 0,
                    change_note="Avlyst" if k in cancelled else "",
                )
            )
        return meetings

    # --- applications and memberships ------------------------------------------------------

    def _application(self, centre, status, applied_at, changed_at, slots) -> Application:
        rng = self.rng
        self.person += 1
        applied_day = timezone.localdate(applied_at)
        age_days = max(18 * 366, int(rng.triangular(18.1, 80, 38) * 365.25))
        areas = rng.sample(range(len(AREAS)), rng.randint(0, 3))
        return Application(
            centre=centre,
            access_key=new_access_key(),
            status=status,
            status_changed_at=changed_at,
            applied_at=applied_at,
            source=_weighted(rng, SOURCES),
            language=Language.ENGLISH if rng.random() < 0.05 else Language.NORWEGIAN,
            first_name=rng.choice(FIRST_NAMES),
            last_name=rng.choice(LAST_NAMES),
            email=f"person{self.person}@example.no",
            phone=f"+47{rng.choice('49')}{rng.randint(0, 9_999_999):07d}",
            birth_date=applied_day - timedelta(days=age_days),
            gender=_weighted(rng, GENDERS),
            availability_mask=bitsets.to_mask(slots, bitsets.SLOTS),
            areas_mask=sum(1 << a for a in areas),
            confirm_own_choice=True,
            confirm_weekly=True,
            confirm_commitment=True,
            consent_version=CONSENT_VERSION,
            consent_at=applied_at,
            not_suitable_reason=(
                rng.choice(NOT_SUITABLE_REASONS) if status == Status.NOT_SUITABLE else ""
            ),
        )

    def _slots(self, must: str | None = None) -> list[str]:
        slots = set(self.rng.sample(bitsets.SLOTS, self.rng.randint(1, 4)))
        if must:
            slots.add(must)
        return sorted(slots)

    def memberships(self, groups: list[Group], count: int) -> None:
        """`count` placed applicants, each a member of one group (never over its max size)."""
        rng = self.rng
        seats = [group for group in groups for _ in range(group.max_size)]
        chosen = sorted(rng.sample(range(len(seats)), count))
        for offset in range(0, len(chosen), self.batch):
            placed = [seats[i] for i in chosen[offset : offset + self.batch]]
            rows = []
            for group in placed:
                if group.status == GroupStatus.FORMING:
                    joined = self.today - timedelta(days=rng.randint(0, 30))
                else:
                    joined = group.start_date - timedelta(days=rng.randint(0, 28))
                applied_day = joined - timedelta(days=rng.randint(14, 240))
                applied_at = self._local(applied_day, rng.randint(7, 22), rng.randint(0, 59))
                changed_at = min(self._local(joined, 10), self.now)
                slot = bitsets.slot_at(group.weekday, group.start_time)
                application = self._application(
                    group.centre, Status.PLACED, applied_at, changed_at, self._slots(slot)
                )
                rows.append((group, joined, application))
            applications = self.bulk(Application, [app for _, _, app in rows])
            members = []
            for (group, joined, _), application in zip(rows, applications, strict=True):
                left_on, reason = None, ""
                if group.status == GroupStatus.ENDED:
                    left_on, reason = group.ended_on, LeaveReason.GROUP_ENDED
                elif group.status == GroupStatus.STARTED and rng.random() < 0.08:
                    left_on = joined + timedelta(days=rng.randint(0, (self.today - joined).days))
                    reason = rng.choice(EARLY_LEAVE_REASONS)
                members.append(
                    Membership(
                        group=group,
                        application=application,
                        joined_on=joined,
                        left_on=left_on,
                        leave_reason=reason,
                        confidentiality_signed_on=(
                            None if group.status == GroupStatus.FORMING else group.start_date
                        ),
                    )
                )
            self.bulk(Membership, members)

    def applications(self, centres, weights, count: int) -> None:
        """Applicants not (yet) in a group, spread over centres and the last two years."""
        rng = self.rng
        for offset in range(0, count, self.batch):
            rows = []
            for _ in range(min(self.batch, count - offset)):
                centre = rng.choices(centres, cum_weights=weights)[0]
                status = _weighted(rng, OPEN_STATUSES)
                applied_at = self.now - timedelta(seconds=rng.randint(3600, HISTORY_DAYS * 86400))
                changed_at = (
                    applied_at
                    if status == Status.RECEIVED
                    else applied_at + (self.now - applied_at) * rng.random()
                )
                rows.append(
                    self._application(centre, status, applied_at, changed_at, self._slots())
                )
            self.bulk(Application, rows)


class Command(BaseCommand):
    help = (
        "Create large synthetic data for benchmarks (centres with slugs skala-001…): "
        "bulk inserts only, no messages, no audit. DEBUG only unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
        parser.add_argument("--centres", type=int, default=100)
        parser.add_argument("--applications", type=int, default=50_000)
        parser.add_argument("--groups", type=int, default=4_000)
        parser.add_argument("--memberships", type=int, default=30_000)
        parser.add_argument(
            "--meetings", type=int, default=200_000, help="spread evenly over the groups"
        )
        for part in registry.scale_data_parts():
            for name, default, help_text in part.sizes:
                parser.add_argument(f"--{name}", type=int, default=default, help=help_text)
        parser.add_argument("--batch", type=int, default=2_000, help="rows per INSERT")
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (writes a lot)"
        )
        parser.add_argument(
            "--replace", action="store_true", help="delete earlier scale data (skala-…) first"
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "seed_scale writes a lot of synthetic data and only runs with DEBUG on; "
                "add --force to run it anyway."
            )
        centres, applications = options["centres"], options["applications"]
        groups, memberships = options["groups"], options["memberships"]
        meetings, batch = options["meetings"], options["batch"]
        if centres < 1 or batch < 1:
            raise CommandError("--centres and --batch must be at least 1.")
        extra_sizes = [name for part in registry.scale_data_parts() for name, *_ in part.sizes]
        if min(applications, groups, memberships, meetings, *(options[n] for n in extra_sizes)) < 0:
            raise CommandError("Counts cannot be negative.")
        if centres > 999:
            raise CommandError("At most 999 centres (slugs skala-001 to skala-999).")
        if memberships > applications:
            raise CommandError("--memberships cannot exceed --applications (one group each).")
        if memberships > groups * GROUP_SIZE_LIMIT:
            raise CommandError(
                f"--memberships cannot exceed {GROUP_SIZE_LIMIT} per group "
                f"({groups * GROUP_SIZE_LIMIT} for {groups} groups)."
            )
        if meetings and not groups:
            raise CommandError("Meetings need at least one group.")
        if groups and meetings // groups + (1 if meetings % groups else 0) > 1000:
            raise CommandError("At most 1000 meetings per group.")

        existing = scale_centres().count()
        if existing and not options["replace"]:
            raise CommandError(
                f"Scale data already exists ({existing} centres with slugs {SLUG_PREFIX}…). "
                "Run again with --replace to delete it first."
            )

        started = clock.monotonic()
        rng = random.Random(options["seed"])  # noqa: S311 (synthetic data, not secrets)
        seeder = Seeder(rng, batch)
        try:
            with transaction.atomic():
                deleted = delete_scale_data() if existing else {}
                created_centres = seeder.centres(centres)
                weights, total = [], 0.0
                for _ in created_centres:
                    total += rng.uniform(0.3, 3.0)  # some centres are much busier than others
                    weights.append(total)
                created_groups = seeder.groups(created_centres, weights, groups, meetings)
                seeder.memberships(created_groups, memberships)
                seeder.applications(created_centres, weights, applications - memberships)
                seeder.centres_created, seeder.groups_created = created_centres, created_groups
                seeder.options = options
                for part in registry.scale_data_parts():
                    part.fill(seeder)
        except IntegrityError as exc:
            raise CommandError(f"The scale data could not be written: {exc}") from exc
        elapsed = clock.monotonic() - started

        if deleted:
            removed = ", ".join(f"{n} {label}" for label, n in deleted.items() if n)
            self.stdout.write(f"Deleted the earlier scale data: {removed}.")
        self.stdout.write(
            self.style.SUCCESS(f"Scale data seeded in {elapsed:.1f} s (seed {options['seed']}):")
        )
        for label, n in seeder.counts.items():
            self.stdout.write(f"  {label:<14} {n:>9}")
