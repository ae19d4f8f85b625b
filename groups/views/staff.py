"""Staff pages for groups, meetings, memberships and rooms (/stab/grupper/, /stab/rom/).

Staff see only their own centres' groups and rooms; anything of another centre is a 404.
Pages are never cached. Every change goes through groups.services; a rule that stops it
comes back as a GroupError whose text is shown as it is. Changes are POST only, and bad
input gives a message and changes nothing.
"""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from groups import services
from groups.enums import GroupStatus, LeaveReason, MeetingStatus
from groups.forms import (
    CancelMeetingForm,
    EndForm,
    GroupForm,
    LeaveForm,
    MoveMeetingForm,
    OpeningForm,
    PatternForm,
    PlaceForm,
    RoomForm,
    form_errors,
    show_date,
    weekday_label,
)
from groups.models import AbsenceNotice, Group, Meeting, Membership, Offer, Room
from selvhjelp import audit, registry
from selvhjelp.models import Centre, Theme
from selvhjelp.permissions import staff_centre_ids, staff_centres, staff_required

ENDED_SHOWN = 50  # the most recently ended groups on the list
NOTICES_SHOWN = 50
# The meetings tab lists the meetings around today; ?vis=alle lists the whole series.
MEETINGS_HELD_SHOWN = 3
MEETINGS_COMING_SHOWN = 10
ALL_MEETINGS = ("vis", "alle")

PERSON_FIELDS = ["application", "application__first_name", "application__last_name"]


def _centres(request) -> list[Centre]:
    return staff_centres(request)


def _groups(request):
    return Group.objects.filter(centre_id__in=staff_centre_ids(request))


def _group_for(request, pk, *, seats=False) -> Group:
    queryset = _groups(request).select_related("centre", "room", "theme")
    if seats:
        queryset = queryset.with_seats(timezone.now())
    group = get_object_or_404(queryset, pk=pk)
    if group.room is not None and group.room.centre_id == group.centre_id:
        # The room's centre is the group's: no second join of the wide centre row.
        Room.centre.field.set_cached_value(group.room, group.centre)
    return group.with_seat_flags() if seats else group


def _meeting_for(request, pk) -> Meeting:
    return get_object_or_404(
        Meeting.objects.filter(group__in=_groups(request)).select_related("group__centre", "room"),
        pk=pk,
    )


def _group_url(group_id, anchor="") -> str:
    url = reverse("staff-group", args=[group_id])
    return f"{url}#{anchor}" if anchor else url


def _meeting_url(meeting) -> str:
    """The meeting's row on its group's meetings tab, which then lists every meeting: a
    meeting far ahead is not among those shown around today."""
    url = reverse("staff-group-meetings", args=[meeting.group_id])
    return f"{url}?{'='.join(ALL_MEETINGS)}#meeting-{meeting.pk}"


def _around_today(meetings: list, now) -> list:
    """The last few held meetings and the next coming ones, in time order."""
    held = [m for m in meetings if m.starts_at <= now]
    coming = meetings[len(held) :]
    return held[-MEETINGS_HELD_SHOWN:] + coming[:MEETINGS_COMING_SHOWN]


def _refused(request, form) -> None:
    messages.error(request, _("Nothing was changed: %(errors)s") % {"errors": form_errors(form)})


def _slot(group: Group) -> str:
    return _("%(weekday)s at %(time)s") % {
        "weekday": weekday_label(group.weekday),
        "time": group.start_time.strftime("%H:%M"),
    }


# The list of groups -------------------------------------------------------------------------


@staff_required
@never_cache
def group_list(request):
    centres = _centres(request)
    now = timezone.now()
    base = (
        Group.objects.filter(centre__in=centres)
        .select_related("centre", "room", "theme")
        .with_seats(now)
    )
    current = [group.with_seat_flags() for group in base.exclude(status=GroupStatus.ENDED)]
    ended = [
        group.with_seat_flags()
        for group in base.filter(status=GroupStatus.ENDED).order_by("-ended_on", "name")[
            :ENDED_SHOWN
        ]
    ]
    for group in current + ended:
        group.slot = _slot(group)
    context = {
        "forming": [g for g in current if g.status == GroupStatus.FORMING],
        "running": [g for g in current if g.status in GroupStatus.running()],
        "ended": ended,
        "ended_shown": ENDED_SHOWN,
        "several_centres": len(centres) > 1,
    }
    return render(request, "groups/staff/group_list.html", context)


