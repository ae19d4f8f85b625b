"""Retention: which people and messages the nightly purge selects, and that it takes no one else.

Peers have purged the wrong people, so the selection is tested at its edges (the day before,
on and after the limit, across daylight-saving changes), for every status and group state
that must keep a person, per centre, and against a plain statement of the rule over random
populations (hypothesis).
"""

import calendar
import io
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from hypothesis import HealthCheck, event, given, target
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from groups.enums import GroupStatus, LeaveReason, OfferStatus
from groups.models import Group, Membership, Offer
from intake import retention as intake_retention
from intake import services as intake_services
from intake.enums import Status
from intake.models import Application
from selvhjelp import retention
from selvhjelp.admin import RetentionRunAdmin
from selvhjelp.enums import Channel, NotificationState
from selvhjelp.models import AuditEvent, Centre, Notification, RetentionRun
from selvhjelp.tasks import purge_personal_data
from tests.factories import ApplicationFactory, CentreFactory

OSLO = ZoneInfo("Europe/Oslo")
ENDED = "intake.ended_applications"
PAST = "groups.past_participants"
MESSAGES = "core.finished_messages"


# Building people ------------------------------------------------------------------------------


def oslo(day: date, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO)


def person(centre, status: str, changed_at: datetime, **kwargs) -> Application:
    """Someone whose application got `status` at `changed_at` (and applied a week before)."""
    return ApplicationFactory(
        centre=centre,
        status=status,
        applied_at=changed_at - timedelta(days=7),
        status_changed_at=changed_at,
        **kwargs,
    )


_group_names = iter(range(1, 1_000_000))


def plain_group(centre, status: str = GroupStatus.STARTED, ended_on: date | None = None) -> Group:
    """A group row without a meeting series: the selection looks only at status and dates."""
    return Group.objects.create(
        centre=centre,
        name=f"Gruppe {next(_group_names)}",
        status=status,
        weekday=1,
        start_time=time(18, 0),
        meeting_minutes=120,
        opening_minutes=120,
        start_date=date(2020, 1, 7),
        min_size=5,
        max_size=8,
        fragile_below=4,
        ended_on=ended_on,
    )


def membership(group, application, left_on: date | None = None) -> Membership:
    return Membership.objects.create(
        group=group,
        application=application,
        joined_on=date(2020, 1, 7),
        left_on=left_on,
        leave_reason=LeaveReason.OWN_CHOICE if left_on else "",
    )


def selected(key: str, centre, today: date) -> set[int]:
    rule = next(r for r in retention.rules() if r.key == key)
    return set(rule.select(centre, today, rule.months_for(centre)).values_list("pk", flat=True))


def purge_at(moment: datetime, *args) -> str:
    """Run the command as the nightly job would at `moment`; returns what it printed."""
    out = io.StringIO()
    with time_machine.travel(moment, tick=False):
        call_command("purge_personal_data", *args, stdout=out)
    return out.getvalue()


def night(day: date) -> datetime:
    return oslo(day, 3, 30)


def exists(application) -> bool:
    return Application.objects.filter(pk=application.pk).exists()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


# Month arithmetic ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 7, 15), 6, date(2026, 1, 15)),
        (date(2026, 1, 15), 1, date(2025, 12, 15)),
        (date(2026, 1, 15), 12, date(2025, 1, 15)),
        (date(2026, 8, 31), 6, date(2026, 2, 28)),
        (date(2028, 8, 31), 6, date(2028, 2, 29)),
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 4, 30)),
        (date(2026, 1, 31), 36, date(2023, 1, 31)),
        (date(2026, 12, 1), 11, date(2026, 1, 1)),
    ],
)
def test_months_before_counts_calendar_months_and_clips_to_the_month_end(day, months, expected):
    assert retention.months_before(day, months) == expected


def test_midnight_in_oslo_is_the_start_of_the_kept_day_in_winter_and_summer():
    assert retention.start_of_day(date(2026, 1, 15)).isoformat() == "2026-01-15T00:00:00+01:00"
    assert retention.start_of_day(date(2026, 7, 15)).isoformat() == "2026-07-15T00:00:00+02:00"


