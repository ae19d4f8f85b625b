from django.urls import path, re_path

from starters.views import feed, staff, starter

urlpatterns = [
    # The starter's own area
    path("igangsetter/", starter.schedule, name="starter-schedule"),
    path("igangsetter/logg-inn/", starter.starter_login, name="starter-login"),
    path("igangsetter/logg-ut/", starter.starter_logout, name="starter-logout"),
    path("igangsetter/velkommen/<uidb64>/<token>/", starter.welcome, name="starter-welcome"),
    path("igangsetter/oppdrag/<int:pk>/svar/", starter.answer, name="starter-answer"),
    path("igangsetter/kalender/", starter.calendar, name="starter-calendar"),
    path(
        "igangsetter/kalender/ny-adresse/",
        starter.calendar_reset,
        name="starter-calendar-reset",
    ),
    path("igangsetter/grupper/<int:pk>/startpakke/", starter.kit, name="starter-kit"),
    # The private calendar feed (the token is the key)
    re_path(r"^kalender/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", feed.feed, name="starter-feed"),
    # Staff
    path("stab/igangsettere/", staff.starter_list, name="staff-starters"),
    path("stab/igangsettere/ny/", staff.starter_new, name="staff-starter-new"),
    path("stab/igangsettere/<int:pk>/", staff.starter_edit, name="staff-starter"),
    path(
        "stab/igangsettere/<int:pk>/ny-lenke/",
        staff.invite_again,
        name="staff-starter-invite-again",
    ),
    path(
        "stab/igangsettere/grupper/<int:pk>/tildel/",
        staff.assign,
        name="staff-starter-assign",
    ),
    path(
        "stab/igangsettere/oppdrag/<int:pk>/frigi/",
        staff.release,
        name="staff-assignment-release",
    ),
    path(
        "stab/igangsettere/oppdrag/<int:pk>/erstatt/",
        staff.replace,
        name="staff-assignment-replace",
    ),
]
