from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from selvhjelp import health, registry
from selvhjelp.enums import NotificationState
from selvhjelp.forms import StaffLoginForm
from selvhjelp.models import AuditEvent, Centre, Notification
from selvhjelp.permissions import public, staff_required


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
    template_name = "staff/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


staff_login = public(StaffLoginView.as_view())
staff_logout = public(auth_views.LogoutView.as_view())


@staff_required
def staff_home(request):
    centres = list(Centre.objects.for_staff(request.user))
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
