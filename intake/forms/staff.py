"""The staff side of intake: waiting-list filters, notes, status changes, registration."""

from datetime import date, timedelta

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from intake.enums import Area, Gender, Source, Status
from intake.forms.fields import (
    OLDEST,
    AvailabilityField,
    about_field,
    areas_field,
    clean_text,
    gender_field,
    phone_field,
    validate_birth_date,
)
from intake.models import AREAS, Application, ApplicationQuerySet, age_on
from intake.services import ApplicationData
from selvhjelp import bitsets
from selvhjelp.enums import Language, Weekday
from selvhjelp.models import Centre, Theme

MIXED = "mixed"

WEEKDAY_SHORT = {
    "mon": pgettext_lazy("weekday, short", "Mon"),
    "tue": pgettext_lazy("weekday, short", "Tue"),
    "wed": pgettext_lazy("weekday, short", "Wed"),
    "thu": pgettext_lazy("weekday, short", "Thu"),
    "fri": pgettext_lazy("weekday, short", "Fri"),
    "sat": pgettext_lazy("weekday, short", "Sat"),
    "sun": pgettext_lazy("weekday, short", "Sun"),
}
PART_SHORT = {
    "day": pgettext_lazy("part of day, short", "day"),
    "evening": pgettext_lazy("part of day, short", "evening"),
}


def short_slot_label(slot: str) -> str:
    """The compact label used in the waiting list, e.g. "Mon evening"."""
    day, part = slot.split("-")
    return f"{WEEKDAY_SHORT[day]} {PART_SHORT[part]}"


def availability_summary(mask: int) -> str:
    return ", ".join(short_slot_label(slot) for slot in bitsets.from_mask(mask, bitsets.SLOTS))