# Ended applications (intake) -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.WITHDRAWN, Status.NOT_SUITABLE, Status.INACTIVE])
def test_an_ended_application_goes_the_night_after_six_months_and_not_before(centre_1, status):
    kari = person(centre_1, status, oslo(date(2026, 1, 15), 14))
    purge_at(night(date(2026, 7, 14)))  # a day before the limit
    assert exists(kari)
    purge_at(night(date(2026, 7, 15)))  # six months to the day: still kept that day
    assert exists(kari)
    purge_at(night(date(2026, 7, 16)))  # the day after
    assert not exists(kari)


@pytest.mark.django_db
def test_the_limit_is_midnight_in_oslo_across_the_autumn_daylight_saving_change(centre_1):
    # Summer time ended at 03:00 on 26 October 2025. 00:30 that night is 22:30 UTC the day
    # before: a purge reading dates in UTC would take her a day early.
    early = person(centre_1, Status.WITHDRAWN, oslo(date(2025, 10, 26), 0, 30))
    late = person(centre_1, Status.WITHDRAWN, oslo(date(2025, 10, 25), 23, 30))
    assert early.status_changed_at.utcoffset() == timedelta(hours=2)
    purge_at(night(date(2026, 4, 26)))
    assert exists(early)
    assert not exists(late)
    purge_at(night(date(2026, 4, 27)))
    assert not exists(early)


@pytest.mark.django_db
def test_the_limit_is_midnight_in_oslo_across_the_spring_daylight_saving_change(centre_1):
    # Summer time began at 02:00 on 29 March 2026; six months later is 29 September.
    before_jump = person(centre_1, Status.NOT_SUITABLE, oslo(date(2026, 3, 29), 1, 30))
    after_jump = person(centre_1, Status.NOT_SUITABLE, oslo(date(2026, 3, 29), 3, 30))
    just_before = person(centre_1, Status.NOT_SUITABLE, oslo(date(2026, 3, 28), 23, 59))
    assert selected(ENDED, centre_1, date(2026, 9, 29)) == {just_before.pk}
    assert selected(ENDED, centre_1, date(2026, 9, 30)) == {
        just_before.pk,
        before_jump.pk,
        after_jump.pk,
    }


@pytest.mark.django_db
def test_every_other_status_is_never_taken_however_old(centre_1):
    years_ago = oslo(date(2019, 3, 1))
    kept = {
        status: person(centre_1, status, years_ago)
        for status in Status.values
        if status not in {Status.WITHDRAWN, Status.NOT_SUITABLE, Status.INACTIVE}
    }
    assert Status.WAITING in kept
    purge_at(night(date(2026, 4, 27)))
    assert sorted(Application.objects.values_list("status", flat=True)) == sorted(kept)


@pytest.mark.django_db
def test_an_applicant_waiting_for_years_is_never_taken(centre_1):
    waiting = person(centre_1, Status.WAITING, oslo(date(2018, 1, 2)))
    for key in [ENDED, PAST]:
        assert selected(key, centre_1, date(2026, 4, 27)) == set()
    purge_at(night(date(2026, 4, 27)))
    assert exists(waiting)


# Past participants (groups) ------------------------------------------------------------------


@pytest.mark.django_db
def test_someone_who_left_goes_the_night_after_twelve_months(centre_1):
    ola = person(centre_1, Status.PLACED, oslo(date(2024, 1, 10)))
    membership(plain_group(centre_1), ola, left_on=date(2025, 3, 10))
    purge_at(night(date(2026, 3, 9)))
    assert exists(ola)
    purge_at(night(date(2026, 3, 10)))
    assert exists(ola)
    purge_at(night(date(2026, 3, 11)))
    assert not exists(ola)
    assert Membership.objects.count() == 0


@pytest.mark.django_db
def test_the_members_of_an_ended_group_go_twelve_months_after_it_ended(centre_1, staff_1):
    from groups import services as group_services

    group = plain_group(centre_1)
    people = [person(centre_1, Status.PLACED, oslo(date(2024, 1, 10))) for _ in range(2)]
    for someone in people:
        membership(group, someone)
    group_services.end_group(group, ended_on=date(2025, 6, 2), staff=staff_1)
    assert selected(PAST, centre_1, date(2026, 6, 2)) == set()
    assert selected(PAST, centre_1, date(2026, 6, 3)) == {p.pk for p in people}


