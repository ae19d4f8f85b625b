"""The starter area (/igangsetter/): sign-in, my schedule, answers, the calendar, the kit.

A starter sees only their own assignments and the meetings they attend: times, rooms,
group names and how many are expected. Participants' first names appear only in the
opening-meeting kit; nothing any applicant wrote, and no contact details, anywhere. Another
starter's assignment or a group the starter was never asked to start is a 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from groups.enums import MeetingStatus
from groups.models import Group
from groups.public_section import describe_slot
from selvhjelp import outbox
from selvhjelp.permissions import public
from starters import services
from starters.enums import AssignmentStatus
from starters.forms import StarterLoginForm, WelcomePasswordForm
from starters.models import Assignment, Booking
from starters.permissions import starter_for, starter_required
from starters.views.common import (
    KIND_LABELS,
    describe,
    meeting_kind,
    shown_bookings,
    unique_meetings,
    with_meeting,
)

UPCOMING_SHOWN = 60
PAST_SHOWN = 20
KIT_WEEKS = 12  # the meeting dates in the kit: the participants' first twelve weeks
# The kit (with first names) is for a starter asked to start the group, or who said yes and
# was later released; not for one who declined or was taken off before answering.
KIT_ASSIGNMENTS = Q(status__in=AssignmentStatus.holding()) | Q(
    status=AssignmentStatus.RELEASED, answered_at__isnull=False
)


# Signing in ---------------------------------------------------------------------------------


class StarterLoginView(auth_views.LoginView):
    template_name = "starters/starter/login.html"
    authentication_form = StarterLoginForm
    next_page = reverse_lazy("starter-schedule")


class StarterLogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("starter-login")


class WelcomeView(auth_views.PasswordResetConfirmView):
    """The invitation link: the starter chooses their password once, and is signed in.

    Django's reset flow: the token moves into the session and out of the address, and it
    stops working once the password is set (the token covers the password hash).
    """

    template_name = "starters/starter/welcome.html"
    form_class = WelcomePasswordForm
    post_reset_login = True
    success_url = reverse_lazy("starter-schedule")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        # Only starter accounts: this link never sets a staff member's password.
        return user if user is not None and starter_for(user) is not None else None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["username"] = self.user.get_username() if self.validlink else ""
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        messages.success(
            self.request,
            _("Welcome! Your password is saved. Here you will find the groups you start."),
        )
        return response


starter_login = public(StarterLoginView.as_view())
starter_logout = public(StarterLogoutView.as_view())
welcome = public(WelcomeView.as_view())


# My schedule --------------------------------------------------------------------------------


def _pending(starter) -> list[dict]:
    """Assignments waiting for the starter's answer, with the meetings they would attend."""
    assignments = (
        Assignment.objects.filter(starter=starter, status=AssignmentStatus.PENDING)
        .select_related("group__centre", "group__room__centre")
        .prefetch_related(
            Prefetch(
                "bookings",
                queryset=Booking.objects.active()
                .select_related("meeting")
                .order_by("starts_at", "pk"),
                to_attr="active_bookings",
            )
        )
        .order_by("group__start_date", "pk")
    )
    shown = []
    for assignment in assignments:
        group = assignment.group
        shown.append(
            {
                "pk": assignment.pk,
                "group_id": group.pk,
                "group_name": group.name,
                "centre": group.centre,
                "slot": describe_slot(group),
                "room_name": group.room.name if group.room else "",
                "address": group.room.address if group.room else "",
                "start_date": group.start_date,
                "meetings": [
                    {
                        "starts_at": booking.meeting.starts_at,
                        "ends_at": booking.meeting.ends_at,
                        "kind_label": KIND_LABELS[meeting_kind(booking.meeting)],
                    }
                    for booking in assignment.active_bookings
                ],
            }
        )
    return shown


