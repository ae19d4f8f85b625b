"""Status changes: only through the service functions, only along the allowed paths."""

import re
from pathlib import Path

import pytest

from intake import services
from intake.enums import Status
from tests.factories import ApplicationFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_status_fields_are_written_only_by_service_modules():
    """Every assignment to a status field lives in an app's services (or the outbox)."""
    writes = re.compile(r"\.status\s*=[^=]|[(,\s]status\s*=\s*(Status|NotificationState)\.")
    offenders = []
    for path in ROOT.glob("[!.]*/**/*.py"):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(("tests/", ".venv/")) or "/migrations/" in relative:
            continue
        if relative.endswith(("services.py", "selvhjelp/outbox.py")):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            reading = any(word in line for word in ("filter(", "exclude(", "Q(", "=="))
            if writes.search(line) and not reading and not line.lstrip().startswith("#"):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    assert offenders == []


@pytest.mark.parametrize(
    ("status", "moves"),
    [
        (Status.RECEIVED, ["in_dialogue", "waiting", "not_suitable", "withdrawn"]),
        (Status.IN_DIALOGUE, ["waiting", "not_suitable", "withdrawn"]),
        (Status.WAITING, ["in_dialogue", "not_suitable", "withdrawn"]),
        (Status.OFFERED, ["withdrawn"]),
        (Status.PLACED, ["withdrawn"]),
        (Status.NOT_SUITABLE, ["waiting"]),
        (Status.WITHDRAWN, []),
    ],
)
def test_staff_moves_follow_the_workflow(status, moves):
    assert services.staff_moves(ApplicationFactory.build(status=status)) == moves


def test_an_offered_application_goes_back_to_waiting_only_through_its_offer(staff_1, centre_1):
    application = ApplicationFactory(centre=centre_1, status=Status.OFFERED)
    with pytest.raises(services.TransitionNotAllowed):
        services.mark_waiting(application, staff=staff_1)
    application.refresh_from_db()
    assert application.status == Status.OFFERED
    services.return_to_waiting(application)
    application.refresh_from_db()
    assert application.status == Status.WAITING
    with pytest.raises(services.TransitionNotAllowed):
        services.return_to_waiting(application)


def test_a_stale_page_cannot_move_an_application_someone_else_moved(staff_1, centre_1):
    application = ApplicationFactory(centre=centre_1, status=Status.RECEIVED)
    stale = ApplicationFactory._meta.model.objects.get(pk=application.pk)
    services.withdraw_application(application)
    with pytest.raises(services.TransitionNotAllowed) as refused:
        services.start_dialogue(stale, staff=staff_1)
    assert refused.value.current == Status.WITHDRAWN
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