@pytest.mark.django_db
def test_a_member_of_a_group_marked_ended_counts_from_the_day_it_ended(centre_1):
    # Left open by the service only in theory: the group's end date is the membership's.
    per = person(centre_1, Status.PLACED, oslo(date(2024, 1, 10)))
    membership(plain_group(centre_1, GroupStatus.ENDED, ended_on=date(2025, 6, 2)), per)
    assert selected(PAST, centre_1, date(2026, 6, 2)) == set()
    assert selected(PAST, centre_1, date(2026, 6, 3)) == {per.pk}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "status", [GroupStatus.FORMING, GroupStatus.STARTED, GroupStatus.RESTARTING]
)
def test_a_person_in_a_group_that_has_not_ended_is_never_taken(centre_1, status):
    placed = person(centre_1, Status.PLACED, oslo(date(2019, 1, 10)))
    membership(plain_group(centre_1, status), placed)
    # Withdrew long ago, yet still a member: the groups rule holds her from intake's rule.
    withdrawn = person(centre_1, Status.WITHDRAWN, oslo(date(2019, 5, 1)))
    membership(plain_group(centre_1, status), withdrawn)
    purge_at(night(date(2026, 4, 27)))
    assert exists(placed)
    assert exists(withdrawn)


@pytest.mark.django_db
def test_one_ended_and_one_running_membership_keeps_the_person(centre_1):
    lise = person(centre_1, Status.PLACED, oslo(date(2019, 1, 10)))
    ended = plain_group(centre_1, GroupStatus.ENDED, ended_on=date(2020, 6, 1))
    membership(ended, lise, left_on=date(2020, 6, 1))
    membership(plain_group(centre_1, GroupStatus.STARTED), lise)
    purge_at(night(date(2026, 4, 27)))
    assert exists(lise)


@pytest.mark.django_db
def test_the_last_membership_to_end_decides(centre_1):
    nils = person(centre_1, Status.PLACED, oslo(date(2019, 1, 10)))
    membership(plain_group(centre_1), nils, left_on=date(2020, 6, 1))
    membership(plain_group(centre_1), nils, left_on=date(2025, 9, 1))
    assert selected(PAST, centre_1, date(2026, 9, 1)) == set()
    assert selected(PAST, centre_1, date(2026, 9, 2)) == {nils.pk}


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.RECEIVED, Status.IN_DIALOGUE, Status.WAITING])
def test_a_past_participant_back_on_the_list_is_never_taken(centre_1, status):
    eva = person(centre_1, status, oslo(date(2019, 1, 10)))
    membership(plain_group(centre_1), eva, left_on=date(2020, 6, 1))
    assert selected(PAST, centre_1, date(2026, 4, 27)) == set()
    assert selected(ENDED, centre_1, date(2026, 4, 27)) == set()


@pytest.mark.django_db
def test_a_past_participant_with_an_open_offer_is_never_taken(centre_1):
    eva = person(centre_1, Status.OFFERED, oslo(date(2019, 1, 10)))
    membership(plain_group(centre_1), eva, left_on=date(2020, 6, 1))
    Offer.objects.create(
        application=eva,
        group=plain_group(centre_1, GroupStatus.FORMING),
        expires_at=oslo(date(2030, 1, 1)),
    )
    assert selected(PAST, centre_1, date(2026, 4, 27)) == set()


@pytest.mark.django_db
def test_a_past_participant_who_withdrew_is_kept_for_the_groups_time_not_intakes(centre_1):
    # Left 8 months ago, withdrew 7 months ago: intake's 6 months would take her, but she
    # was in a group, so the groups rule's 12 months decide.
    today = date(2026, 4, 27)
    mia = person(centre_1, Status.WITHDRAWN, oslo(date(2025, 9, 20)))
    membership(plain_group(centre_1), mia, left_on=date(2025, 8, 27))
    assert selected(ENDED, centre_1, today) == set()
    assert selected(PAST, centre_1, today) == set()
    assert selected(PAST, centre_1, date(2026, 8, 28)) == {mia.pk}


