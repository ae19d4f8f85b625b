from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from selvhjelp import health, registry, two_factor
from selvhjelp.enums import NotificationState
from selvhjelp.forms import SecondFactorForm, StaffLoginForm
from selvhjelp.models import AuditEvent, Notification
from selvhjelp.permissions import (
    account_required,
    public,
    second_factor_step,
    staff_centres,
    staff_required,
)


@public
def home(request):
    return render(request, "public/home.html")


@public
@never_cache
def health_check(request):
    database = health.database_ok()
    body = {
        "status": "ok" if database else "error",
        "database": "ok" if database else "unreachable",
        "broker": health.broker_state(),
        "worker_seen_seconds_ago": health.worker_seen_seconds_ago() if database else None,
        "overdue_notifications": health.overdue_notifications() if database else None,
    }
    return JsonResponse(body, status=200 if database else 503)


class StaffLoginView(auth_views.LoginView):
    """The password step for staff and administrators (the admin sends its sign-in here).
    When the second factor is required, the password leads on to the code step."""

    template_name = "staff/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return two_factor.home_url(self.request.user)

    def get_success_url(self):
        url = super().get_success_url()
        if two_factor.pending(self.request.user):
            return two_factor.step_url(self.request.user, url)
        return url


staff_login = public(StaffLoginView.as_view())
staff_logout = public(auth_views.LogoutView.as_view())


@second_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def staff_login_code(request):
    """The code step: a code from the authenticator app, or a backup code."""
    target = two_factor.safe_next(request, two_factor.home_url(request.user))
    if two_factor.is_verified(request.user):
        return redirect(target)
    if two_factor.app_device(request.user) is None:
        return redirect(two_factor.step_url(request.user, target))
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            two_factor.verify(request, form.cleaned_data["code"])
        except two_factor.CodeError as error:
            form.refuse(error.reason)
        else:
            return redirect(target)
    return render(request, "staff/login_code.html", {"form": form, "next": target})


@second_factor_step
@never_cache
@require_http_methods(["GET", "POST"])
def staff_login_setup(request):
    """Set up an authenticator app: QR code and secret, confirmed by a first code. Only for
    an account without one; a new phone goes through the reset on the account page."""
    target = two_factor.safe_next(request, two_factor.home_url(request.user))
    if two_factor.app_device(request.user) is not None:
        if two_factor.pending(request.user):
            return redirect(two_factor.step_url(request.user, target))
        return redirect("staff-account")
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            codes = two_factor.confirm_setup(request, form.cleaned_data["code"])
        except two_factor.CodeError as error:
            form.refuse(error.reason)
        else:
            return render(
                request, "staff/login_backup_codes.html", {"codes": codes, "next": target}
            )
    key = two_factor.pending_key(request)
    qr_code = two_factor.qr_svg(
        two_factor.config_url(request.user, key), _("QR code for your authenticator app")
    )
    context = {
        "form": form,
        "next": target,
        "secret": two_factor.secret_for_display(key),
        # Markup we generate from the secret alone; no user input reaches it.
        "qr_code": mark_safe(qr_code),  # noqa: S308
    }
    return render(request, "staff/login_setup.html", context)


def _account_page(request, form):
    context = {
        "form": form,
        "second_factor": two_factor.status(request.user),
        "second_factor_required": settings.STAFF_REQUIRE_2FA,
    }
    return render(request, "staff/account.html", context)


@account_required
@never_cache
def staff_account(request):
    """My account: whether two-step sign-in is set up, and a reset for a new phone."""
    return _account_page(request, SecondFactorForm())


@account_required
@never_cache
@require_POST
def staff_account_reset(request):
    form = SecondFactorForm(request.POST)
    if form.is_valid():
        try:
            two_factor.reset(request, form.cleaned_data["code"])
        except two_factor.CodeError as error:
            form.refuse(error.reason)
        else:
            messages.success(
                request,
                _(
                    "Two-step sign-in is turned off for your account. Set it up again with "
                    "the app on your new phone."
                ),
            )
            return redirect(two_factor.step_url(request.user, reverse("staff-account")))
    return _account_page(request, form)


@staff_required
def staff_home(request):
    centres = staff_centres(request)
    events = list(
        AuditEvent.objects.filter(centre__in=centres)
        .select_related("centre")
        .only("at", "actor_label", "action", "object_type", "centre__name")[:20]
    )
    for event in events:
        event.label = registry.audit_label(event.action)
    failed = Notification.objects.filter(centre__in=centres, state=NotificationState.FAILED)
    context = {
        "centres": centres,
        "sections": [
            {"template": section.template, "context": section_context}
            for section, section_context in registry.staff_sections(request, centres)
        ],
        "events": events,
        "failed_messages": failed.order_by("-finished_at", "-id").only(
            "kind", "channel", "to_name", "finished_at", "last_error"
        )[:10],
        "failed_count": failed.count(),
    }
    return render(request, "staff/home.html", context)
