"""What intake's audit actions mean, in words staff read in timelines."""

from django.utils.translation import gettext_lazy as _

LABELS = {
    "application.submitted": _("applied on the website"),
    "application.registered": _("registered the application"),
    "application.viewed": _("opened the application"),
    "application.listed_by_area": _(
        "saw the application on the waiting list filtered by what people want to work on"
    ),
    "application.note_added": _("added an intake note"),
    "application.details_changed": _("changed contact details or availability"),
    "application.corrected": _("corrected the details on the person's request"),
    "application.exported": _("downloaded the data"),
    "application.erased": _("deleted all their data"),
    "application.in_dialogue": _("started the intake conversation"),
    "application.waiting": _("put the application on the waiting list for a group"),
    "application.offered": _("offered a place in a group"),
    "application.placed": _("placed the applicant in a group"),
    "application.withdrawn": _("withdrew the application"),
    "application.not_suitable": _("marked the application as not suitable"),
    "application.asked_still_waiting": _("asked whether they still want a place"),
    "application.still_waiting": _("said they still want a place"),
    "application.inactive": _("set the application aside: no answer"),
}