@pytest.mark.django_db
def test_the_purge_rechecks_each_person_before_erasing(centre_1, staff_1):
    """Selected at night, taken back to the waiting list by staff before the erase ran."""
    kari = person(centre_1, Status.NOT_SUITABLE, oslo(date(2025, 1, 10)))
    due = retention.rules()[0].select(centre_1, date(2026, 4, 27), 6)
    assert list(due.values_list("pk", flat=True)) == [kari.pk]
    intake_services.mark_waiting(kari, staff=staff_1)
    assert intake_retention.erase_applications(due, rule=ENDED) == 0
    assert exists(kari)


# Finished messages (core) --------------------------------------------------------------------


def message(centre, state: str, finished: datetime | None, key: str) -> Notification:
    return Notification.objects.create(
        idempotency_key=key,
        kind="core.test_message",
        channel=Channel.EMAIL,
        centre=centre,
        to_address="someone@example.no",
        language="nb",
        due_at=(finished or oslo(date(2020, 1, 1))) - timedelta(hours=1),
        state=state,
        sent_at=finished if state == NotificationState.SENT else None,
        finished_at=finished,
        lease_expires_at=finished if state == NotificationState.SENDING else None,
    )


@pytest.mark.django_db
def test_finished_messages_go_three_months_later_and_open_ones_never(centre_1):
    finished = oslo(date(2026, 1, 15), 23, 50)
    done = {
        state: message(centre_1, state, finished, f"done-{state}")
        for state in NotificationState.final()
    }
    waiting = message(centre_1, NotificationState.PENDING, None, "pending")
    sending = message(centre_1, NotificationState.SENDING, oslo(date(2020, 1, 1)), "sending")
    assert selected(MESSAGES, centre_1, date(2026, 4, 15)) == set()
    assert selected(MESSAGES, centre_1, date(2026, 4, 16)) == {m.pk for m in done.values()}
    purge_at(night(date(2026, 4, 16)))
    assert set(Notification.objects.values_list("pk", flat=True)) == {waiting.pk, sending.pk}


@pytest.mark.django_db
def test_messages_of_no_centre_follow_the_default(centre_1):
    centre_1.retention_finished_message_months = 12
    centre_1.save()
    old = message(None, NotificationState.SENT, oslo(date(2026, 1, 1)), "no-centre")
    ours = message(centre_1, NotificationState.SENT, oslo(date(2026, 1, 1)), "centre")
    purge_at(night(date(2026, 4, 27)))
    assert list(Notification.objects.values_list("pk", flat=True)) == [ours.pk]
    assert not Notification.objects.filter(pk=old.pk).exists()


# A centre's own schedule ---------------------------------------------------------------------


@pytest.mark.django_db
def test_each_centre_keeps_data_for_its_own_time_and_no_other(centre_1, centre_2):
    centre_1.retention_ended_application_months = 3
    centre_1.retention_past_participant_months = 24
    centre_1.save()
    changed = oslo(date(2025, 12, 1))  # nearly 5 months before the purge
    left = date(2025, 1, 5)  # nearly 16 months before
    short_1 = person(centre_1, Status.WITHDRAWN, changed)
    short_2 = person(centre_2, Status.WITHDRAWN, changed)
    long_1 = person(centre_1, Status.PLACED, oslo(date(2024, 1, 1)))
    long_2 = person(centre_2, Status.PLACED, oslo(date(2024, 1, 1)))
    membership(plain_group(centre_1), long_1, left_on=left)
    membership(plain_group(centre_2), long_2, left_on=left)
    purge_at(night(date(2026, 4, 27)))
    # Centre 1: 3 months for ended applications (gone), 24 for past participants (kept).
    assert not exists(short_1)
    assert exists(long_1)
    # Centre 2 keeps the defaults: 6 months (kept) and 12 (gone).
    assert exists(short_2)
    assert not exists(long_2)


