"""Forms of the starter area and of the staff pages for starters: validation and messages.

The forms check what a person can fix themselves; the services check the rules that need
the database (a clash with another meeting, an e-mail that belongs to a staff account) and
say why in their own message.
"""

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from intake.forms.fields import AvailabilityField, clean_text, phone_field
from selvhjelp.enums import Language, Weekday
from selvhjelp.forms import StaffLoginForm
from starters.models import MAX_GROUPS_AT_ONCE, Starter
from starters.permissions import is_starter

ACTIVE, RESTING = "active", "resting"


class StarterLoginForm(StaffLoginForm):
    """The staff sign-in with its throttle, for starter accounts only."""

    error_messages = {
        **StaffLoginForm.error_messages,
        "not_starter": _(
            "This account is not a starter account. Staff sign in on the staff pages."
        ),
    }

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not is_starter(user):
            raise ValidationError(self.error_messages["not_starter"], code="not_starter")


class WelcomePasswordForm(SetPasswordForm):
    """The starter chooses their own password from the invitation link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("Choose a password")
        self.fields["new_password2"].label = _("Write the password again")


def _availability_field():
    return AvailabilityField(
        label=_("When can they usually come?"),
        required=False,
        help_text=_("Tick the times that usually suit them. Groups meet for two hours."),
    )


def _max_groups_field():
    return forms.TypedChoiceField(
        label=_("Groups at once"),
        coerce=int,
        choices=[(n, str(n)) for n in range(1, MAX_GROUPS_AT_ONCE + 1)],
        help_text=_("How many groups they start at the same time, at most."),
        error_messages={"invalid_choice": _("Choose a number from the list.")},
    )


def _note_field():
    return forms.CharField(
        label=_("Note for staff"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Practical things only, at most 300 characters. The starter does not see it."),
        error_messages={"max_length": _("Keep the note to at most %(limit_value)d characters.")},
    )


class _AvailabilityGrid:
    def availability_rows(self):
        """The availability boxes as (weekday, [daytime box, evening box]) for a grid."""
        boxes = list(self["availability"])
        return [
            (Weekday(day).label, boxes[2 * n : 2 * n + 2]) for n, day in enumerate(Weekday.values)
        ]


class StarterForm(_AvailabilityGrid, forms.Form):
    """What staff keep in a starter's profile."""

    phone = phone_field()
    availability = _availability_field()
    max_groups = _max_groups_field()
    state = forms.ChoiceField(
        label=_("Taking new groups?"),
        choices=[
            (ACTIVE, _("Active: can be asked to start new groups")),
            (RESTING, _("Resting: gets no new groups for now")),
        ],
        widget=forms.RadioSelect,
    )
    note = _note_field()

    def __init__(self, *args, starter: Starter | None = None, **kwargs):
        if starter is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "phone": starter.phone,
                "availability": starter.availability,
                "max_groups": starter.max_groups,
                "state": ACTIVE if starter.is_active else RESTING,
                "note": starter.note,
            }
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = False

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])

    def changes(self) -> dict:
        """The profile fields for services.update_starter."""
        data = self.cleaned_data
        return {
            "phone": str(data["phone"] or ""),
            "availability": data["availability"],
            "max_groups": data["max_groups"],
            "note": data["note"],
        }

    @property
    def active(self) -> bool:
        return self.cleaned_data["state"] == ACTIVE


class InviteForm(_AvailabilityGrid, forms.Form):
    """A new starter: staff fill in what they know; the starter chooses their own password."""

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("The invitation with the link to choose a password goes here."),
    )
    phone = phone_field()
    language = forms.ChoiceField(
        label=_("Language of the messages"), choices=Language.choices, initial=Language.NORWEGIAN
    )
    availability = _availability_field()
    max_groups = _max_groups_field()
    note = _note_field()
    centre = forms.ModelChoiceField(
        label=_("Centre"),
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": _("Choose one of your centres.")},
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].required = False
        self.fields["max_groups"].initial = 1
        self.fields["centre"].queryset = centres
        self.several_centres = len(centres) > 1
        if not self.several_centres:
            self.fields["centre"].widget = forms.HiddenInput()
            self.fields["centre"].initial = centres[0].pk if centres else None

    def clean_first_name(self):
        return self._name("first_name")

    def clean_last_name(self):
        return self._name("last_name")

    def _name(self, field: str) -> str:
        value = clean_text(self.cleaned_data[field])
        if not value:
            raise ValidationError(_("Write the name."), code="required")
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_note(self):
        return clean_text(self.cleaned_data["note"])

    def invitation(self) -> dict:
        """The keyword arguments of services.invite_starter (the centre aside)."""
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": str(data["phone"] or ""),
            "availability": data["availability"],
            "max_groups": data["max_groups"],
            "note": data["note"],
            "language": data["language"],
        }


class ChooseStarterForm(forms.Form):
    """One starter of the group's centre, for assigning or replacing."""

    starter = forms.ModelChoiceField(
        queryset=Starter.objects.none(),
        error_messages={
            "required": _("Choose a starter."),
            "invalid_choice": _("Choose one of the centre's active starters."),
        },
    )

    def __init__(self, *args, centre, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["starter"].queryset = Starter.objects.for_centre(centre).active()
