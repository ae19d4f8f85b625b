import factory
from django.contrib.auth import get_user_model

from groups.models import Room
from selvhjelp.models import Centre, StaffMembership

PASSWORD = "a-long-test-password-1"


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Selvhjelpssenter {n}")
    slug = factory.Sequence(lambda n: f"senter-{n}")
    street_address = "Storgata 1"
    postal_code = "0155"
    city = "Oslo"
    email = factory.LazyAttribute(lambda c: f"post@{c.slug}.example.no")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruker{n}")
    first_name = "Kari"
    last_name = "Nordmann"
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.no")
    password = factory.django.Password(PASSWORD)


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(UserFactory)
    centre = factory.SubFactory(CentreFactory)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"Rom {n}")
    capacity = 10
