"""The demo centre and its logins (`manage.py seed_demo`); apps add their parts via the registry."""

from django.contrib.auth import get_user_model
from django.db import transaction

from selvhjelp import registry
from selvhjelp.models import Centre, StaffMembership

DEMO_PASSWORD = "selvhjelp-demo"  # noqa: S105 (published demo login, DEBUG only)
DEMO_STAFF = "demo-stab"
DEMO_STARTER = "demo-igangsetter"

DEMO_CENTRE = {
    "name": "Selvhjelpshuset Demo",
    "street_address": "Kirkeveien 61, 6. etasje",
    "postal_code": "0368",
    "city": "Oslo",
    "directions": "Inngang ved postkontoret. Heis til 6. etasje.",
    "phone": "+4722334455",
    "email": "post@selvhjelpshuset-demo.no",
    "website": "https://selvhjelpshuset-demo.no",
}


def _user(username: str, *, first_name: str, last_name: str, email: str):
    user, created = get_user_model().objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": email},
    )
    if created or not user.check_password(DEMO_PASSWORD):
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def seed() -> Centre:
    centre, _ = Centre.objects.update_or_create(slug="demo", defaults=DEMO_CENTRE)
    staff = _user(
        DEMO_STAFF, first_name="Kari", last_name="Nordmann", email="kari@selvhjelpshuset-demo.no"
    )
    StaffMembership.objects.get_or_create(user=staff, centre=centre)
    _user(DEMO_STARTER, first_name="Ola", last_name="Hansen", email="ola.hansen@example.no")
    for part in registry.demo_data_parts():
        part.fill(centre)
    return centre
