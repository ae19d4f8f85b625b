"""The person's data export is complete: every row stored about them, from every app.

The test walks the models (Django's _meta): every model with a foreign key to an
application, or to such a model, and so on, holds rows about the person. A story gives each
of them rows, and every stored value of every row must turn up in one object of the JSON
the person downloads. A new model or field that the export forgets fails here, unless it is
named below with the reason it is left out.
"""

import json
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.apps import apps
from phonenumber_field.phonenumber import PhoneNumber

from groups import services as group_services
from intake import services as intake_services
from intake.models import Application
from selvhjelp import outbox
from selvhjelp.models import Notification
from tests.factories import ApplicationFactory, RoomFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=outbox.OSLO)

# Fields deliberately not in the export, and why. Relations are not values: the rows they
# point to are exported in their own right (or are the centre's, a group's or staff's).
NOT_EXPORTED = {
    "intake.application": {
        "access_key": "the key behind the private link: it opens the page, says nothing",
        "submission_key": "a random number that stops a double post",
        "availability_mask": "exported decoded as 'availability' (checked below)",
        "areas_mask": "exported decoded as 'areas' (checked below)",
    },
    "core.notification": {
        "idempotency_key": "the outbox's technical key (ids only)",
        "recipient_type": "names the application itself",
        "recipient_id": "names the application itself",
        "object_type": "names a row that is exported in its own right",
        "object_id": "names a row that is exported in its own right",
        "params": "ids and flags only",
        "attempts": "how often the worker tried",
        "lease_expires_at": "the worker's lease",
        "last_error": "the mail server's answer, for staff",
        "message_id": "the e-mail's technical id",
        "created_at": "when it was queued; 'due' and 'sent' are exported",
        "finished_at": "when the worker finished; 'sent' is exported",
        "to_name": "the first name, exported with the application",
        "language": "the application's language, exported with it",
    },
}


def owned_models() -> dict:
    """Each model whose rows belong to an application, with the lookup from it to one."""
    paths = {Application: "pk"}
    grew = True
    while grew:
        grew = False
        for model in apps.get_models():
            if model in paths:
                continue
            for field in model._meta.get_fields():
                if field.concrete and field.is_relation and field.related_model in paths:
                    base = paths[field.related_model]
                    paths[model] = field.name if base == "pk" else f"{field.name}__{base}"
                    grew = True
                    break
    return paths


def normalised(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PhoneNumber):
        return value.as_e164
    return value


def exported_values(row) -> dict:
    """The row's stored values that the export must hold (empty ones say nothing)."""
    label = row._meta.label_lower
    values = {}
    for field in row._meta.concrete_fields:
        if field.primary_key or field.is_relation:
            continue
        if field.name in NOT_EXPORTED.get(label, {}):
            continue
        value = field.value_from_object(row)
        if value is None or value == "":
            continue
        values[field.name] = normalised(value)
    return values