@pytest.mark.django_db
def test_the_centre_option_touches_no_other_centre(centre_1, centre_2):
    due_1 = person(centre_1, Status.WITHDRAWN, oslo(date(2025, 1, 1)))
    due_2 = person(centre_2, Status.WITHDRAWN, oslo(date(2025, 1, 1)))
    message(centre_2, NotificationState.SENT, oslo(date(2025, 1, 1)), "sor")
    message(None, NotificationState.SENT, oslo(date(2025, 1, 1)), "none")
    purge_at(night(date(2026, 4, 27)), "--centre", "nord")
    assert not exists(due_1)
    assert exists(due_2)
    assert Notification.objects.count() == 2
    assert RetentionRun.objects.get().scope == "nord"


@pytest.mark.django_db
def test_an_unknown_centre_is_refused(centre_1):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No centre with the short name 'nowhere'"):
        call_command("purge_personal_data", "--centre", "nowhere")


# Dry run, record, audit, second run ----------------------------------------------------------


@pytest.fixture
def due(centre_1, centre_2):
    """Two ended applications at centre 1, a past participant at centre 2, an old message."""
    kari = person(centre_1, Status.WITHDRAWN, oslo(date(2025, 6, 1)), first_name="Kari")
    nora = person(centre_1, Status.NOT_SUITABLE, oslo(date(2025, 7, 1)), first_name="Nora")
    ola = person(centre_2, Status.PLACED, oslo(date(2024, 1, 1)), first_name="Ola")
    membership(plain_group(centre_2), ola, left_on=date(2025, 2, 1))
    sent = message(centre_2, NotificationState.SENT, oslo(date(2025, 11, 1)), "old")
    keep = person(centre_1, Status.WAITING, oslo(date(2020, 1, 1)), first_name="Per")
    return {"kari": kari, "nora": nora, "ola": ola, "sent": sent, "keep": keep}


@pytest.mark.django_db
def test_a_dry_run_lists_counts_and_ids_and_removes_nothing(due):
    before = row_counts()
    audit_events = AuditEvent.objects.count()
    output = purge_at(night(date(2026, 4, 27)), "--dry-run")
    run = RetentionRun.objects.get()
    assert output.splitlines() == [
        "Dry run: nothing is removed.",
        f"{ENDED} at nord (6 months): would remove 2 — ids {due['kari'].pk}, {due['nora'].pk}",
        f"{PAST} at sor (12 months): would remove 1 — ids {due['ola'].pk}",
        f"{MESSAGES} at sor (3 months): would remove 1 — ids {due['sent'].pk}",
        f"Would remove 4 in all (retention run {run.pk}).",
    ]
    for name in ["Kari", "Nora", "Ola", "Hansen", "@example.no"]:
        assert name not in output
    after = row_counts()
    assert after.pop("core.RetentionRun") == before.pop("core.RetentionRun") + 1
    assert after == before
    assert AuditEvent.objects.count() == audit_events
    assert (run.dry_run, run.trigger, run.scope, run.total) == (True, "command", "", 4)
    assert run.counts == {ENDED: {"nord": 2}, PAST: {"sor": 1}, MESSAGES: {"sor": 1}}


@pytest.mark.django_db
def test_a_real_run_removes_exactly_the_selection_records_it_and_audits_each_rule(due):
    output = purge_at(night(date(2026, 4, 27)))
    run = RetentionRun.objects.get()
    assert output.splitlines()[-1] == f"Removed 4 in all (retention run {run.pk})."
    assert list(Application.objects.values_list("pk", flat=True)) == [due["keep"].pk]
    assert not Notification.objects.filter(pk=due["sent"].pk).exists()
    assert (run.dry_run, run.trigger, run.total) == (False, "command", 4)
    assert run.counts == {ENDED: {"nord": 2}, PAST: {"sor": 1}, MESSAGES: {"sor": 1}}
    assert run.finished_at is not None
    purged = AuditEvent.objects.filter(action="retention.purged").order_by("id")
    assert [(e.centre.slug, e.object_type, e.object_id, e.detail) for e in purged] == [
        ("nord", "core.retentionrun", str(run.pk), {"rule": ENDED, "count": 2, "months": 6}),
        ("sor", "core.retentionrun", str(run.pk), {"rule": PAST, "count": 1, "months": 12}),
        ("sor", "core.retentionrun", str(run.pk), {"rule": MESSAGES, "count": 1, "months": 3}),
    ]
    erased = AuditEvent.objects.filter(action="application.erased")
    assert sorted((e.object_id, e.detail["rule"], e.actor_id) for e in erased) == sorted(
        [
            (str(due["kari"].pk), ENDED, None),
            (str(due["nora"].pk), ENDED, None),
            (str(due["ola"].pk), PAST, None),
        ]
    )


