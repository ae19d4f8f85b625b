"""Writing the audit log. Pass ids and labels, never the sensitive values themselves."""

from selvhjelp.http import client_ip
from selvhjelp.models import AuditEvent


def record(action: str, *, request=None, actor=None, centre=None, obj=None, **detail) -> AuditEvent:
    """Append one event. `obj` is the model instance it concerns (type and id are stored)."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor.get_username() if actor is not None else "",
        centre=centre,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        ip_address=client_ip(request) if request is not None else None,
        detail=detail,
    )


def record_each(action: str, objs, *, request, **detail) -> list[AuditEvent]:
    """One event per object (each with its own `centre_id`), written in one statement: for a
    page that shows many people at once."""
    actor = request.user if request.user.is_authenticated else None
    ip_address = client_ip(request)
    return AuditEvent.objects.bulk_create(
        AuditEvent(
            action=action,
            actor=actor,
            actor_label=actor.get_username() if actor is not None else "",
            centre_id=obj.centre_id,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            ip_address=ip_address,
            detail=detail,
        )
        for obj in objs
    )