@staff_required
@never_cache
def group_new(request):
    centres = _centres(request)
    rooms = list(
        Room.objects.filter(centre__in=centres).active().select_related("centre").order_by("name")
    )
    themes = list(
        Theme.objects.active()
        .filter(centre__in=centres)
        .select_related("centre")
        .order_by("centre__name", "name")
    )
    form = GroupForm(request.POST or None, centres=centres, rooms=rooms, themes=themes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            group = services.create_group(
                data["centre"],
                name=data["name"],
                room=data["room"],
                weekday=data["weekday"],
                start_time=data["start_time"],
                start_date=data["start_date"],
                theme=data["theme_obj"],
                language=data["language"],
                meeting_minutes=data["meeting_minutes"],
                opening_minutes=data["opening_minutes"],
                staff=request.user,
                request=request,
            )
        except services.GroupError as refused:
            form.add_error(None, str(refused))
        else:
            count = group.meetings.count()
            messages.success(
                request,
                _("The group “%(name)s” has been created with %(count)s planned meetings.")
                % {"name": group.name, "count": count},
            )
            return redirect("staff-group", pk=group.pk)
    return render(
        request,
        "groups/staff/group_form.html",
        {"form": form, "several_centres": len(centres) > 1, "has_rooms": bool(rooms)},
    )


# One group ----------------------------------------------------------------------------------


def group_tabs(group: Group, current: str) -> list[dict]:
    """The tabs every page of a group shows: its overview, its meetings, the candidates
    while it can take people in, and the tabs apps to the right register (starters)."""
    tabs = [
        ("overview", pgettext("group tab", "Overview"), reverse("staff-group", args=[group.pk])),
        (
            "meetings",
            pgettext("group tab", "Meetings"),
            reverse("staff-group-meetings", args=[group.pk]),
        ),
    ]
    if group.status != GroupStatus.ENDED:
        tabs.append(
            (
                "candidates",
                pgettext("group tab", "Candidates"),
                reverse("staff-group-candidates", args=[group.pk]),
            )
        )
    tabs += [
        (s.key, s.label, reverse("staff-group-tab", args=[group.pk, s.slug]))
        for s in registry.group_sections()
    ]
    return [
        {"key": key, "label": label, "url": url, "current": key == current}
        for key, label, url in tabs
    ]


def _group_page(request, group: Group, tab: str, template: str, context: dict):
    context = {"group": group, "slot": _slot(group), "tabs": group_tabs(group, tab), **context}
    return render(request, template, context)


@staff_required
@never_cache
def group_detail(request, pk):
    """The group's overview: its facts, members, offers and the decisions about it."""
    group = _group_for(request, pk, seats=True)
    now = timezone.now()
    memberships = list(
        group.memberships.select_related("application").only(
            "group",
            "joined_on",
            "left_on",
            "leave_reason",
            "confidentiality_signed_on",
            *PERSON_FIELDS,
        )
    )
    offers = list(
        group.offers.open()
        .select_related("application")
        .only("group", "status", "created_at", "expires_at", *PERSON_FIELDS)
        .order_by("expires_at", "id")
    )
    for offer in offers:
        offer.lapsed = offer.expires_at <= now
    running = group.status in GroupStatus.running()
    context = {
        "members": [m for m in memberships if m.left_on is None],
        "former": [m for m in memberships if m.left_on is not None],
        "offers": offers,
        "openings": list(group.openings.all()[:5]) if running else [],
        "accepting": group.status in GroupStatus.accepting(),
        "running": running,
        "ended": group.status == GroupStatus.ENDED,
        "opening_form": OpeningForm(initial={"decided_on": timezone.localdate()}),
        "end_form": EndForm(initial={"ended_on": timezone.localdate()}),
    }
    return _group_page(request, group, "overview", "groups/staff/group_detail.html", context)


@staff_required
@never_cache
def group_meetings(request, pk):
    """The group's meetings around today (or, with ?vis=alle, the whole series) and the
    members' absence notices."""
    group = _group_for(request, pk)
    now = timezone.now()
    meetings = list(group.meetings.select_related("room").order_by("starts_at", "index"))
    every_meeting = request.GET.get(ALL_MEETINGS[0]) == ALL_MEETINGS[1]
    around_today = _around_today(meetings, now)
    shown = meetings if every_meeting else around_today
    for meeting in shown:
        meeting.is_past = meeting.starts_at <= now
        meeting.other_room = meeting.room_id != group.room_id
    notices = list(
        AbsenceNotice.objects.filter(membership__group=group)
        .select_related("membership__application", "meeting")
        .order_by("-created_at", "-id")
        .only(
            "kind",
            "created_at",
            "membership",
            "membership__application",
            "membership__application__first_name",
            "meeting",
            "meeting__starts_at",
        )[:NOTICES_SHOWN]
    )
    context = {
        "meetings": shown,
        "meetings_total": len(meetings),
        "meetings_hidden": len(meetings) - len(shown),
        "every_meeting": every_meeting and len(meetings) > len(around_today),
        "all_meetings_query": "=".join(ALL_MEETINGS),
        "notices": notices,
        "ended": group.status == GroupStatus.ENDED,
    }
    return _group_page(request, group, "meetings", "groups/staff/group_meetings.html", context)


@staff_required
@never_cache
def group_tab(request, pk, tab):
    """A tab an app to the right registers (selvhjelp.registry.GroupSection)."""
    section = registry.group_section(tab)
    if section is None:
        raise Http404
    group = _group_for(request, pk)
    meetings = list(group.meetings.order_by("starts_at", "index"))
    context = {"section": section.context(group, request, meetings), "template": section.template}
    return _group_page(request, group, section.key, "groups/staff/group_tab.html", context)


@staff_required
@never_cache
def group_edit(request, pk):
    group = _group_for(request, pk)
    if group.status == GroupStatus.ENDED:
        messages.error(request, _("The group has ended; its meetings can no longer be changed."))
        return redirect("staff-group", pk=group.pk)
    rooms = list(Room.objects.for_centre(group.centre_id).active().order_by("name"))
    form = PatternForm(request.POST or None, group=group, rooms=rooms)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_pattern(group, staff=request.user, request=request, **form.changes())
        except services.BadPattern:
            form.add_error(
                None,
                _(
                    "The meetings could not be planned with these times. Check the weekday "
                    "and the dates, or ask for help."
                ),
            )
        except services.GroupError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("The meeting times have changed from %(date)s. The members have been told.")
                % {"date": show_date(form.cleaned_data["from_date"])},
            )
            return redirect(reverse("staff-group-meetings", args=[group.pk]) + "#meetings")
    return render(
        request,
        "groups/staff/group_edit.html",
        {"group": group, "form": form, "slot": _slot(group)},
    )


