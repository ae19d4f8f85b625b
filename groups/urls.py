from django.urls import path

from groups.views import matching, public, staff

urlpatterns = [
    # The participant, on their own page (the signed token is the key)
    path("soknad/<token:token>/tilbud/<int:pk>/", public.answer_offer, name="offer-answer"),
    path("soknad/<token:token>/beskjed/", public.send_notice, name="notice-send"),
    # Staff
    path("stab/grupper/", staff.group_list, name="staff-groups"),
    path("stab/grupper/ny/", staff.group_new, name="staff-group-new"),
    path("stab/grupper/forslag/", matching.group_proposals, name="staff-group-proposals"),
    path("stab/grupper/<int:pk>/", staff.group_detail, name="staff-group"),
    path("stab/grupper/<int:pk>/moter/", staff.group_meetings, name="staff-group-meetings"),
    path("stab/grupper/<int:pk>/endre/", staff.group_edit, name="staff-group-edit"),
    path("stab/grupper/<int:pk>/plasser/", staff.place, name="staff-group-place"),
    path(
        "stab/grupper/<int:pk>/kandidater/",
        matching.group_candidates,
        name="staff-group-candidates",
    ),
    path("stab/grupper/<int:pk>/apne/", staff.record_opening, name="staff-group-open"),
    path("stab/grupper/<int:pk>/lukk/", staff.close_again, name="staff-group-close"),
    path("stab/grupper/<int:pk>/avslutt/", staff.end_group, name="staff-group-end"),
    path(
        "stab/grupper/<int:pk>/taushetserklaering/",
        staff.declaration,
        name="staff-group-declaration",
    ),
    path(
        "stab/grupper/<int:pk>/deltakerliste/",
        staff.participant_list,
        name="staff-group-participants",
    ),
    # Tabs registered by apps to the right (starters); after every fixed path of a group.
    path("stab/grupper/<int:pk>/<slug:tab>/", staff.group_tab, name="staff-group-tab"),
    path("stab/moter/<int:pk>/", staff.meeting_detail, name="staff-meeting"),
    path("stab/moter/<int:pk>/avlys/", staff.meeting_cancel, name="staff-meeting-cancel"),
    path("stab/moter/<int:pk>/flytt/", staff.meeting_move, name="staff-meeting-move"),
    path("stab/tilbud/<int:pk>/trekk/", staff.offer_withdraw, name="staff-offer-withdraw"),
    path("stab/medlemmer/<int:pk>/slutt/", staff.membership_leave, name="staff-membership-leave"),
    path(
        "stab/medlemmer/<int:pk>/signert/",
        staff.membership_signed,
        name="staff-membership-signed",
    ),
    path("stab/rom/", staff.room_list, name="staff-rooms"),
    path("stab/rom/ny/", staff.room_new, name="staff-room-new"),
    path("stab/rom/<int:pk>/", staff.room_edit, name="staff-room-edit"),
]