def objects_in(data) -> list[list]:
    """Each JSON object's own values (and the items of its lists), one list per object."""
    found = []
    if isinstance(data, dict):
        own = []
        for value in data.values():
            if isinstance(value, list):
                own.extend(item for item in value if not isinstance(item, dict | list))
            elif not isinstance(value, dict):
                own.append(value)
        found.append(own)
        for value in data.values():
            found.extend(objects_in(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(objects_in(item))
    return found


def in_one_object(values: dict, export: dict) -> bool:
    wanted = list(values.values())
    return any(
        all(any(v == have and type(v) is type(have) for have in own) for v in wanted)
        for own in objects_in(export)
    )


@pytest.fixture
def stories(centre_1, staff_1, settings):
    """Kari was offered two groups, joined one, gave notice and left; Nora was not suitable."""
    settings.CELERY_BROKER_URL = ""
    with time_machine.travel(NOW, tick=False):
        groups = [
            group_services.create_group(
                centre_1,
                name=name,
                room=RoomFactory(centre=centre_1, name=f"Rom {name}"),
                weekday=1,
                start_time=time(18, 0),
                start_date=date(2026, 12, 1),
                staff=staff_1,
            )
            for name in ["Tirsdagsgruppa", "Tirsdag to"]
        ]
        kari = ApplicationFactory(
            centre=centre_1,
            status="waiting",
            availability=["tue-evening"],
            first_name="Kari",
            last_name="Nordmann",
            gender="woman",
            areas=["grief", "carer"],
            about="Mistet mannen min i fjor.",
            staff_registered=True,
        )
        intake_services.add_note(kari, staff=staff_1, text="God samtale.")
        first = group_services.place_applicant(groups[0], kari, staff=staff_1)
        outbox.dispatch_due()  # the offer is sent before she answers
        group_services.decline_offer(first)
        kari.refresh_from_db()
        second = group_services.place_applicant(groups[1], kari, staff=staff_1)
        outbox.dispatch_due()
        membership = group_services.accept_offer(second)
        group_services.record_signature(membership, signed_on=date(2026, 12, 1), staff=staff_1)
        meeting = groups[1].meetings.order_by("starts_at")[1]
        group_services.send_notice(membership, kind="absent", meeting=meeting)
        group_services.send_notice(membership, kind="leaving")
        group_services.leave_group(membership, reason="life_changed", left_on=date(2026, 12, 9))
        # Waiting-list care: asked once whether she still wanted a place, and said yes.
        Application.objects.filter(pk=kari.pk).update(
            still_waiting_asked_at=datetime(2026, 11, 1, 10, tzinfo=UTC),
            still_waiting_confirmed_at=datetime(2026, 11, 2, 11, tzinfo=UTC),
        )

        nora = ApplicationFactory(centre=centre_1, first_name="Nora")
        intake_services.add_note(nora, staff=staff_1, text="Trenger annen hjelp nå.")
        intake_services.mark_not_suitable(nora, staff=staff_1, reason="Trenger behandling.")
        outbox.dispatch_due()
    return [Application.objects.get(pk=kari.pk), Application.objects.get(pk=nora.pk)]


def download(client, application) -> dict:
    response = client.get(f"/soknad/{application.token}/data.json")
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_walk_finds_the_models_about_a_person():
    labels = {model._meta.label_lower: path for model, path in owned_models().items()}
    assert {
        "intake.application": "pk",
        "intake.intakenote": "application",
        "groups.offer": "application",
        "groups.membership": "application",
        "groups.absencenotice": "membership__application",
    }.items() <= labels.items()


def test_every_row_about_a_person_is_in_their_export(client, stories):
    exports = {application.pk: download(client, application) for application in stories}
    filled: dict[tuple[str, str], int] = {}
    models = dict(owned_models())
    models[Notification] = None  # tied by recipient_type/id rather than a foreign key
    missing = []
    for model, path in models.items():
        label = model._meta.label_lower
        rows = 0
        for application in stories:
            if path is None:
                queryset = Notification.objects.to_recipient(application)
            else:
                queryset = model.objects.filter(**{path: application.pk})
            for row in queryset:
                rows += 1
                values = exported_values(row)
                for name in values:
                    filled[(label, name)] = filled.get((label, name), 0) + 1
                if not in_one_object(values, exports[application.pk]):
                    missing.append((label, row.pk, values))
        assert rows, f"The stories give {label} no rows: add one, so its export is checked."
        for field in model._meta.concrete_fields:
            if field.primary_key or field.is_relation:
                continue
            if field.name in NOT_EXPORTED.get(label, {}):
                continue
            assert (label, field.name) in filled, (
                f"No story fills {label}.{field.name}: fill it, so its export is checked."
            )
    assert missing == []


def test_the_decoded_masks_and_the_relations_are_exported(client, stories):
    kari, nora = stories
    data = download(client, kari)["intake"]["application"]
    assert (data["availability"], data["areas"], data["centre"], data["theme"]) == (
        ["tue-evening"],
        ["grief", "carer"],
        "Selvhjelpshuset Nord",
        "mixed",
    )
    groups = download(client, kari)["groups"]
    assert [offer["group"] for offer in groups["offers"]] == ["Tirsdagsgruppa", "Tirsdag to"]
    assert download(client, nora)["intake"]["application"]["not_suitable_reason"] == (
        "Trenger behandling."
    )


def test_a_forgotten_row_would_fail(stories):
    """The check itself: a value missing from the export is caught, one present is not."""
    kari = stories[0]
    note = kari.notes.get()
    export = {"intake": {"intake_notes": [{"written": "x", "text": note.text}]}}
    assert in_one_object({"text": note.text}, export)
    assert not in_one_object(exported_values(note), export)
    assert not in_one_object({"text": note.text, "other": "elsewhere"}, export)