@pytest.mark.django_db
def test_a_second_run_removes_nothing_more(due):
    purge_at(night(date(2026, 4, 27)))
    before = row_counts()
    output = purge_at(night(date(2026, 4, 27)))
    second = RetentionRun.objects.order_by("-id").first()
    assert output.splitlines() == [f"Removed 0 in all (retention run {second.pk})."]
    assert second.counts == {ENDED: {}, PAST: {}, MESSAGES: {}}
    after = row_counts()
    assert after.pop("core.RetentionRun") == before.pop("core.RetentionRun") + 1
    assert after == before


@pytest.mark.django_db
def test_the_nightly_task_runs_the_purge(due, settings):
    with time_machine.travel(night(date(2026, 4, 27)), tick=False):
        result = purge_personal_data.apply().get()
    run = RetentionRun.objects.get()
    assert result == {"run": run.pk, "removed": 4}
    assert (run.trigger, run.dry_run) == ("task", False)


def test_the_purge_is_scheduled_at_night_in_oslo(settings):
    job = settings.CELERY_BEAT_SCHEDULE["purge-personal-data"]
    assert job["task"] == "selvhjelp.purge_personal_data"
    assert job["schedule"] == crontab(hour=3, minute=30)
    assert settings.CELERY_TIMEZONE == "Europe/Oslo"


def test_runs_are_read_only_in_admin():
    from django.contrib import admin

    model_admin = RetentionRunAdmin(RetentionRun, admin.site)
    assert model_admin.has_add_permission(None) is False
    assert model_admin.has_change_permission(None) is False
    assert model_admin.has_delete_permission(None) is False


@pytest.mark.django_db
def test_runs_are_listed_in_admin(client, due):
    purge_at(night(date(2026, 4, 27)), "--dry-run")
    admin_user = get_user_model().objects.create_superuser("root", "root@example.no", "x" * 16)
    client.force_login(admin_user)
    response = client.get("/admin/core/retentionrun/")
    assert response.status_code == 200
    run = RetentionRun.objects.get()
    detail = client.get(f"/admin/core/retentionrun/{run.pk}/change/")
    assert detail.status_code == 200
    # A centre's own times are edited with the centre; blank shows which default applies.
    centre = Centre.objects.get(slug="nord")
    page = client.get(f"/admin/core/centre/{centre.pk}/change/").content.decode()
    for field in [
        "retention_ended_application_months",
        "retention_past_participant_months",
        "retention_finished_message_months",
    ]:
        assert f'name="{field}"' in page
    assert "Tomme felt bruker standardtidene: 6 måneder for avsluttede søknader, 12 for" in page


# Settings and the centre's fields ------------------------------------------------------------


def test_the_defaults_are_six_twelve_and_three_months(settings):
    assert settings.RETENTION_ENDED_APPLICATION_MONTHS == 6
    assert settings.RETENTION_PAST_PARTICIPANT_MONTHS == 12
    assert settings.RETENTION_FINISHED_MESSAGE_MONTHS == 3
    assert retention.check_defaults() == []


