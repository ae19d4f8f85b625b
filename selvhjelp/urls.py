from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from selvhjelp import outbox_views, views

admin.site.site_header = _("Selvhjelp administration")
admin.site.site_title = _("Selvhjelp")

# Machine endpoints stay outside the language prefix.
urlpatterns = [
    path("helse/", views.health_check, name="health"),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("stab/", views.staff_home, name="staff-home"),
    path("stab/logg-inn/", views.staff_login, name="staff-login"),
    path("stab/logg-ut/", views.staff_logout, name="staff-logout"),
    path("stab/logg-inn/kode/", views.staff_login_code, name="staff-login-code"),
    path("stab/logg-inn/oppsett/", views.staff_login_setup, name="staff-login-setup"),
    path("stab/konto/", views.staff_account, name="staff-account"),
    path("stab/konto/nullstill/", views.staff_account_reset, name="staff-account-reset"),
    path("stab/meldinger/", outbox_views.message_list, name="staff-messages"),
    path("stab/meldinger/varsler/", outbox_views.subscriptions, name="staff-subscriptions"),
    path(
        "stab/meldinger/<int:pk>/send-igjen/",
        outbox_views.message_retry,
        name="staff-message-retry",
    ),
    path(
        "stab/meldinger/<int:pk>/stopp/", outbox_views.message_cancel, name="staff-message-cancel"
    ),
    path("admin/", admin.site.urls),
    path("", include("intake.urls")),
    path("", include("groups.urls")),
    path("", include("starters.urls")),
    prefix_default_language=False,
)
