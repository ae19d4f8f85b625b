from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from groups.models import Room
from intake.enums import Area
from selvhjelp import bitsets
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


def _years_ago(day, years: int):
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class ApplicationFactory(factory.django.DjangoModelFactory):
    """A valid application (confirmed, consented, adult). Set what a test cares about:

    ApplicationFactory(centre=c, status=Status.WAITING, availability=["mon-evening"],
                       areas=["grief"], age=45, applied_at=…, theme=…)
    Traits: `staff_registered` (by phone, registered_by a user), `not_suitable`.
    """

    class Meta:
        model = "intake.Application"

    class Params:
        availability = ("mon-evening", "thu-day")
        areas = ()
        age = 35  # on today's date; give birth_date to set it exactly
        staff_registered = factory.Trait(
            source="phone", registered_by=factory.SubFactory(UserFactory)
        )
        not_suitable = factory.Trait(status="not_suitable", not_suitable_reason="Ønsker samtale")

    centre = factory.SubFactory(CentreFactory)
    first_name = factory.Sequence(lambda n: f"Søker{n}")
    last_name = "Hansen"
    email = factory.Sequence(lambda n: f"soker{n}@example.no")
    phone = factory.Sequence(lambda n: f"+474{n % 10_000_000:07d}")
    birth_date = factory.LazyAttribute(
        lambda o: _years_ago(timezone.localdate(), o.age) - timedelta(days=30)
    )
    gender = "unspecified"
    applied_at = factory.LazyFunction(timezone.now)
    status_changed_at = factory.LazyAttribute(lambda o: o.applied_at)
    status = "received"
    source = "web"
    availability_mask = factory.LazyAttribute(
        lambda o: bitsets.to_mask(o.availability, bitsets.SLOTS)
    )
    areas_mask = factory.LazyAttribute(lambda o: bitsets.to_mask(o.areas, Area.values))
    about = ""
    confirm_own_choice = True
    confirm_weekly = True
    confirm_commitment = True
    consent_version = "2026-11"
    consent_at = factory.LazyAttribute(lambda o: o.applied_at)
    not_suitable_reason = factory.LazyAttribute(
        lambda o: "Ønsker samtale" if o.status == "not_suitable" else ""
    )


class IntakeNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "intake.IntakeNote"

    application = factory.SubFactory(ApplicationFactory)
    author = factory.SubFactory(UserFactory)
    text = "Hadde en god samtale på telefon."


# Groups ---------------------------------------------------------------------------------------


def _six_in_the_evening():
    from datetime import time

    return time(18, 0)


def weekday_after(day, weekday: int):
    """The first date on or after `day` that falls on `weekday` (0 = Monday)."""
    return day + timedelta(days=(weekday - day.weekday()) % 7)


class GroupFactory(factory.django.DjangoModelFactory):
    """A group made by groups.services.create_group, so its meetings are planned as usual.

    GroupFactory(centre=c, weekday=1, start_time=time(18), start_date=…, status="started")
    The room is a new room of the same centre; the start date is the group's weekday two to
    three weeks from today. A status other than forming is set after creation, the way
    start_groups (started), record_opening (restarting) or end_group (ended) would leave it.
    """

    class Meta:
        model = "groups.Group"

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"Gruppe {n}")
    room = factory.SubFactory(RoomFactory, centre=factory.SelfAttribute("..centre"))
    weekday = 0
    start_time = factory.LazyFunction(_six_in_the_evening)
    start_date = factory.LazyAttribute(
        lambda o: weekday_after(timezone.localdate() + timedelta(weeks=2), o.weekday)
    )
    status = "forming"
    staff = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *, centre, status, staff, **kwargs):
        from groups import services

        group = services.create_group(centre, staff=staff, **kwargs)
        if status == "ended":
            return services.end_group(group, ended_on=timezone.localdate(), staff=staff)
        if status != "forming":
            model_class.objects.filter(pk=group.pk).update(status=status)
            group.status = status
        return group


class MembershipFactory(factory.django.DjangoModelFactory):
    """A member of a group (their application placed), joined at the opening meeting."""

    class Meta:
        model = "groups.Membership"

    group = factory.SubFactory(GroupFactory)
    application = factory.SubFactory(
        ApplicationFactory, centre=factory.SelfAttribute("..group.centre"), status="placed"
    )
    joined_on = factory.LazyAttribute(lambda o: o.group.start_date)


class OfferFactory(factory.django.DjangoModelFactory):
    """An open offer of a place (the application marked offered), a week to answer."""

    class Meta:
        model = "groups.Offer"

    group = factory.SubFactory(GroupFactory)
    application = factory.SubFactory(
        ApplicationFactory, centre=factory.SelfAttribute("..group.centre"), status="offered"
    )
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


# Starters -------------------------------------------------------------------------------------


class StarterFactory(factory.django.DjangoModelFactory):
    """A starter with an account, at `centre` (one centre; add more with .centres.add()).

    StarterFactory(centre=c, availability=["tue-evening"], max_groups=2,
                   user__first_name="Ola")
    """

    class Meta:
        model = "starters.Starter"
        skip_postgeneration_save = True

    class Params:
        availability = ("mon-evening", "tue-evening", "wed-evening", "thu-evening")

    user = factory.SubFactory(UserFactory, username=factory.Sequence(lambda n: f"igangsetter{n}"))
    availability_mask = factory.LazyAttribute(
        lambda o: bitsets.to_mask(o.availability, bitsets.SLOTS)
    )
    max_groups = 2

    @factory.post_generation
    def centre(self, create, extracted, **kwargs):
        if create:
            self.centres.add(extracted or CentreFactory())


class AssignmentFactory(factory.django.DjangoModelFactory):
    """An assignment made by starters.services.assign_starter (so its meetings are booked);
    status "accepted" or "declined" is then answered by the starter the usual way."""

    class Meta:
        model = "starters.Assignment"

    group = factory.SubFactory(GroupFactory)
    starter = factory.SubFactory(StarterFactory, centre=factory.SelfAttribute("..group.centre"))
    staff = factory.SubFactory(UserFactory)
    status = "pending"

    @classmethod
    def _create(cls, model_class, *, group, starter, staff, status, **kwargs):
        from starters import services

        assignment = services.assign_starter(group, starter, staff=staff, **kwargs)
        if status == "accepted":
            return services.accept_assignment(assignment, user=starter.user)
        if status == "declined":
            return services.decline_assignment(assignment, user=starter.user)
        if status == "released":
            return services.release_assignment(assignment, staff=staff)
        return assignment