@override_settings(RETENTION_ENDED_APPLICATION_MONTHS=0, RETENTION_FINISHED_MESSAGE_MONTHS=13)
def test_a_default_out_of_bounds_fails_the_system_check():
    assert [(e.id, e.msg) for e in retention.check_defaults()] == [
        (
            "selvhjelp.E101",
            "RETENTION_ENDED_APPLICATION_MONTHS must be a whole number of months from 1 to 24, "
            "not 0.",
        ),
        (
            "selvhjelp.E101",
            "RETENTION_FINISHED_MESSAGE_MONTHS must be a whole number of months from 1 to 12, "
            "not 13.",
        ),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "refused", "allowed"),
    [
        ("retention_ended_application_months", [0, 25], [None, 1, 24]),
        ("retention_past_participant_months", [0, 37], [None, 1, 36]),
        ("retention_finished_message_months", [0, 13], [None, 1, 12]),
    ],
)
def test_the_database_refuses_a_centre_time_out_of_bounds(field, refused, allowed):
    centre = CentreFactory()
    for value in refused:
        with pytest.raises(IntegrityError), transaction.atomic():
            Centre.objects.filter(pk=centre.pk).update(**{field: value})
    for value in allowed:
        Centre.objects.filter(pk=centre.pk).update(**{field: value})
        centre.refresh_from_db()
        assert centre.retention_months(field) == (
            value
            or {
                "retention_ended_application_months": 6,
                "retention_past_participant_months": 12,
                "retention_finished_message_months": 3,
            }[field]
        )


@pytest.mark.django_db
def test_a_registered_rule_of_another_app_is_one_call_and_runs_with_the_others(
    monkeypatch, centre_1
):
    monkeypatch.setattr(retention, "_rules", dict(retention._rules))
    seen = []
    retention.register_rule(
        retention.RetentionRule(
            key="starters.example",
            label="example",
            setting="RETENTION_FINISHED_MESSAGE_MONTHS",
            select=lambda centre, today, months: (
                seen.append((centre.slug if centre else None, today, months))
                or Centre.objects.none()
            ),
            apply=lambda queryset: 0,
        )
    )
    purge_at(night(date(2026, 4, 27)), "--dry-run")
    assert seen == [("nord", date(2026, 4, 27), 3), (None, date(2026, 4, 27), 3)]
    assert RetentionRun.objects.get().counts["starters.example"] == {}


# The privacy notice tells the times that apply -----------------------------------------------


def _privacy(client) -> str:
    return " ".join(client.get("/personvern/").content.decode().split())


@pytest.mark.django_db
def test_the_privacy_notice_states_the_default_times(client, centre_1, centre_2):
    page = _privacy(client)
    assert "sletter vi den 6 måneder etterpå." in page
    assert "sletter vi alt om deg 12 måneder etter at du sluttet i gruppa" in page
    assert "3 måneder etter at de ble sendt." in page
    assert "Senteret ditt kan ha valgt andre tider" in page


@pytest.mark.django_db
def test_the_privacy_notice_follows_the_settings_and_the_centres_own_times(
    client, centre_1, settings
):
    settings.RETENTION_ENDED_APPLICATION_MONTHS = 4
    assert "sletter vi den 4 måneder etterpå." in _privacy(client)
    centre_1.retention_ended_application_months = 1
    centre_1.retention_past_participant_months = 18
    centre_1.save()
    page = _privacy(client)
    assert "sletter vi den 1 måned etterpå." in page
    assert "sletter vi alt om deg 18 måneder etter at du sluttet i gruppa" in page
    assert "Senteret ditt kan ha valgt andre tider" not in page


# The selection equals a plain statement of the rule, over random populations ---------------


TODAY = date(2026, 4, 27)
DONE = ["withdrawn", "not_suitable", "inactive", "placed"]


def plain_months_before(day: date, months: int) -> date:
    """Written apart from the module's: year and month first, then the day clipped."""
    year, month = day.year, day.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def a_day(draw, limit: date) -> date:
    """Any day in the last 2½ years, or one close to the limit (where mistakes hide)."""
    return draw(
        st.one_of(
            st.integers(-3, 3).map(lambda offset: limit + timedelta(days=offset)),
            st.integers(0, 900).map(lambda days: TODAY - timedelta(days=days)),
        )
    )