@staff_required
@never_cache
@require_POST
def place(request, pk):
    group = _group_for(request, pk)
    form = PlaceForm(request.POST, group=group)
    if not form.is_valid():
        _refused(request, form)
        return redirect(_group_url(group.pk, "place"))
    application = form.cleaned_data["application"]
    try:
        offer = services.place_applicant(group, application, staff=request.user, request=request)
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _(
                "%(name)s has been offered a place and has until %(date)s to answer on their "
                "own page."
            )
            % {
                "name": f"{application.first_name} {application.last_name}",
                "date": show_date(timezone.localtime(offer.expires_at).date()),
            },
        )
    return redirect(_group_url(group.pk, "offers"))


@staff_required
@never_cache
@require_POST
def record_opening(request, pk):
    group = _group_for(request, pk)
    form = OpeningForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return redirect(_group_url(group.pk, "closed-rule"))
    try:
        services.record_opening(
            group,
            decided_on=form.cleaned_data["decided_on"],
            reason=form.cleaned_data["reason"],
            staff=request.user,
            request=request,
        )
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("The group's decision is recorded. It is open for new members until you close it."),
        )
    return redirect(_group_url(group.pk, "closed-rule"))


@staff_required
@never_cache
@require_POST
def close_again(request, pk):
    group = _group_for(request, pk)
    try:
        services.close_again(group, staff=request.user, request=request)
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("The group is closed again."))
    return redirect(_group_url(group.pk, "closed-rule"))


@staff_required
@never_cache
@require_POST
def end_group(request, pk):
    group = _group_for(request, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return redirect(_group_url(group.pk, "end"))
    try:
        services.end_group(
            group, ended_on=form.cleaned_data["ended_on"], staff=request.user, request=request
        )
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("The group has ended. Its members have left it, and later meetings are cancelled."),
        )
    return redirect("staff-group", pk=group.pk)


