"""Staff pages for starters (/stab/igangsettere/) and the starters block on a group's page.

Staff see the starters of their own centres and assign them to their own centres' groups;
anything of another centre is a 404. Every change goes through starters.services; a rule
that stops it comes back as a StarterError whose text is shown as it is. Changes are POST
only, and bad input gives a message and changes nothing.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from groups.enums import GroupStatus
from groups.forms import form_errors
from groups.models import Group
from intake.forms.staff import availability_summary
from selvhjelp.models import Centre
from selvhjelp.permissions import staff_centre_ids, staff_required
from starters import services
from starters.enums import AssignmentStatus
from starters.forms import ChooseStarterForm, InviteForm, StarterForm
from starters.models import Assignment, Starter

ASSIGNMENTS_SHOWN = 50  # the latest assignments on a starter's page


def _centres(request):
    # A queryset: the starter form's centre field chooses from it.
    return Centre.objects.filter(pk__in=staff_centre_ids(request)).order_by("name")


def _starter_for(request, pk) -> Starter:
    return get_object_or_404(Starter.objects.for_staff(request.user).select_related("user"), pk=pk)


def _group_for(request, pk) -> Group:
    return get_object_or_404(
        Group.objects.filter(centre_id__in=staff_centre_ids(request)).select_related("centre"),
        pk=pk,
    )


def _assignment_for(request, pk) -> Assignment:
    return get_object_or_404(
        Assignment.objects.filter(group__centre_id__in=staff_centre_ids(request)).select_related(
            "group__centre", "starter__user"
        ),
        pk=pk,
    )


GROUP_TAB = "igangsettere"  # the path segment of a group's starters tab


def _group_url(group_id) -> str:
    return reverse("staff-group-tab", args=[group_id, GROUP_TAB])


# The list of starters and the gaps in coverage ------------------------------------------------


def _holding_by_starter(centres) -> dict[int, list[Assignment]]:
    """Each starter's current assignments in these centres' groups (one query)."""
    holding: dict[int, list[Assignment]] = {}
    assignments = (
        Assignment.objects.holding()
        .filter(group__centre__in=centres)
        .exclude(group__status=GroupStatus.ENDED)
        .select_related("group")
        .only("starter_id", "status", "group__name", "group__start_date", "group__status")
        .order_by("group__start_date", "group__name", "pk")
    )
    for assignment in assignments:
        holding.setdefault(assignment.starter_id, []).append(assignment)
    return holding


@staff_required
@never_cache
def starter_list(request):
    centres = list(_centres(request))
    today = timezone.localdate()
    holding = _holding_by_starter(centres)
    overview = []
    for centre in centres:
        covered = services.coverage(centre, today=today)
        starters = []
        for load in covered["starters"]:
            starter = load.starter
            starters.append(
                {
                    "starter": starter,
                    "bookings": load.bookings,
                    "groups": load.groups,
                    "availability": availability_summary(starter.availability_mask),
                    "assignments": holding.get(starter.pk, []),
                }
            )
        overview.append({"centre": centre, "coverage": covered, "starters": starters})
    context = {"overview": overview, "several_centres": len(centres) > 1}
    return render(request, "starters/staff/starter_list.html", context)


@staff_required
@never_cache
def starter_new(request):
    centres = _centres(request)
    form = InviteForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        try:
            starter = services.invite_starter(
                form.cleaned_data["centre"],
                **form.invitation(),
                staff=request.user,
                request=request,
            )
        except services.StarterError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _(
                    "%(name)s is now a starter at %(centre)s. An invitation with a link to "
                    "choose a password is on its way to %(email)s."
                )
                % {
                    "name": starter.name,
                    "centre": form.cleaned_data["centre"].name,
                    "email": starter.user.email,
                },
            )
            return redirect("staff-starter", pk=starter.pk)
    return render(request, "starters/staff/starter_new.html", {"form": form})


@staff_required
@never_cache
def starter_edit(request, pk):
    starter = _starter_for(request, pk)
    form = StarterForm(request.POST or None, starter=starter)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_starter(starter, staff=request.user, request=request, **form.changes())
            services.set_active(starter, form.active, staff=request.user, request=request)
        except services.StarterError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, _("The profile of %(name)s is saved.") % {"name": starter.name}
            )
            return redirect("staff-starter", pk=starter.pk)
    assignments = list(
        Assignment.objects.filter(starter=starter, group__centre__in=_centres(request))
        .select_related("group")
        .order_by("-created_at", "-pk")[:ASSIGNMENTS_SHOWN]
    )
    context = {
        "starter": starter,
        "form": form,
        "assignments": assignments,
        "assignments_shown": ASSIGNMENTS_SHOWN,
    }
    return render(request, "starters/staff/starter_edit.html", context)


# The starters tab of a group ---------------------------------------------------------------


def group_section(group, request, meetings) -> dict:
    """Context of the group's "Starters" tab, /stab/grupper/<pk>/igangsettere/ (registered
    in apps.py). `meetings` are the group's meetings the page has loaded already."""
    assignments = list(
        group.starter_assignments.select_related("starter__user").order_by("created_at", "pk")
    )
    replaced = {a.replaces_id for a in assignments if a.replaces_id}
    holding = [a for a in assignments if a.status in AssignmentStatus.holding()]
    needed = group.centre.starters_per_group
    ended = group.status == GroupStatus.ENDED
    can_assign = not ended and len(holding) < needed
    for assignment in assignments:
        assignment.waiting_for_replacement = (
            assignment.status == AssignmentStatus.DECLINED and assignment.pk not in replaced
        )
    # The centre's starters are only needed for a form on the block: asking one more (with
    # suggestions), or replacing someone (names only). An ended group loads none.
    replaceable = any(
        a.waiting_for_replacement or a.status in AssignmentStatus.holding() for a in assignments
    )
    starters, suggestions = [], []
    if can_assign:
        starters = services.centre_starters(group)
        if starters:
            suggestions = services.suggest_starters(group, meetings=meetings, starters=starters)
    elif needed and replaceable and not ended:
        starters = (
            Starter.objects.for_centre(group.centre_id)
            .active()
            .select_related("user")
            .only("user", "user__first_name", "user__last_name", "user__username")
            .order_by("user__first_name", "user__last_name", "pk")
        )
    asked = {a.starter_id for a in holding}
    return {
        "group": group,
        "assignments": assignments,
        "holding": len(holding),
        "needed": needed,
        "short": len(holding) < needed,
        "ended": ended,
        "can_assign": can_assign,
        "suggestions": suggestions,
        "choices": [starter for starter in starters if starter.pk not in asked],
    }