class TestTheSelectionIsTheRule(HypothesisTestCase):
    @hypothesis_settings(
        max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(data=st.data())
    def test_selected_equals_the_plain_rule(self, data):
        draw = data.draw
        centres = [
            CentreFactory(
                slug=f"c{n}",
                retention_ended_application_months=draw(st.none() | st.integers(1, 24)),
                retention_past_participant_months=draw(st.none() | st.integers(1, 36)),
                retention_finished_message_months=draw(st.none() | st.integers(1, 12)),
            )
            for n in range(2)
        ]
        ended_limits = [plain_months_before(TODAY, c.ended_application_months) for c in centres]
        past_limits = [plain_months_before(TODAY, c.past_participant_months) for c in centres]
        made_groups = []
        for n, centre in enumerate(centres):
            made = []
            for _ in range(3):
                status = draw(st.sampled_from([GroupStatus.ENDED, *GroupStatus.values]))
                ended_on = a_day(draw, past_limits[n]) if status == GroupStatus.ENDED else None
                made.append(plain_group(centre, status, ended_on))
            made_groups.append(made)

        expected = {ENDED: {0: set(), 1: set()}, PAST: {0: set(), 1: set()}}
        for _ in range(draw(st.integers(1, 10))):
            n = draw(st.integers(0, 1))
            # Weighted towards the statuses a rule can take, so both sides are often tried.
            status = draw(st.sampled_from([*DONE, *DONE, *Status.values]))
            changed = oslo(a_day(draw, ended_limits[n]), draw(st.integers(0, 23)))
            application = person(centres[n], status, changed)
            ends, unended = [], False
            in_groups = draw(st.booleans())
            for _ in range(draw(st.integers(1, 3)) if in_groups else 0):
                group = made_groups[n][draw(st.integers(0, 2))]
                still_in = draw(st.sampled_from([True, False, False, False, False]))
                left_on = None if still_in else a_day(draw, past_limits[n])
                if left_on is None and unended:
                    left_on = TODAY  # the database allows one unended membership a person
                unended = unended or left_on is None
                membership(group, application, left_on)
                ends.append(left_on or (group.ended_on if group.status == "ended" else None))
            open_offer = draw(st.sampled_from([False, False, False, False, True]))
            if open_offer:
                Offer.objects.create(
                    application=application,
                    group=made_groups[n][0],
                    status=OfferStatus.OPEN,
                    expires_at=oslo(TODAY + timedelta(days=3)),
                )
            # The rules, said plainly.
            if (
                status in {"withdrawn", "not_suitable", "inactive"}
                and not ends
                and changed.date() < ended_limits[n]
            ):
                expected[ENDED][n].add(application.pk)
            if (
                ends
                and status in DONE
                and not open_offer
                and None not in ends
                and max(ends) < past_limits[n]
            ):
                expected[PAST][n].add(application.pk)

        expected_messages = {0: set(), 1: set(), None: set()}
        for k in range(draw(st.integers(1, 5))):
            n = draw(st.sampled_from([0, 1, None]))
            centre = centres[n] if n is not None else None
            limit = plain_months_before(TODAY, centre.finished_message_months if centre else 3)
            state = draw(st.sampled_from(NotificationState.values))
            finished = oslo(a_day(draw, limit), draw(st.integers(0, 23)))
            row = message(centre, state, finished, f"m{k}")
            if state in {"sent", "failed", "cancelled"} and finished.date() < limit:
                expected_messages[n].add(row.pk)

        # Shown by --hypothesis-show-statistics: how often each rule had someone to take.
        for key in [ENDED, PAST]:
            event(f"{key} selects someone: {any(expected[key].values())}")
        event(f"{MESSAGES} selects some: {any(expected_messages.values())}")
        target(float(sum(len(ids) for rule in expected.values() for ids in rule.values())))
        for n, centre in enumerate(centres):
            assert selected(ENDED, centre, TODAY) == expected[ENDED][n]
            assert selected(PAST, centre, TODAY) == expected[PAST][n]
            assert selected(MESSAGES, centre, TODAY) == expected_messages[n]
        assert selected(MESSAGES, None, TODAY) == expected_messages[None]
        assert selected(ENDED, None, TODAY) == selected(PAST, None, TODAY) == set()