def years_before(day: date, years: int) -> date:
    """The same date `years` earlier; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def availability_rows(bound_field):
    """Checkboxes of an availability field as (weekday, [daytime, evening]) for a grid."""
    boxes = list(bound_field)
    return [(Weekday(day).label, boxes[2 * n : 2 * n + 2]) for n, day in enumerate(Weekday.values)]


# The waiting list ---------------------------------------------------------------------------

OPEN = "open"
ALL = "all"
AGE_BANDS = {
    "18-29": (18, 29),
    "30-39": (30, 39),
    "40-49": (40, 49),
    "50-59": (50, 59),
    "60-69": (60, 69),
    "70-": (70, None),
}
OLDEST_FIRST = "oldest"
NEWEST_FIRST = "newest"


class ApplicationFilterForm(forms.Form):
    """The waiting-list filters (GET). Every field is optional; empty means no filter."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (OPEN, _("All open (received, in dialogue, waiting, offered)")),
            *((status.value, capfirst(status.label)) for status in Status),
            (ALL, _("All, closed ones too")),
        ],
    )
    availability = forms.MultipleChoiceField(
        label=_("Can meet at any of"),
        required=False,
        choices=[(slot, short_slot_label(slot)) for slot in bitsets.SLOTS],
        widget=forms.CheckboxSelectMultiple,
    )
    age = forms.ChoiceField(
        label=_("Age"),
        required=False,
        choices=[
            ("", _("Any age")),
            ("18-29", "18–29"),
            ("30-39", "30–39"),
            ("40-49", "40–49"),
            ("50-59", "50–59"),
            ("60-69", "60–69"),
            ("70-", _("70 or older")),
        ],
    )
    waited = forms.TypedChoiceField(
        label=_("Waiting time"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("Any waiting time")),
            ("4", _("More than 4 weeks")),
            ("8", _("More than 8 weeks")),
            ("12", _("More than 12 weeks")),
        ],
    )
    theme = forms.ChoiceField(label=_("Group"), required=False)
    area = forms.ChoiceField(
        label=_("Wants to work on"),
        required=False,
        choices=[("", _("Anything")), *Area.choices],
    )
    centre = forms.ChoiceField(label=_("Centre"), required=False)
    order = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            (OLDEST_FIRST, _("Oldest application first")),
            (NEWEST_FIRST, _("Newest application first")),
        ],
    )

    def __init__(self, *args, centres: list[Centre], themes: list[Theme], **kwargs):
        super().__init__(*args, **kwargs)
        self.centres = {centre.slug: centre for centre in centres}
        self.several = len(centres) > 1
        if self.several:
            self.fields["centre"].choices = [
                ("", _("All your centres")),
                *((c.slug, c.name) for c in centres),
            ]
        else:
            del self.fields["centre"]
        self.themes = {str(theme.pk): theme for theme in themes}
        self.fields["theme"].choices = [
            ("", _("Any group")),
            (MIXED, _("Mixed group")),
            *(
                (key, f"{t.display_name} ({t.centre.name})" if self.several else t.display_name)
                for key, t in self.themes.items()
            ),
        ]

    def availability_columns(self):
        """The availability boxes as a compact grid: weekdays across, day and evening down."""
        boxes = list(self["availability"])
        return [(PART_SHORT[part], boxes[p::2]) for p, part in enumerate(("day", "evening"))]

    @staticmethod
    def weekdays_short():
        return list(WEEKDAY_SHORT.values())

    def by_area(self) -> bool:
        """Filtered by an area people want to work on (health data: the view records it)."""
        return self.is_bound and bool(self.cleaned_data.get("area"))

    def filter(self, queryset: ApplicationQuerySet) -> ApplicationQuerySet:
        """Apply every filter that was valid (invalid ones are reported, not applied)."""
        data = self.cleaned_data if self.is_bound else {}
        status = data.get("status") or OPEN
        if status == OPEN:
            queryset = queryset.open()
        elif status != ALL:
            queryset = queryset.filter(status=status)
        if data.get("centre"):
            queryset = queryset.for_centre(self.centres[data["centre"]])
        if data.get("availability"):
            queryset = queryset.available_at(data["availability"])
        if data.get("age"):
            queryset = self._age_band(queryset, *AGE_BANDS[data["age"]])
        if data.get("waited"):
            queryset = queryset.filter(
                applied_at__lt=timezone.now() - timedelta(weeks=data["waited"])
            )
        if data.get("theme") == MIXED:
            queryset = queryset.filter(theme__isnull=True)
        elif data.get("theme"):
            queryset = queryset.filter(theme=self.themes[data["theme"]])
        if data.get("area"):
            queryset = queryset.wanting_to_work_on([data["area"]])
        if data.get("order") == NEWEST_FIRST:
            return queryset.order_by("-applied_at", "-id")
        return queryset.order_by("applied_at", "id")

    @staticmethod
    def _age_band(queryset, youngest: int, oldest: int | None):
        today = timezone.localdate()
        latest = years_before(today, youngest)  # born on or before: at least `youngest`
        if oldest is None:
            return queryset.filter(birth_date__lte=latest)
        earliest = years_before(today, oldest + 1) + timedelta(days=1)  # at most `oldest`
        return queryset.born_between(earliest, latest)


# The application page -----------------------------------------------------------------------

# What staff may set here; offers and places are made through the groups.
STAFF_STATUSES = [Status.IN_DIALOGUE, Status.WAITING, Status.NOT_SUITABLE, Status.WITHDRAWN]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("New note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you talked about and agreed. Only the centre's staff can read it."),
        error_messages={
            "required": _("Write something in the note before you save it."),
            "max_length": _(
                "A note can be at most %(limit_value)d characters (it has %(show_value)d)."
            ),
        },
    )

    def clean_text(self):
        text = clean_text(self.cleaned_data["text"])
        if not text:
            raise forms.ValidationError(
                _("Write something in the note before you save it."), code="required"
            )
        return text


