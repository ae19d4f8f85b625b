"""Fields and rules shared by the public application form and staff registration."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from phonenumber_field.formfields import PhoneNumberField

from intake.enums import Area, Gender
from intake.models import ABOUT_MAX_LENGTH, age_on
from selvhjelp import bitsets

OLDEST = 110


def slot_choices():
    return [(slot, bitsets.slot_label(slot)) for slot in bitsets.SLOTS]


def validate_birth_date(value: date) -> None:
    today = timezone.localdate()
    if value > today:
        raise ValidationError(_("The date of birth cannot be in the future."), code="future")
    age = age_on(value, today)
    if age > OLDEST:
        raise ValidationError(
            _("Please check the year: that would make you over %(oldest)s.") % {"oldest": OLDEST},
            code="too_old",
        )
    if age < 18:
        raise ValidationError(
            _(
                "Self-help groups are for adults, so you must be 18 to apply. Nothing you "
                "wrote has been saved."
            ),
            code="too_young",
        )


def clean_text(value: str) -> str:
    """Text as typed, minus invisible control characters that only cause trouble."""
    return "".join(ch for ch in value if ch in "\n\t" or ch >= " ").strip()


class AvailabilityField(forms.MultipleChoiceField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("When can you meet?"))
        kwargs.setdefault(
            "help_text", _("Tick every time that suits you. Groups meet for two hours a week.")
        )
        kwargs.setdefault(
            "error_messages",
            {"required": _("Choose at least one time you can meet.")},
        )
        super().__init__(choices=slot_choices, widget=forms.CheckboxSelectMultiple, **kwargs)


def gender_field():
    return forms.ChoiceField(
        label=_("Gender"),
        required=False,
        choices=[("", _("Choose if you like")), *Gender.choices],
        help_text=_("Optional. It helps us put together groups with both women and men."),
    )


def areas_field():
    return forms.MultipleChoiceField(
        label=_("What would you like to work on?"),
        required=False,
        choices=Area.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Optional. Only the staff at the centre see this."),
    )


def about_field():
    return forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=ABOUT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Optional, at most %(max)s characters. Only the staff at the centre read it.")
        % {"max": ABOUT_MAX_LENGTH},
    )


def phone_field():
    return PhoneNumberField(
        label=_("Mobile number"),
        region="NO",
        error_messages={
            "invalid": _("Enter a valid mobile number, for example 412 34 567."),
        },
    )
