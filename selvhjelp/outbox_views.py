"""Staff view of the outbox (/stab/meldinger/): every message of their centres.

Rows hold addresses, ids and the error of a failed send, never a body (bodies are rendered
when sent), so nothing an applicant wrote can show here.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from selvhjelp import audit, outbox
from selvhjelp.enums import NotificationState
from selvhjelp.forms import MessageFilterForm
from selvhjelp.models import Centre, Notification, StaffMembership
from selvhjelp.permissions import staff_centre_ids, staff_centres, staff_required

PAGE_SIZE = 50
LIST_FIELDS = [
    "kind",
    "channel",
    "centre__name",
    "to_name",
    "to_address",
    "due_at",
    "state",
    "attempts",
    "last_error",
    "sent_at",
    "finished_at",
]


def _centres(request) -> list[Centre]:
    return staff_centres(request)


def _message_for(request, pk) -> Notification:
    return get_object_or_404(
        Notification.objects.filter(centre_id__in=staff_centre_ids(request)), pk=pk
    )


@staff_required
@never_cache
def message_list(request):
    centres = _centres(request)
    form = MessageFilterForm(request.GET or None, centres=centres, kinds=outbox.kinds())
    if form.is_bound and not form.is_valid():
        messages.warning(request, _("Some filters were not valid and have not been used."))
    queryset = form.filter(
        Notification.objects.filter(centre__in=centres)
        .select_related("centre")
        .only(*LIST_FIELDS)
        .order_by("-due_at", "-id")
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.can_retry = message.state == NotificationState.FAILED
        message.can_cancel = message.state == NotificationState.PENDING
    return render(
        request,
        "staff/messages.html",
        {
            "form": form,
            "page": page,
            "several_centres": len(centres) > 1,
            "here": request.get_full_path(),
            "subscriptions": _subscriptions(request),
        },
    )


def _subscriptions(request):
    return list(
        StaffMembership.objects.filter(user=request.user)
        .select_related("centre")
        .only("wants_alerts", "wants_digest", "centre__name")
        .order_by("centre__name")
    )


@staff_required
@never_cache
@require_POST
def subscriptions(request):
    """Each staff member chooses, per centre, whether alerts and the weekly summary come."""
    chosen = set(request.POST.getlist("wants"))
    for membership in _subscriptions(request):
        membership.wants_alerts = f"alerts-{membership.pk}" in chosen
        membership.wants_digest = f"digest-{membership.pk}" in chosen
        membership.save(update_fields=["wants_alerts", "wants_digest"])
    messages.success(request, _("Your choices are saved."))
    return redirect("staff-messages")


def _back(request):
    target = request.POST.get("next", "")
    # Only a path of this site: redirect() would take any other word for a view name.
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("staff-messages")


@staff_required
@never_cache
@require_POST
def message_retry(request, pk):
    message = _message_for(request, pk)
    if outbox.retry(message):
        audit.record("message.retried", request=request, centre=message.centre, obj=message)
        messages.success(request, _("The message will be sent again within a minute."))
    else:
        messages.error(request, _("Only a message that failed can be sent again."))
    return _back(request)


@staff_required
@never_cache
@require_POST
def message_cancel(request, pk):
    message = _message_for(request, pk)
    if outbox.cancel(message):
        audit.record("message.cancelled", request=request, centre=message.centre, obj=message)
        messages.success(request, _("The message has been stopped and will not be sent."))
    else:
        messages.error(request, _("The message has already left, or was stopped before."))
    return _back(request)