# Printables ---------------------------------------------------------------------------------


@staff_required
@never_cache
def declaration(request, pk):
    group = _group_for(request, pk)
    first_names = list(
        group.memberships.active()
        .order_by("joined_on", "id")
        .values_list("application__first_name", flat=True)
    )
    empty_lines = max(group.max_size - len(first_names), 0)
    return render(
        request,
        "groups/staff/declaration.html",
        {
            "group": group,
            "first_names": first_names,
            "empty_lines": range(empty_lines),
            "written": group.centre.written_confidentiality,
        },
    )


@staff_required
@never_cache
def participant_list(request, pk):
    group = _group_for(request, pk)
    members = list(
        group.memberships.active()
        .select_related("application")
        .only("group", "joined_on", *PERSON_FIELDS, "application__phone", "application__email")
        .order_by("application__first_name", "application__last_name", "id")
    )
    meetings = list(group.meetings.planned().select_related("room").order_by("starts_at", "index"))
    for meeting in meetings:
        meeting.other_room = meeting.room_id != group.room_id
    return render(
        request,
        "groups/staff/participant_list.html",
        {"group": group, "slot": _slot(group), "members": members, "meetings": meetings},
    )


# Meetings -----------------------------------------------------------------------------------


def _meeting_closed(request, meeting) -> bool:
    if meeting.group.status == GroupStatus.ENDED:
        messages.error(request, _("The group has ended; its meetings can no longer be changed."))
        return True
    return False


@staff_required
@never_cache
def meeting_detail(request, pk):
    """One meeting, with the forms to move or cancel it (kept off the meetings tab, which
    lists half a year of meetings)."""
    meeting = _meeting_for(request, pk)
    group = meeting.group
    changeable = (
        meeting.status == MeetingStatus.PLANNED
        and meeting.starts_at > timezone.now()
        and group.status != GroupStatus.ENDED
    )
    rooms = list(Room.objects.for_centre(group.centre_id).active().order_by("name"))
    return render(
        request,
        "groups/staff/meeting_detail.html",
        {
            "meeting": meeting,
            "rooms": rooms,
            "changeable": changeable,
            "back": _meeting_url(meeting),
        },
    )


@staff_required
@never_cache
@require_POST
def meeting_cancel(request, pk):
    meeting = _meeting_for(request, pk)
    back = _meeting_url(meeting)
    if _meeting_closed(request, meeting):
        return redirect(back)
    form = CancelMeetingForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return redirect(back)
    if meeting.status == MeetingStatus.CANCELLED:
        messages.info(request, _("The meeting was already cancelled."))
        return redirect(back)
    try:
        services.cancel_meeting(
            meeting, staff=request.user, note=form.cleaned_data["note"], request=request
        )
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("The meeting on %(date)s is cancelled. The members have been told.")
            % {"date": show_date(meeting.local_date)},
        )
    return redirect(back)


@staff_required
@never_cache
@require_POST
def meeting_move(request, pk):
    meeting = _meeting_for(request, pk)
    back = _meeting_url(meeting)
    if _meeting_closed(request, meeting):
        return redirect(back)
    form = MoveMeetingForm(request.POST, centre_id=meeting.group.centre_id)
    if not form.is_valid():
        _refused(request, form)
        return redirect(back)
    data = form.cleaned_data
    try:
        services.move_meeting(
            meeting,
            day=data["day"],
            start_time=data["start_time"],
            room=data["room"],
            note=data["note"],
            staff=request.user,
            request=request,
        )
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("The meeting has moved to %(date)s at %(time)s. The members have been told.")
            % {"date": show_date(data["day"]), "time": data["start_time"].strftime("%H:%M")},
        )
    return redirect(back)


# Offers and memberships ---------------------------------------------------------------------


@staff_required
@never_cache
@require_POST
def offer_withdraw(request, pk):
    offer = get_object_or_404(
        Offer.objects.filter(group__in=_groups(request)).select_related("application"), pk=pk
    )
    try:
        services.withdraw_offer(offer, staff=request.user, request=request)
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("The offer to %(name)s is withdrawn; they are back on the waiting list.")
            % {"name": offer.application.first_name},
        )
    return redirect(_group_url(offer.group_id, "offers"))


