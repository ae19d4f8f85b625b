"""The participant on their own page: answer an offer, tell the group (the token is the key)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from groups import services
from groups.enums import NoticeKind
from groups.forms import posted_ids
from groups.models import Meeting, Membership, Offer
from intake.views.public import applicant_for
from selvhjelp.permissions import public


def _back(token: str):
    return redirect("applicant", token=token)


@public
@never_cache
@require_POST
def answer_offer(request, token, pk):
    application = applicant_for(request, token)
    # Only this person's own offers: someone else's is a 404 that says nothing.
    offer = Offer.objects.filter(pk=pk, application=application).first()
    if offer is None:
        raise Http404
    answer = request.POST.get("answer")
    try:
        if answer == "accept":
            services.accept_offer(offer, request=request)
            messages.success(
                request,
                _(
                    "Welcome to the group! You will find the dates of the meetings below. "
                    "We look forward to seeing you at the first meeting."
                ),
            )
        elif answer == "decline":
            services.decline_offer(offer, request=request)
            messages.info(
                request,
                _(
                    "Thank you for letting us know. You keep your place on the waiting list, "
                    "and we will contact you when we have another group for you."
                ),
            )
        else:
            messages.error(request, _("Choose yes or no to the offer."))
    except services.OfferNotOpen as error:
        messages.error(
            request,
            _("%(reason)s Contact the centre if you still want a place in a group.")
            % {"reason": str(error)},
        )
    except services.GroupError as error:
        messages.error(request, str(error))
    return _back(token)


@public
@never_cache
@require_POST
def send_notice(request, token):
    application = applicant_for(request, token)
    membership = Membership.objects.active().filter(application=application).first()
    if membership is None:
        raise Http404
    kind = request.POST.get("kind")
    meeting = None
    if kind == NoticeKind.ABSENT:
        # posted_ids: str.isdigit() also takes "²", which int() refuses.
        meeting_ids = posted_ids([request.POST.get("meeting", "")])
        if meeting_ids:
            meeting = Meeting.objects.filter(
                pk=meeting_ids[0], group_id=membership.group_id
            ).first()
        if meeting is None:
            messages.error(request, _("Choose one of the group's coming meetings."))
            return _back(token)
    try:
        services.send_notice(membership, kind=kind, meeting=meeting, request=request)
    except services.GroupError as error:
        messages.error(request, str(error))
        return _back(token)
    if meeting is not None:
        when = formats.date_format(timezone.localtime(meeting.starts_at), "DATE_FORMAT")
        messages.success(
            request,
            _("Thank you. The others in the group are told that you cannot come on %(date)s.")
            % {"date": when},
        )
    else:
        messages.success(
            request,
            _(
                "Thank you for telling us. The others in the group are told that you want "
                "to stop, and the centre will contact you."
            ),
        )
    return _back(token)
