"""Staff pages for applications (/stab/soknader/): waiting list, application, registration.

Staff see only their own centres' applications; another centre's application is a 404.
Pages with personal data are never cached. Every change goes through intake.services.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from intake import audit_labels, services
from intake.enums import Area, Source, Status
from intake.forms.staff import (
    ApplicationFilterForm,
    CorrectionForm,
    EraseForm,
    NoteForm,
    StaffApplicationForm,
    StatusForm,
    short_slot_label,
)
from intake.models import Application, IntakeNote, age_on
from selvhjelp import bitsets
from selvhjelp.models import AuditEvent, Centre, Theme
from selvhjelp.permissions import staff_centre_ids, staff_centres, staff_required

PAGE_SIZE = 50

# The list shows no health data: `about` and `areas_mask` are never loaded here.
LIST_FIELDS = [
    "centre_id",
    "theme_id",
    "first_name",
    "last_name",
    "birth_date",
    "status",
    "applied_at",
    "availability_mask",
    "source",
]

THEME_FIELDS = ["name", "name_en", "centre__name"]

# Audit actions on an application, as read in its history.
ACTIONS = audit_labels.LABELS
REGISTERED = {
    Source.PHONE: gettext_lazy("registered the application after a phone call"),
    Source.IN_PERSON: gettext_lazy("registered the application after a visit"),
}
# Done by the applicant on their own page when nobody was signed in.
APPLICANT_ACTIONS = {
    "application.submitted",
    "application.details_changed",
    "application.exported",
    "application.withdrawn",
}

STATUS_ACTIONS = {
    Status.IN_DIALOGUE: gettext_lazy("Start the intake conversation"),
    Status.WAITING: gettext_lazy("Ready: waiting for a group"),
    Status.NOT_SUITABLE: gettext_lazy("Not suitable"),
    Status.WITHDRAWN: gettext_lazy("Withdraw on the applicant's behalf"),
}


def _staff_centres(request) -> list[Centre]:
    return staff_centres(request)


def _application_for(request, pk) -> Application:
    """The application, if it belongs to one of the user's centres (404 otherwise)."""
    return get_object_or_404(
        Application.objects.filter(centre_id__in=staff_centre_ids(request)).select_related(
            "centre", "theme", "registered_by"
        ),
        pk=pk,
    )


