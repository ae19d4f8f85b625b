"""Applying, and the applicant's own page (no login: the signed token in the link is the key)."""

import json
import uuid

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from intake import services, throttle
from intake.enums import TRANSITIONS, Status
from intake.forms.public import ApplicationForm, DetailsForm, LostLinkForm
from intake.models import Application
from selvhjelp import bitsets, outbox, registry
from selvhjelp.models import Centre
from selvhjelp.permissions import public

RECEIPT_SESSION_KEY = "intake_receipt_token"


def _language() -> str:
    return "en" if get_language() == "en" else "nb"


@public
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("first_name", "last_name", "email", "phone", "birth_date", "about")
def apply(request):
    centres = list(Centre.objects.active())
    if not centres:
        return render(request, "intake/closed.html")
    form = ApplicationForm(request.POST or None, centres=centres)
    status = 200
    if request.method == "POST":
        if form.is_bot:
            # Answered like a person; nothing is stored or sent.
            return redirect("apply-received")
        if form.is_valid():
            if throttle.limit_reached(request):
                form.add_error(
                    None,
                    _(
                        "We have received many applications from your network in the last "
                        "hour, so we cannot take yours right now. Please try again in an hour, "
                        "or call us and we will register it for you."
                    ),
                )
                status = 429
            else:
                application, created = services.submit_application(
                    form.application_data(_language()),
                    submission_key=form.cleaned_data["submission_key"] or uuid.uuid4(),
                    request=request,
                )
                if created:
                    throttle.count_accepted(request)
                    request.session[RECEIPT_SESSION_KEY] = application.token
                return redirect("apply-received")
    return render(
        request, "intake/apply.html", {"form": form, "several": form.several}, status=status
    )


@public
@never_cache
def received(request):
    token = request.session.pop(RECEIPT_SESSION_KEY, None)
    application = (
        Application.objects.by_token(token).select_related("centre").first() if token else None
    )
    centre = application.centre if application else None
    return render(
        request,
        "intake/received.html",
        {"application": application, "centre": centre},
    )


def applicant_for(request, token: str) -> Application:
    """The application this link opens; a wrong or stale link is a 404 that says nothing."""
    application = Application.objects.by_token(token).select_related("centre", "theme").first()
    if application is None:
        raise Http404
    request._public_centre = application.centre  # its address and urgent-help text
    return application


@public
@never_cache
def applicant(request, token):
    application = applicant_for(request, token)
    sections = [
        {"template": section.template, "context": context}
        for section, context in registry.applicant_sections(application, request)
    ]
    return render(
        request,
        "intake/applicant.html",
        {
            "application": application,
            "token": token,
            "sections": sections,
            "availability_labels": [bitsets.slot_label(s) for s in application.availability],
            "can_change": application.status in Status.open(),
            "can_withdraw": Status.WITHDRAWN in TRANSITIONS[application.status],
            "asked_still_waiting": application.status == Status.INACTIVE
            or (
                application.status == Status.WAITING
                and application.still_waiting_asked_at is not None
            ),
        },
    )


@public
@never_cache
@require_POST
def still_waiting(request, token):
    """The one-click answers to 'do you still want a place?'."""
    application = applicant_for(request, token)
    answer = request.POST.get("answer")
    try:
        if answer == "yes":
            services.confirm_still_waiting(application, request=request)
            messages.success(request, _("Thank you. You are still on the waiting list."))
        elif answer == "no":
            services.withdraw_application(application, request=request)
            messages.success(
                request, _("Your application is withdrawn. You are welcome to apply again later.")
            )
        else:
            messages.error(request, _("Choose one of the two answers."))
    except services.TransitionNotAllowed as error:
        messages.error(request, error.message)
    return redirect("applicant", token=token)


@public
@never_cache
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("email", "phone")
def edit(request, token):
    application = applicant_for(request, token)
    if application.status not in Status.open():
        messages.info(request, _("Your application is closed, so there is nothing to change."))
        return redirect("applicant", token=token)
    initial = {
        "email": application.email,
        "phone": application.phone,
        "availability": application.availability,
        "reminder_channel": application.reminder_channel,
    }
    form = DetailsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.update_details(
            application,
            email=form.cleaned_data["email"],
            phone=form.cleaned_data["phone"],
            availability=form.cleaned_data["availability"],
            reminder_channel=form.cleaned_data["reminder_channel"] or application.reminder_channel,
            request=request,
        )
        messages.success(request, _("Thank you. Your details are updated."))
        return redirect("applicant", token=token)
    return render(
        request,
        "intake/edit.html",
        {"application": application, "token": token, "form": form},
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request, token):
    application = applicant_for(request, token)
    if request.method == "POST":
        try:
            services.withdraw_application(application, request=request)
        except services.TransitionNotAllowed as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Your application is withdrawn. You are welcome to apply again later.")
            )
        return redirect("applicant", token=token)
    return render(request, "intake/withdraw.html", {"application": application, "token": token})


@public
@never_cache
def export(request, token):
    application = applicant_for(request, token)
    data = services.export_data(application, request=request)
    return render(
        request,
        "intake/export.html",
        {
            "application": application,
            "token": token,
            "data": data,
            "pretty": json.dumps(data, indent=2, ensure_ascii=False),
        },
    )


@public
@never_cache
def export_json(request, token):
    application = applicant_for(request, token)
    data = services.export_data(application, request=request)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="mine-opplysninger.json"'
    return response


@public
@never_cache
@require_http_methods(["GET", "POST"])
def erase(request, token):
    application = applicant_for(request, token)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm that you want everything deleted."))
            return redirect("applicant-erase", token=token)
        services.erase(application, request=request)
        return redirect("applicant-erased")
    return render(request, "intake/erase.html", {"application": application, "token": token})


@public
def erased(request):
    return render(request, "intake/erased.html")


@public
@never_cache
@require_http_methods(["GET", "POST"])
def lost_link(request):
    form = LostLinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _send_links(form.cleaned_data["email"])
        # The same answer whether or not we know the address.
        return render(request, "intake/lost_link_sent.html")
    return render(
        request,
        "intake/lost_link.html",
        {"form": form},
    )


def _send_links(email: str) -> None:
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    for application in Application.objects.filter(email__iexact=email.strip()):
        # One per application and hour, however often someone asks.
        outbox.notify(
            "intake.lost_link",
            recipient=outbox.Recipient(
                application.email, application.language, application.first_name, ref=application
            ),
            key=f"intake.lost_link:{application.pk}:{hour:%Y%m%d%H}",
            about=application,
            centre=application.centre,
            params={"application_id": application.pk},
        )