class StatusForm(forms.Form):
    to = forms.ChoiceField(
        choices=[(status.value, status.label) for status in STAFF_STATUSES],
        error_messages={
            "required": _("Choose what to change the status to."),
            "invalid_choice": _("That status cannot be set here."),
        },
    )
    reason = forms.CharField(
        label=_("Why is the application not suitable?"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Written for the centre's staff, at most 300 characters."),
        error_messages={
            "max_length": _("Keep the reason to at most %(limit_value)d characters."),
        },
    )

    def clean_reason(self):
        return clean_text(self.cleaned_data.get("reason") or "")

    def clean(self):
        cleaned = super().clean()
        reason_refused = "reason" in self.errors
        if (
            cleaned.get("to") == Status.NOT_SUITABLE
            and not reason_refused
            and not cleaned["reason"]
        ):
            self.add_error(
                "reason", _("Say why the application is not suitable before you mark it so.")
            )
        return cleaned


class EraseForm(forms.Form):
    """Staff delete everything about a person who asked them to (by phone, mail or in person)."""

    confirm = forms.BooleanField(
        label=_("The person has asked us to delete everything. I understand it cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that the person asked for it.")},
    )


# Registering an application for someone who phoned or came in --------------------------------


class StaffApplicationForm(forms.Form):
    """The person asks for a place themselves; staff write down what they say."""

    first_name = forms.CharField(label=_("First name"), max_length=60)
    last_name = forms.CharField(label=_("Last name"), max_length=80)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The receipt and the link to their own page are sent here."),
    )
    phone = phone_field()
    birth_date = forms.DateField(
        label=_("Date of birth"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the date as day.month.year, e.g. 24.12.1980.")},
    )
    gender = gender_field()
    availability = AvailabilityField(
        label=_("When can they meet?"),
        help_text=_("Tick every time that suits them. Groups meet for two hours a week."),
        error_messages={"required": _("Choose at least one time they can meet.")},
    )
    centre = forms.ChoiceField(label=_("Centre"))
    theme = forms.ChoiceField(label=_("What kind of group?"), required=False)
    areas = areas_field()
    about = about_field()
    source = forms.ChoiceField(
        label=_("How did they get in touch?"),
        choices=[
            (Source.PHONE.value, capfirst(Source.PHONE.label)),
            (Source.IN_PERSON.value, capfirst(Source.IN_PERSON.label)),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Say whether the person phoned or came in.")},
    )
    language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=Language.choices,
        initial=Language.NORWEGIAN,
    )
    confirmed = forms.BooleanField(
        label=_(
            "The person asked for a place for themselves, and told me that it is their own "
            "choice, that they can come for two hours every week and will take part for the "
            "first 12 weeks, and that they agree to the centre storing and using this "
            "information, including what concerns their health, to find them a group."
        ),
        error_messages={
            "required": _(
                "Confirm that the person gave these confirmations and their consent. Without "
                "them the application cannot be registered."
            )
        },
    )

    def __init__(self, *args, centres: list[Centre], themes: list[Theme], **kwargs):
        super().__init__(*args, **kwargs)
        self.centres = {centre.slug: centre for centre in centres}
        self.several = len(centres) > 1
        self.fields["areas"].label = _("What would they like to work on?")
        self.fields["about"].label = _("What they told about themselves")
        self.fields["about"].help_text = _(
            "Optional, in their own words as far as possible. Only the centre's staff read it."
        )
        self.fields["gender"].help_text = _("Optional. Ask only if it comes up naturally.")
        if self.several:
            self.fields["centre"].choices = [
                ("", _("Choose a centre")),
                *((c.slug, c.name) for c in centres),
            ]
        else:
            del self.fields["centre"]
        self.themes = {str(theme.pk): theme for theme in themes}
        self.fields["theme"].choices = [
            (MIXED, _("A mixed group")),
            *(
                (key, f"{t.display_name} ({t.centre.name})" if self.several else t.display_name)
                for key, t in self.themes.items()
            ),
        ]
        self.fields["theme"].initial = MIXED
        if not themes:
            self.fields["theme"].widget = forms.HiddenInput()
        if centres:
            self.fields["language"].initial = centres[0].default_language

    def availability_rows(self):
        return availability_rows(self["availability"])

    def _required_text(self, name):
        value = clean_text(self.cleaned_data[name])
        if not value:
            raise forms.ValidationError(_("This field is required."), code="required")
        return value

    def clean_first_name(self):
        return self._required_text("first_name")

    def clean_last_name(self):
        return self._required_text("last_name")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_about(self):
        return clean_text(self.cleaned_data["about"])

    def clean_birth_date(self):
        value = self.cleaned_data["birth_date"]
        try:
            validate_birth_date(value)
        except forms.ValidationError as error:
            # The shared rule speaks to the applicant; here staff read the message.
            if error.code == "too_young":
                raise forms.ValidationError(
                    _(
                        "Self-help groups are for adults: the person must be 18 to apply. "
                        "Nothing has been saved."
                    ),
                    code="too_young",
                ) from None
            if error.code == "too_old":
                raise forms.ValidationError(
                    _("Please check the year: that would make the person over %(oldest)s.")
                    % {"oldest": OLDEST},
                    code="too_old",
                ) from None
            raise
        return value

    def clean_centre(self):
        return self.centres[self.cleaned_data["centre"]]

    def clean(self):
        cleaned = super().clean()
        centre = cleaned.get("centre") if self.several else next(iter(self.centres.values()))
        cleaned["centre"] = centre
        key = cleaned.get("theme") or MIXED
        cleaned["theme_obj"] = None
        if key != MIXED:
            theme = self.themes[key]
            if centre is not None and theme.centre_id != centre.pk:
                self.add_error("theme", _("That centre does not run this theme group."))
            cleaned["theme_obj"] = theme
        return cleaned

    def application_data(self) -> ApplicationData:
        data = self.cleaned_data
        return ApplicationData(
            centre=data["centre"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            phone=data["phone"].as_e164,
            birth_date=data["birth_date"],
            availability=data["availability"],
            gender=data.get("gender") or "",
            theme=data["theme_obj"],
            areas=data.get("areas") or [],
            about=data.get("about") or "",
            language=data["language"],
        )


# Correcting what an application says -----------------------------------------------------------


class CorrectionForm(StaffApplicationForm):
    """The person tells staff that something on their application is wrong (the right to
    rectification): every detail they gave, on the centre they applied to."""

    def __init__(self, *args, application: Application, themes: list[Theme], **kwargs):
        self.application = application
        initial = {
            "first_name": application.first_name,
            "last_name": application.last_name,
            "email": application.email,
            "phone": application.phone,
            "birth_date": application.birth_date,
            "gender": application.gender,
            "availability": application.availability,
            "theme": str(application.theme_id) if application.theme_id else MIXED,
            "areas": application.areas,
            "about": application.about,
            "language": application.language,
        }
        super().__init__(
            *args, centres=[application.centre], themes=themes, initial=initial, **kwargs
        )
        del self.fields["source"], self.fields["confirmed"]
        self.fields["email"].help_text = _("Their messages and the link to their page go here.")

    def clean_birth_date(self):
        value = super().clean_birth_date()
        applied_on = timezone.localtime(self.application.applied_at).date()
        if age_on(value, applied_on) < 18:
            raise forms.ValidationError(
                _("With this date of birth they were under 18 when they applied (%(date)s).")
                % {"date": applied_on.strftime("%d.%m.%Y")},
                code="too_young_then",
            )
        return value

    def corrections(self) -> dict:
        """The application's fields and their values as the person says they should be."""
        data = self.application_data()
        return {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "email": data.email,
            "phone": data.phone,
            "birth_date": data.birth_date,
            "gender": data.gender or Gender.UNSPECIFIED,  # as a new application stores it
            "availability_mask": bitsets.to_mask(data.availability, bitsets.SLOTS),
            "theme_id": data.theme.pk if data.theme else None,
            "areas_mask": bitsets.to_mask(data.areas, AREAS),
            "about": data.about,
            "language": data.language,
        }
