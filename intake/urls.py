from django.urls import path, register_converter

from intake.views import info, public, staff


class TokenConverter:
    """A signed applicant token: url-safe base64 and the signer's colon."""

    regex = r"[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(TokenConverter, "token")

urlpatterns = [
    # Information (public)
    path("om-selvhjelpsgrupper/", info.about, name="info-about"),
    path("slik-foregar-det/", info.how, name="info-how"),
    path("gode-samtaler/", info.principles, name="info-principles"),
    path("sporsmal-og-svar/", info.questions, name="info-questions"),
    path("personvern/", info.privacy, name="privacy"),
    path("tilgjengelighet/", info.accessibility, name="accessibility"),
    # Applying and the applicant's own page (public; the token is the key)
    path("soknad/", public.apply, name="apply"),
    path("soknad/mottatt/", public.received, name="apply-received"),
    path("soknad/mistet-lenke/", public.lost_link, name="lost-link"),
    path("soknad/slettet/", public.erased, name="applicant-erased"),
    path("soknad/<token:token>/", public.applicant, name="applicant"),
    path("soknad/<token:token>/endre/", public.edit, name="applicant-edit"),
    path("soknad/<token:token>/trekk/", public.withdraw, name="applicant-withdraw"),
    path("soknad/<token:token>/venter/", public.still_waiting, name="applicant-still-waiting"),
    path("soknad/<token:token>/data/", public.export, name="applicant-export"),
    path("soknad/<token:token>/data.json", public.export_json, name="applicant-export-json"),
    path("soknad/<token:token>/slett/", public.erase, name="applicant-erase"),
    # Staff
    path("stab/soknader/", staff.application_list, name="staff-applications"),
    path("stab/soknader/ny/", staff.application_new, name="staff-application-new"),
    path("stab/soknader/<int:pk>/", staff.application_detail, name="staff-application"),
    path("stab/soknader/<int:pk>/notat/", staff.add_note, name="staff-application-note"),
    path("stab/soknader/<int:pk>/rett/", staff.correct, name="staff-application-correct"),
    path("stab/soknader/<int:pk>/status/", staff.change_status, name="staff-application-status"),
    path("stab/soknader/<int:pk>/slett/", staff.erase, name="staff-application-erase"),
]