@starter_required
@never_cache
def schedule(request):
    starter = request.starter
    now = timezone.now()
    bookings = with_meeting(shown_bookings(starter), now)
    upcoming = unique_meetings(
        bookings.filter(
            meeting__ends_at__gt=now, assignment__status=AssignmentStatus.ACCEPTED
        ).order_by("meeting__starts_at", "pk")[:UPCOMING_SHOWN]
    )
    past = unique_meetings(
        bookings.filter(
            meeting__ends_at__lte=now, is_active=True, meeting__status=MeetingStatus.PLANNED
        ).order_by("-meeting__starts_at", "-pk")[:PAST_SHOWN]
    )
    upcoming = [describe(booking, now) for booking in upcoming]
    context = {
        "starter": starter,
        "pending": _pending(starter),
        "upcoming": upcoming,
        "changed": [m for m in upcoming if m["cancelled"] or m["moved_from"]],
        "past": [describe(booking, now) for booking in reversed(past)],
        "past_shown": PAST_SHOWN,
    }
    return render(request, "starters/starter/schedule.html", context)


@starter_required
@never_cache
@require_POST
def answer(request, pk):
    assignment = (
        Assignment.objects.filter(pk=pk, starter=request.starter).select_related("group").first()
    )
    if assignment is None:
        raise Http404
    choice = request.POST.get("answer")
    name = assignment.group.name
    try:
        if choice == "accept":
            services.accept_assignment(assignment, user=request.user, request=request)
            messages.success(
                request,
                _("Thank you for starting “%(name)s”! The meetings are in your schedule below.")
                % {"name": name},
            )
        elif choice == "decline":
            services.decline_assignment(assignment, user=request.user, request=request)
            messages.info(
                request,
                _(
                    "Thank you for letting us know. The centre will find another starter for "
                    "“%(name)s”."
                )
                % {"name": name},
            )
        else:
            messages.error(request, _("Choose yes or no."))
    except services.StarterError as error:
        messages.error(request, str(error))
    return redirect("starter-schedule")


# The calendar feed --------------------------------------------------------------------------


def feed_url(starter) -> str:
    """The feed's address on SITE_URL (as in messages), always without a language prefix:
    the feed speaks the starter's own language."""
    with translation.override(settings.LANGUAGE_CODE):
        return outbox.absolute(reverse("starter-feed", args=[starter.calendar_token]))


@starter_required
@never_cache
def calendar(request):
    url = feed_url(request.starter)
    context = {
        "feed_url": url,
        "webcal_url": "webcal://" + url.split("://", 1)[1],
    }
    return render(request, "starters/starter/calendar.html", context)


@starter_required
@never_cache
@require_POST
def calendar_reset(request):
    services.reset_calendar_token(request.starter, request=request)
    messages.success(
        request,
        _(
            "Your calendar has a new address. The old one has stopped working: add the new one "
            "to your calendar app."
        ),
    )
    return redirect("starter-calendar")


# The opening-meeting kit --------------------------------------------------------------------


@starter_required
@never_cache
def kit(request, pk):
    assignment = (
        Assignment.objects.filter(KIT_ASSIGNMENTS, starter=request.starter, group_id=pk)
        .select_related("group__centre", "group__room__centre")
        .order_by("-created_at", "-pk")
        .first()
    )
    if assignment is None:
        raise Http404
    group: Group = assignment.group
    first_names = list(
        group.memberships.active()
        .order_by("joined_on", "id")
        .values_list("application__first_name", flat=True)
    )
    meetings = list(
        group.meetings.filter(status=MeetingStatus.PLANNED)
        .select_related("room__centre")
        .order_by("starts_at", "index")
    )
    twelve_weeks = group.start_date.toordinal() + 7 * KIT_WEEKS
    followup = next((m for m in meetings if m.is_followup), None)
    mine = set(
        Booking.objects.active()
        .filter(starter=request.starter, meeting__group=group)
        .values_list("meeting_id", flat=True)
    )
    for meeting in meetings:
        meeting.other_room = meeting.room_id != group.room_id
        meeting.mine = meeting.pk in mine
    with translation.override(group.language):  # the kit speaks the group's language
        slot = describe_slot(group)
    context = {
        "group": group,
        "slot": slot,
        "first_names": first_names,
        "empty_lines": range(max(group.max_size - len(first_names), 0)),
        "written": group.centre.written_confidentiality,
        "meetings": [m for m in meetings if m.local_date.toordinal() < twelve_weeks],
        "kit_weeks": KIT_WEEKS,
        "followup": followup,
        "pending": assignment.status == AssignmentStatus.PENDING,
    }
    return render(request, "starters/starter/kit.html", context)