def _membership_for(request, pk) -> Membership:
    return get_object_or_404(
        Membership.objects.filter(group__in=_groups(request)).select_related("application"),
        pk=pk,
    )


@staff_required
@never_cache
def membership_leave(request, pk):
    """Record that a member has left, and why: a page of its own, asked from the members'
    table of the group's overview."""
    membership = _membership_for(request, pk)
    back = _group_url(membership.group_id, "members")
    if membership.left_on is not None:
        messages.info(request, _("%(name)s has already left the group.") % _name(membership))
        return redirect(back)
    if request.method != "POST":
        group = Group.objects.only("name").get(pk=membership.group_id)
        context = {"membership": membership, "group": group, "form": LeaveForm(), "back": back}
        return render(request, "groups/staff/membership_leave.html", context)
    form = LeaveForm(request.POST)
    if not form.is_valid():
        _refused(request, form)
        return redirect("staff-membership-leave", pk=membership.pk)
    try:
        services.leave_group(
            membership,
            reason=form.cleaned_data["reason"],
            left_on=form.cleaned_data["left_on"],
            staff=request.user,
            request=request,
        )
    except services.GroupError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(name)s has left the group. Reason: %(reason)s.")
            % {**_name(membership), "reason": LeaveReason(form.cleaned_data["reason"]).label},
        )
    return redirect(back)


def _name(membership) -> dict:
    person = membership.application
    return {"name": f"{person.first_name} {person.last_name}"}


@staff_required
@never_cache
@require_POST
def membership_signed(request, pk):
    membership = _membership_for(request, pk)
    back = _group_url(membership.group_id, "members")
    if membership.confidentiality_signed_on is not None:
        messages.info(request, _("The signature was already recorded."))
        return redirect(back)
    if membership.left_on is not None:
        messages.error(request, _("%(name)s has left the group.") % _name(membership))
        return redirect(back)
    services.record_signature(
        membership, signed_on=timezone.localdate(), staff=request.user, request=request
    )
    messages.success(
        request,
        _("%(name)s signed the confidentiality declaration today.") % _name(membership),
    )
    return redirect(back)


# Rooms --------------------------------------------------------------------------------------


@staff_required
@never_cache
def room_list(request):
    centres = _centres(request)
    rooms = list(
        Room.objects.filter(centre__in=centres)
        .select_related("centre")
        .order_by("-is_active", "centre__name", "name")
    )
    return render(
        request,
        "groups/staff/room_list.html",
        {"rooms": rooms, "several_centres": len(centres) > 1},
    )


def _save_room(request, form, *, created: bool):
    """Save the room; a name taken in the same instant comes back as a form error."""
    try:
        with transaction.atomic():
            room = form.save()
            audit.record(
                "room.created" if created else "room.changed",
                request=request,
                centre=room.centre,
                obj=room,
            )
    except IntegrityError:
        form.add_error(
            "name",
            _("The centre already has a room called “%(name)s”.")
            % {"name": form.cleaned_data["name"]},
        )
        return None
    return room


@staff_required
@never_cache
def room_new(request):
    centres = _centres(request)
    form = RoomForm(request.POST or None, centres=centres, initial={"capacity": 10})
    if request.method == "POST" and form.is_valid():
        room = _save_room(request, form, created=True)
        if room is not None:
            messages.success(request, _("The room “%(name)s” is saved.") % {"name": room.name})
            return redirect("staff-rooms")
    return render(
        request, "groups/staff/room_form.html", {"form": form, "room": None, "room_name": ""}
    )


@staff_required
@never_cache
def room_edit(request, pk):
    room = get_object_or_404(
        Room.objects.filter(centre_id__in=staff_centre_ids(request)).select_related("centre"),
        pk=pk,
    )
    name = room.name  # the form changes the instance while it validates
    form = RoomForm(request.POST or None, instance=room, centres=[room.centre])
    if request.method == "POST" and form.is_valid():
        saved = _save_room(request, form, created=False)
        if saved is not None:
            messages.success(request, _("The room “%(name)s” is saved.") % {"name": saved.name})
            return redirect("staff-rooms")
    return render(
        request, "groups/staff/room_form.html", {"form": form, "room": room, "room_name": name}
    )