def _weeks_since(moment, now) -> int:
    return max((now - moment).days // 7, 0)


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@staff_required
@never_cache
def application_list(request):
    centres = _staff_centres(request)
    themes = list(
        Theme.objects.filter(centre__in=centres)
        .select_related("centre")
        .only(*THEME_FIELDS)
        .order_by("centre__name", "name")
    )
    form = ApplicationFilterForm(request.GET or None, centres=centres, themes=themes)
    if form.is_bound and not form.is_valid():
        messages.warning(
            request,
            _("Some filters were not valid and have not been used: %(fields)s.")
            % {"fields": ", ".join(str(form.fields[name].label) for name in form.errors)},
        )
    # No joins: each row's centre and theme come from the lists above.
    applications = form.filter(Application.objects.filter(centre__in=centres).only(*LIST_FIELDS))
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    if form.by_area():
        services.record_listed_by_area(shown, request=request)
    context = {
        "form": form,
        # The filter form renders the same for the same choices and values: cached (the
        # template's {% cache %}) unless it has errors to show.
        "filter_cache_key": None if form.errors else _filter_cache_key(request, centres, themes),
        "page": page,
        "rows": _list_rows(shown, timezone.now(), centres, themes),
        "several_centres": len(centres) > 1,
    }
    return render(request, "intake/staff/application_list.html", context)


def _filter_cache_key(request, centres, themes) -> str:
    values = sorted((key, request.GET.getlist(key)) for key in request.GET if key != "page")
    choices = [(c.slug, c.name) for c in centres], [(t.pk, t.display_name) for t in themes]
    return repr((translation.get_language(), values, choices))


def _list_rows(applications, now, centres, themes) -> list[dict]:
    """Each row's cells as text, worked out here: 50 rows of template filters and {% url %}
    cost more than the rest of the page together. `centres` and `themes` are the staff
    member's, already loaded: every listed application belongs to one of them."""
    centre_names = {centre.pk: centre.name for centre in centres}
    theme_names = {theme.pk: theme.display_name for theme in themes}
    today = timezone.localdate(now)
    statuses = {status.value: capfirst(status.label) for status in Status}
    sources = {source.value: capfirst(source.label) for source in Source}
    # Translated once per page, not once per row (gettext is not free).
    mixed = _("Mixed")
    slots = [(1 << n, short_slot_label(slot)) for n, slot in enumerate(bitsets.SLOTS)]
    weeks_texts, availabilities = {}, {}
    # reverse() once: the application's URL differs from row to row only in the id.
    marker = "2147483647"
    detail = reverse("staff-application", args=[int(marker)])
    rows = []
    for application in applications:
        applied = timezone.localtime(application.applied_at)
        weeks = _weeks_since(application.applied_at, now)
        if weeks not in weeks_texts:
            weeks_texts[weeks] = ngettext("%(counter)s week", "%(counter)s weeks", weeks) % {
                "counter": weeks
            }
        mask = application.availability_mask
        if mask not in availabilities:
            availabilities[mask] = ", ".join(label for bit, label in slots if mask & bit)
        rows.append(
            {
                "application": application,
                "url": detail.replace(marker, str(application.pk)),
                "age": age_on(application.birth_date, today),
                "status": statuses[application.status],
                "applied_iso": applied.isoformat(),
                "applied_on": applied.strftime("%d.%m.%Y"),
                "weeks": weeks,
                "weeks_text": weeks_texts[weeks],
                "availability": availabilities[mask],
                "group": _theme_name(application, theme_names) if application.theme_id else mixed,
                "centre": centre_names[application.centre_id],
                "source": sources[application.source],
            }
        )
    return rows


def _theme_name(application, theme_names: dict) -> str:
    if application.theme_id in theme_names:
        return theme_names[application.theme_id]
    return application.theme.display_name  # another centre's theme: not expected, but shown


def _timeline(application) -> list[dict]:
    """The application's history and its intake notes, newest first."""
    entries = []
    events = AuditEvent.objects.for_object("intake.application", application.pk).only(
        "at", "action", "actor_label", "actor_id", "detail"
    )
    for event in events:
        if event.actor_label:
            who = event.actor_label
        elif event.action in APPLICANT_ACTIONS:
            who = _("the applicant")
        else:
            who = _("the system")
        what = ACTIONS.get(event.action, event.action)
        if event.action == "application.registered":
            what = REGISTERED.get(event.detail.get("source"), what)
        entries.append({"kind": "event", "at": event.at, "who": who, "what": str(what)})
    notes = IntakeNote.objects.filter(application=application).select_related("author")
    for note in notes:
        entries.append(
            {"kind": "note", "at": note.created_at, "who": _person(note.author), "note": note}
        )
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries


def _status_actions(application) -> list[dict]:
    return [
        {"status": status, "label": STATUS_ACTIONS[status]}
        for status in services.staff_moves(application)
    ]


@staff_required
@never_cache
def application_detail(request, pk):
    application = _application_for(request, pk)
    services.record_sensitive_read(application, request=request)
    context = {
        "application": application,
        "availability": [bitsets.slot_label(slot) for slot in application.availability],
        "areas": [Area(area).label for area in application.areas],
        "registered_by": _person(application.registered_by),
        "weeks": _weeks_since(application.applied_at, timezone.now()),
        "timeline": _timeline(application),
        "note_form": NoteForm(),
        "status_actions": _status_actions(application),
        "status_form": StatusForm(),
        "erase_form": EraseForm(),
    }
    return render(request, "intake/staff/application_detail.html", context)


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@staff_required
@never_cache
@require_POST
@sensitive_post_parameters("text")
def add_note(request, pk):
    application = _application_for(request, pk)
    form = NoteForm(request.POST)
    if form.is_valid():
        services.add_note(
            application, staff=request.user, text=form.cleaned_data["text"], request=request
        )
        messages.success(request, _("The note has been saved."))
    else:
        messages.error(request, _("The note was not saved: %(errors)s") % {"errors": _errors(form)})
    return redirect("staff-application", pk=application.pk)


@staff_required
@never_cache
@sensitive_post_parameters("areas", "about")
def correct(request, pk):
    """Correct the details the person says are wrong. The form shows the areas and the free
    text, so opening it is a read of health data like the application page."""
    application = _application_for(request, pk)
    themes = list(
        Theme.objects.filter(centre=application.centre_id)
        .filter(Q(is_active=True) | Q(pk=application.theme_id))
        .select_related("centre")
        .only(*THEME_FIELDS)
        .order_by("name")
    )
    form = CorrectionForm(request.POST or None, application=application, themes=themes)
    if request.method == "POST" and form.is_valid():
        changed = services.correct_details(
            application, staff=request.user, request=request, **form.corrections()
        )
        if changed:
            messages.success(request, _("The details are corrected."))
        else:
            messages.info(request, _("Nothing was different, so nothing was changed."))
        return redirect("staff-application", pk=application.pk)
    if request.method != "POST":
        services.record_sensitive_read(application, request=request)
    return render(
        request, "intake/staff/application_correct.html", {"application": application, "form": form}
    )


@staff_required
@never_cache
@require_POST
def change_status(request, pk):
    application = _application_for(request, pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, _("The status was not changed: %(errors)s") % {"errors": _errors(form)}
        )
        return redirect("staff-application", pk=application.pk)
    to = form.cleaned_data["to"]
    try:
        if to == Status.IN_DIALOGUE:
            services.start_dialogue(application, staff=request.user, request=request)
        elif to == Status.WAITING:
            services.mark_waiting(application, staff=request.user, request=request)
        elif to == Status.NOT_SUITABLE:
            services.mark_not_suitable(
                application,
                staff=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        else:
            services.withdraw_application(application, staff=request.user, request=request)
    except services.TransitionNotAllowed as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("The status is now “%(status)s”.") % {"status": Status(application.status).label},
        )
    return redirect("staff-application", pk=application.pk)


@staff_required
@never_cache
@require_POST
def erase(request, pk):
    """The person asked the centre to delete everything: the same erasure as on their page."""
    application = _application_for(request, pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was deleted: %(errors)s") % {"errors": _errors(form)})
        return redirect("staff-application", pk=application.pk)
    services.erase(application, staff=request.user, request=request)
    messages.success(request, _("Everything stored about the person has been deleted."))
    return redirect("staff-applications")


@staff_required
@never_cache
@sensitive_post_parameters("first_name", "last_name", "email", "phone", "birth_date", "about")
def application_new(request):
    centres = _staff_centres(request)
    themes = list(
        Theme.objects.active()
        .filter(centre__in=centres)
        .select_related("centre")
        .only(*THEME_FIELDS)
        .order_by("centre__name", "name")
    )
    form = StaffApplicationForm(request.POST or None, centres=centres, themes=themes)
    if request.method == "POST" and form.is_valid():
        application = services.register_application(
            form.application_data(),
            source=form.cleaned_data["source"],
            staff=request.user,
            request=request,
        )
        messages.success(
            request,
            _(
                "The application for %(name)s has been registered. A receipt is on its way "
                "to %(email)s."
            )
            % {"name": application.first_name, "email": application.email},
        )
        return redirect("staff-application", pk=application.pk)
    return render(
        request,
        "intake/staff/application_form.html",
        {"form": form, "several_centres": len(centres) > 1},
    )
