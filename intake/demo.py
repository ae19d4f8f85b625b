"""The intake app's part of the demo centre: people on the waiting list, in every state."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from intake import services
from intake.enums import Source, Status
from intake.models import Application
from selvhjelp.models import Theme

# first, last, born, gender, availability, areas, status, weeks ago, source
PEOPLE = [
    (
        "Ingrid",
        "Solberg",
        date(1984, 3, 12),
        "woman",
        ["tue-evening", "thu-evening"],
        ["grief"],
        Status.WAITING,
        11,
        Source.WEB,
    ),
    (
        "Jonas",
        "Berg",
        date(1979, 7, 2),
        "man",
        ["tue-evening", "wed-evening"],
        ["burnout", "work"],
        Status.WAITING,
        9,
        Source.WEB,
    ),
    (
        "Amina",
        "Haddad",
        date(1991, 11, 23),
        "woman",
        ["tue-evening", "mon-evening"],
        ["anxiety", "loneliness"],
        Status.WAITING,
        8,
        Source.WEB,
    ),
    (
        "Per",
        "Lunde",
        date(1962, 1, 30),
        "man",
        ["tue-evening", "tue-day"],
        ["illness"],
        Status.WAITING,
        7,
        Source.PHONE,
    ),
    (
        "Sofie",
        "Dahl",
        date(1988, 5, 5),
        "woman",
        ["tue-evening", "thu-evening"],
        ["depression"],
        Status.WAITING,
        6,
        Source.WEB,
    ),
    (
        "Eirik",
        "Moen",
        date(1975, 9, 17),
        "man",
        ["thu-evening"],
        ["substance"],
        Status.WAITING,
        5,
        Source.WEB,
    ),
    (
        "Hanne",
        "Strand",
        date(1969, 12, 1),
        "woman",
        ["mon-day", "wed-day"],
        ["carer"],
        Status.WAITING,
        5,
        Source.IN_PERSON,
    ),
    (
        "Lars",
        "Nilsen",
        date(1993, 2, 14),
        "unspecified",
        ["tue-evening"],
        ["transition", "loneliness"],
        Status.IN_DIALOGUE,
        3,
        Source.WEB,
    ),
    (
        "Marte",
        "Aas",
        date(1986, 8, 8),
        "woman",
        ["wed-evening", "thu-evening"],
        ["anxiety"],
        Status.IN_DIALOGUE,
        2,
        Source.WEB,
    ),
    (
        "Kristian",
        "Holm",
        date(1981, 4, 21),
        "man",
        ["mon-evening"],
        [],
        Status.RECEIVED,
        1,
        Source.WEB,
    ),
    (
        "Nora",
        "Bakke",
        date(1998, 6, 30),
        "other",
        ["tue-evening", "thu-evening"],
        ["grief", "depression"],
        Status.RECEIVED,
        0,
        Source.WEB,
    ),
    (
        "Trond",
        "Eide",
        date(1958, 10, 3),
        "man",
        ["wed-day"],
        ["illness", "other"],
        Status.WITHDRAWN,
        10,
        Source.WEB,
    ),
]


def fill(centre) -> None:
    staff = get_user_model().objects.filter(staff_memberships__centre=centre).first()
    Theme.objects.update_or_create(
        centre=centre,
        slug="sorg",
        defaults={
            "name": "Sorggruppe",
            "name_en": "Grief group",
            "description": "For deg som har mistet noen som sto deg nær.",
        },
    )
    now = timezone.now()
    for first, last, born, gender, slots, areas, status, weeks, source in PEOPLE:
        email = f"{first}.{last}@example.no".lower()
        if Application.objects.filter(centre=centre, email=email).exists():
            continue
        data = services.ApplicationData(
            centre=centre,
            first_name=first,
            last_name=last,
            email=email,
            phone="+4741234567",
            birth_date=born,
            availability=slots,
            gender=gender,
            areas=areas,
            about="",
        )
        application = services._create(
            data, source=source, registered_by=None if source == Source.WEB else staff
        )
        applied = now - timedelta(weeks=weeks, days=2)
        Application.objects.filter(pk=application.pk).update(applied_at=applied, consent_at=applied)
        if status in (Status.IN_DIALOGUE, Status.WAITING):
            services.start_dialogue(application, staff=staff)
        if status == Status.WAITING:
            services.add_note(application, staff=staff, text="Hyggelig samtale. Klar for gruppe.")
            services.mark_waiting(application, staff=staff)
        if status == Status.WITHDRAWN:
            services.withdraw_application(application)