def _refused(request, form) -> None:
    messages.error(request, _("Nothing was changed: %(errors)s") % {"errors": form_errors(form)})


@staff_required
@never_cache
@require_POST
def assign(request, pk):
    group = _group_for(request, pk)
    form = ChooseStarterForm(request.POST, centre=group.centre)
    if not form.is_valid():
        _refused(request, form)
        return redirect(_group_url(group.pk))
    starter = form.cleaned_data["starter"]
    try:
        services.assign_starter(group, starter, staff=request.user, request=request)
    except services.StarterError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(name)s has been asked to start the group and gets a message with the dates.")
            % {"name": starter.name},
        )
    return redirect(_group_url(group.pk))


@staff_required
@never_cache
@require_POST
def invite_again(request, pk):
    """A new link to choose a password, when the invitation was lost or has expired, or the
    password is forgotten."""
    starter = _starter_for(request, pk)
    try:
        services.resend_invitation(starter, staff=request.user, request=request)
    except services.StarterError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(name)s gets a new link to choose a password, sent to %(email)s.")
            % {"name": starter.name, "email": starter.user.email},
        )
    return redirect("staff-starter", pk=starter.pk)


@staff_required
@never_cache
@require_POST
def release(request, pk):
    assignment = _assignment_for(request, pk)
    try:
        services.release_assignment(assignment, staff=request.user, request=request)
    except services.StarterError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(name)s no longer starts the group. Their coming meetings are released.")
            % {"name": assignment.starter.name},
        )
    return redirect(_group_url(assignment.group_id))


@staff_required
@never_cache
@require_POST
def replace(request, pk):
    assignment = _assignment_for(request, pk)
    form = ChooseStarterForm(request.POST, centre=assignment.group.centre)
    if not form.is_valid():
        _refused(request, form)
        return redirect(_group_url(assignment.group_id))
    new_starter = form.cleaned_data["starter"]
    try:
        services.replace_starter(assignment, new_starter, staff=request.user, request=request)
    except services.StarterError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            _("%(new)s takes over from %(old)s and is asked to come to the coming meetings.")
            % {"new": new_starter.name, "old": assignment.starter.name},
        )
    return redirect(_group_url(assignment.group_id))
