from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from selvhjelp.enums import NotificationState
from selvhjelp.http import client_ip
from selvhjelp.throttle import Throttle

# Failed sign-ins per account and per client address, per quarter of an hour.
FAILED_PER_ACCOUNT = Throttle("login.account", limit=5, window_seconds=15 * 60)
FAILED_PER_ADDRESS = Throttle("login.address", limit=20, window_seconds=15 * 60)


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "The username or password is wrong. Both are case-sensitive; please try again."
        ),
        "inactive": _("This account is not active. Ask the centre's administrator."),
        "throttled": _(
            "Too many attempts to sign in. Wait a quarter of an hour and try again, or ask "
            "the centre's administrator for help."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")

    def clean(self):
        account = (self.cleaned_data.get("username") or "").lower()
        address = client_ip(self.request) if self.request else "unknown"
        # The same answer whether or not the account exists, and before any password check.
        if FAILED_PER_ACCOUNT.reached(account) or FAILED_PER_ADDRESS.reached(address or ""):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            FAILED_PER_ACCOUNT.hit(account)
            FAILED_PER_ADDRESS.hit(address or "")
            raise
        FAILED_PER_ACCOUNT.reset(account)
        return cleaned


class MessageFilterForm(forms.Form):
    """The staff outbox filters (GET). Empty means no filter."""

    state = forms.ChoiceField(label=_("State"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    centre = forms.ChoiceField(label=_("Centre"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, centres, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states")), *NotificationState.choices]
        self.fields["kind"].choices = [("", _("All kinds")), *kinds]
        self.fields["centre"].choices = [("", _("All your centres"))] + [
            (centre.slug, centre.name) for centre in centres
        ]
        if len(centres) < 2:
            del self.fields["centre"]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise ValidationError(_("The period ends before it starts."), code="period")
        return cleaned

    def filter(self, queryset):
        """The messages that match the valid filters (an invalid form filters nothing)."""
        if not self.is_bound or not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["state"]:
            queryset = queryset.filter(state=data["state"])
        if data["kind"]:
            queryset = queryset.filter(kind=data["kind"])
        if data.get("centre"):
            queryset = queryset.filter(centre__slug=data["centre"])
        if data["since"]:
            queryset = queryset.filter(due_at__date__gte=data["since"])
        if data["until"]:
            queryset = queryset.filter(due_at__date__lte=data["until"])
        return queryset


class SecondFactorForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the backup codes. The view
    checks it with selvhjelp.two_factor and passes a refusal to `refuse(reason)`."""

    error_messages = {
        "wrong": _(
            "That code is not right. Use the newest code in the app, and check that the "
            "clock on your phone is right."
        ),
        "wait": _("Too many wrong codes in a row. Wait a few seconds and try again."),
        "throttled": _(
            "Too many wrong codes. Wait a quarter of an hour and try again, or ask the "
            "centre's administrator for help."
        ),
    }

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, help_text=None, **kwargs):
        super().__init__(*args, **kwargs)
        if help_text:
            self.fields["code"].help_text = help_text

    def refuse(self, reason: str) -> None:
        self.add_error("code", ValidationError(self.error_messages[reason], code=reason))
