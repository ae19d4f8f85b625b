"""The Django admin, behind the same sign-in as /stab/: password, then the second factor.

Installed as the default admin site (INSTALLED_APPS names AdminConfig), so every
`admin.register` in the apps lands here. The admin's own login form is not used: it would
bypass the sign-in throttle and the code step.
"""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse

# Loaded while the app registry fills: modules that define models are imported lazily.


class AdminSite(admin.AdminSite):
    def has_permission(self, request):
        from selvhjelp import two_factor

        return super().has_permission(request) and not two_factor.pending(request.user)

    def login(self, request, extra_context=None):
        from django.contrib.auth.views import redirect_to_login

        from selvhjelp import two_factor

        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse(
            "admin:index", current_app=self.name
        )
        if not request.user.is_authenticated:
            return redirect_to_login(target, reverse("staff-login"))
        if two_factor.pending(request.user):
            return redirect(two_factor.step_url(request.user, target))
        if self.has_permission(request):
            return redirect(reverse("admin:index", current_app=self.name))
        raise PermissionDenied


class AdminConfig(DjangoAdminConfig):
    default_site = "selvhjelp.admin_site.AdminSite"
