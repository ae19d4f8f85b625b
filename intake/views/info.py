"""The public information pages: what a self-help group is, how it works, privacy, accessibility.

Plain text pages; the words live in the templates (intake/info/) and the translation files.
"""

from django.shortcuts import render

from intake import services
from selvhjelp.context_processors import public_centre
from selvhjelp.permissions import public
from selvhjelp.retention import months_at


@public
def about(request):
    return render(request, "intake/info/about.html")


@public
def how(request):
    return render(request, "intake/info/how.html")


@public
def principles(request):
    return render(request, "intake/info/principles.html")


@public
def questions(request):
    return render(request, "intake/info/questions.html")


@public
def privacy(request):
    # Read at request time: a new notice version shows at once, and the retention times
    # are the centre's own (or the defaults when the page speaks for no single centre).
    centre = public_centre(request)
    return render(
        request,
        "intake/info/privacy.html",
        {
            "POLICY_VERSION": services.POLICY_VERSION,
            "ended_application_months": months_at(centre, "retention_ended_application_months"),
            "past_participant_months": months_at(centre, "retention_past_participant_months"),
            "finished_message_months": months_at(centre, "retention_finished_message_months"),
        },
    )


@public
def accessibility(request):
    return render(request, "intake/info/accessibility.html")
