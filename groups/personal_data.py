"""The groups app's part of a person's data export and erasure (through the core registry).

Erasure runs before intake's (the rightmost app first), inside the caller's transaction.
"""

from groups.models import AbsenceNotice, Membership, Offer
from selvhjelp.models import Notification


def _iso(value):
    return value.isoformat() if value is not None else None


def export(application) -> dict:
    offers = Offer.objects.filter(application=application).select_related("group")
    memberships = Membership.objects.filter(application=application).select_related("group")
    notices = AbsenceNotice.objects.filter(membership__application=application).select_related(
        "membership__group", "meeting"
    )
    return {
        "offers": [
            {
                "group": offer.group.name,
                "status": offer.status,
                "offered": _iso(offer.created_at),
                "answer_by": _iso(offer.expires_at),
                "answered": _iso(offer.answered_at),
            }
            for offer in offers.order_by("created_at", "pk")
        ],
        "memberships": [
            {
                "group": membership.group.name,
                "joined": _iso(membership.joined_on),
                "left": _iso(membership.left_on),
                "leave_reason": membership.leave_reason,
                "confidentiality_signed": _iso(membership.confidentiality_signed_on),
            }
            for membership in memberships.order_by("joined_on", "pk")
        ],
        "notices": [
            {
                "group": notice.membership.group.name,
                "kind": notice.kind,
                "meeting": _iso(notice.meeting.starts_at if notice.meeting else None),
                "sent": _iso(notice.created_at),
            }
            for notice in notices.order_by("created_at", "pk")
        ],
    }


def _concerning(model, pks):
    return Notification.objects.filter(
        object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks]
    )


def erase(application) -> None:
    """Delete the person's offers, memberships and notices, and every message about them.

    Messages to the person themselves are deleted by intake's part; here go the messages
    about their offers and notices (also those sent to the others in the group) and the
    staff alerts that named them.
    """
    offers = list(Offer.objects.filter(application=application).values_list("pk", flat=True))
    memberships = list(
        Membership.objects.filter(application=application).values_list("pk", flat=True)
    )
    notices = list(
        AbsenceNotice.objects.filter(membership__in=memberships).values_list("pk", flat=True)
    )
    _concerning(Offer, offers).delete()
    _concerning(AbsenceNotice, notices).delete()
    _concerning(Membership, memberships).delete()
    for key in ("member", "member_id"):
        Notification.objects.filter(
            kind="groups.staff_alert", **{f"params__{key}__in": memberships}
        ).delete()
    AbsenceNotice.objects.filter(pk__in=notices).delete()
    Membership.objects.filter(pk__in=memberships).delete()
    Offer.objects.filter(pk__in=offers).delete()
