"""The public application form and the forms on the applicant's own page."""

import uuid

from crispy_forms.helper import FormHelper
from django import forms
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from intake.forms.fields import (
    AvailabilityField,
    about_field,
    areas_field,
    clean_text,
    gender_field,
    phone_field,
    validate_birth_date,
)
from intake.services import ApplicationData
from selvhjelp.enums import Channel, Weekday
from selvhjelp.models import Centre, Theme

MIXED = "mixed"


def _privacy_link():
    return format_html(
        '<a href="{}">{}</a>', reverse_lazy("privacy"), _("Read how we handle your information.")
    )


privacy_link = lazy(_privacy_link, str)


def reminder_channel_field():
    return forms.ChoiceField(
        label=_("Reminders before meetings and offers"),
        choices=[
            (Channel.EMAIL, _("By e-mail")),
            (Channel.SMS, _("By text message to my mobile")),
        ],
        initial=Channel.EMAIL,
        required=False,
        widget=forms.RadioSelect,
    )


class ApplicationForm(forms.Form):
    """Field names and values are a public contract (SPEC): keep their meaning."""

    first_name = forms.CharField(label=_("First name"), max_length=60)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("We send a receipt and a link to your own page here."),
    )
    phone = phone_field()
    reminder_channel = reminder_channel_field()
    birth_date = forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_birth_date],
        error_messages={"invalid": _("Enter the date as day.month.year, e.g. 24.12.1980.")},
    )
    gender = gender_field()
    availability = AvailabilityField()
    centre = forms.ChoiceField(label=_("Which centre?"), required=False)
    theme = forms.ChoiceField(
        label=_("What kind of group?"),
        required=False,
        help_text=_("Most groups are mixed: people with different things to work on."),
    )
    areas = areas_field()
    about = about_field()
    confirm_own_choice = forms.BooleanField(
        label=_("I am applying because I want to myself. Nobody has referred me."),
        error_messages={"required": _("Please confirm that this is your own choice.")},
    )
    confirm_weekly = forms.BooleanField(
        label=_("I can set aside two hours at the same time every week."),
        error_messages={"required": _("Please confirm that you can come every week.")},
    )
    confirm_commitment = forms.BooleanField(
        label=_("I will take part for the first 12 weeks."),
        error_messages={"required": _("Please confirm that you will take part for 12 weeks.")},
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that the centre stores and uses what I have written here, including "
            "what concerns my health, to find a group for me."
        ),
        help_text=privacy_link(),
        error_messages={
            "required": _(
                "We need your consent to store your application. Without it we cannot help "
                "you find a group."
            )
        },
    )
    # Not shown to people; bots fill it in.
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, centres: list[Centre], **kwargs):
        super().__init__(*args, **kwargs)
        self.centres = {centre.slug: centre for centre in centres}
        self.several = len(centres) > 1
        if self.several:
            self.fields["centre"].required = True
            self.fields["centre"].choices = [
                ("", _("Choose a centre")),
                *((c.slug, c.name) for c in centres),
            ]
        else:
            self.fields["centre"].widget = forms.HiddenInput()
            self.fields["centre"].choices = [(slug, slug) for slug in self.centres]
        themes = Theme.objects.active().filter(centre__in=centres).select_related("centre")
        self.themes = {(t.centre.slug, t.slug): t for t in themes}
        theme_choices = [(MIXED, _("A mixed group"))]
        for (_centre, slug), theme in self.themes.items():
            label = (
                f"{theme.display_name} ({theme.centre.name})"
                if self.several
                else theme.display_name
            )
            theme_choices.append((slug, label))
        self.fields["theme"].choices = list(dict.fromkeys(theme_choices))
        if len(theme_choices) == 1:
            self.fields["theme"].widget = forms.HiddenInput()
        self.fields["website"].widget.attrs.update(
            {"autocomplete": "off", "tabindex": "-1", "class": "visually-hidden-field"}
        )
        if not self.is_bound:
            self.initial.setdefault("submission_key", uuid.uuid4())
            self.initial.setdefault("theme", MIXED)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_first_name(self):
        return self._required_text("first_name")

    def clean_last_name(self):
        return self._required_text("last_name")

    def _required_text(self, name):
        value = clean_text(self.cleaned_data[name])
        if not value:
            raise forms.ValidationError(_("This field is required."), code="required")
        return value

    def clean_about(self):
        return clean_text(self.cleaned_data["about"])

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_centre(self):
        slug = self.cleaned_data.get("centre") or ""
        if not self.several:
            return next(iter(self.centres.values()), None)
        return self.centres[slug]

    def clean(self):
        cleaned = super().clean()
        centre = cleaned.get("centre")
        theme_slug = cleaned.get("theme") or MIXED
        cleaned["theme_obj"] = None
        if centre is not None and theme_slug != MIXED:
            theme = self.themes.get((centre.slug, theme_slug))
            if theme is None:
                self.add_error("theme", _("That centre does not run this theme group."))
            cleaned["theme_obj"] = theme
        return cleaned

    def availability_rows(self):
        """The availability boxes as (weekday, [daytime box, evening box]) for a grid."""
        boxes = list(self["availability"])
        return [
            (Weekday(day).label, boxes[2 * n : 2 * n + 2]) for n, day in enumerate(Weekday.values)
        ]

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def application_data(self, language: str) -> ApplicationData:
        data = self.cleaned_data
        return ApplicationData(
            centre=data["centre"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"],
            birth_date=data["birth_date"],
            availability=data["availability"],
            gender=data.get("gender") or "",
            theme=data["theme_obj"],
            areas=data.get("areas") or [],
            about=data.get("about") or "",
            language=language,
            reminder_channel=data.get("reminder_channel") or Channel.EMAIL,
        )


class DetailsForm(forms.Form):
    """What the applicant can change themselves on their own page."""

    availability_rows = ApplicationForm.availability_rows

    email = forms.EmailField(label=_("E-mail"), max_length=254)
    phone = phone_field()
    reminder_channel = reminder_channel_field()
    availability = AvailabilityField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class LostLinkForm(forms.Form):
    email = forms.EmailField(label=_("The e-mail address you applied with"), max_length=254)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
