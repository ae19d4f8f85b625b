"""The public information pages: what a self-help group is, how it works, privacy, accessibility.

Plain text pages; the words live in the templates (intake/info/) and the translation files.
"""

from django.shortcuts import render

from intake.services import POLICY_VERSION
from selvhjelp.permissions import public


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
    return render(request, "intake/info/privacy.html", {"POLICY_VERSION": POLICY_VERSION})


@public
def accessibility(request):
    return render(request, "intake/info/accessibility.html")
