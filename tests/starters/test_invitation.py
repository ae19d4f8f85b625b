"""The invitation link (/igangsetter/velkommen/<uidb64>/<token>/): the starter chooses their
own password once, is signed in, and the link stops working."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from selvhjelp import outbox
from starters.models import Starter
from tests.factories import StarterFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Sommerfugl-i-vinterland-42"


@pytest.fixture(autouse=True)
def _in_process(settings):
    settings.CELERY_BROKER_URL = ""
    settings.SITE_URL = "https://selvhjelp.example.no"


def invite(client, staff_1) -> Starter:
    client.force_login(staff_1)
    response = client.post(
        "/stab/igangsettere/ny/",
        {
            "first_name": "Ingrid",
            "last_name": "Bakken",
            "email": "Ingrid.Bakken@Example.no",
            "phone": "412 34 567",
            "language": "nb",
            "availability": ["tue-evening", "thu-evening"],
            "max_groups": "2",
            "note": "",
            "centre": staff_1.staff_memberships.get().centre_id,
        },
    )
    assert response.status_code == 302
    client.logout()
    return Starter.objects.select_related("user").get(user__email="ingrid.bakken@example.no")


def link_in_mail() -> str:
    outbox.dispatch_due()
    (message,) = [m for m in mail.outbox if m.to == ["Ingrid <ingrid.bakken@example.no>"]]
    path = re.search(
        r"https://selvhjelp\.example\.no(/igangsetter/velkommen/[^\s\"<]+/)", message.body
    )
    return path.group(1)


def test_the_invited_starter_chooses_a_password_once_and_is_signed_in(client, staff_1):
    starter = invite(client, staff_1)
    assert not starter.user.has_usable_password()
    link = link_in_mail()

    opened = client.get(link)
    # Django's reset flow: the token leaves the address before the form is shown.
    assert opened.status_code == 302
    form_url = opened.url
    assert form_url.endswith("/set-password/")
    form = client.get(form_url)
    assert form.status_code == 200
    assert "<strong>ingrid.bakken@example.no</strong>" in form.content.decode()

    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert (done.status_code, done.url) == (302, "/igangsetter/")
    schedule = client.get(done.url)
    assert [str(m) for m in schedule.context["messages"]] == [
        "Velkommen! Passordet ditt er lagret. Her finner du gruppene du setter i gang."
    ]
    starter.user.refresh_from_db()
    assert starter.user.check_password(NEW_PASSWORD)

    # The link has done its job: opened again, it says so and offers the way to sign in.
    client.logout()
    again = client.get(link)
    body = again.content.decode()
    assert again.status_code == 200
    assert "Denne lenken virker ikke lenger" in body
    assert 'href="/igangsetter/logg-inn/"' in body
    assert 'name="new_password1"' not in body
    signed_in = client.post(
        "/igangsetter/logg-inn/",
        {"username": "ingrid.bakken@example.no", "password": NEW_PASSWORD},
    )
    assert signed_in.url == "/igangsetter/"


def test_a_weak_or_mismatched_password_is_refused_with_a_message(client, staff_1):
    invite(client, staff_1)
    form_url = client.get(link_in_mail()).url

    response = client.post(form_url, {"new_password1": "123", "new_password2": "124"})

    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"] == [
        "De to passordfeltene er ikke like."
    ]
    assert not Starter.objects.get().user.has_usable_password()


@pytest.mark.parametrize(
    "path",
    [
        "/igangsetter/velkommen/MTIzNDU/abc-123/",
        "/igangsetter/velkommen/!!/x/",
        "/igangsetter/velkommen/MQ/set-password/",
    ],
)
def test_a_made_up_link_says_it_does_not_work(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert "Denne lenken virker ikke lenger" in response.content.decode()


def test_the_link_never_sets_a_staff_members_password(client, staff_1):
    uid = urlsafe_base64_encode(force_bytes(staff_1.pk))
    token = default_token_generator.make_token(staff_1)

    response = client.get(f"/igangsetter/velkommen/{uid}/{token}/")

    assert response.status_code == 200
    assert "Denne lenken virker ikke lenger" in response.content.decode()


def test_a_starters_link_made_before_their_password_changed_no_longer_works(client, centre_1):
    starter = StarterFactory(centre=centre_1)
    uid = urlsafe_base64_encode(force_bytes(starter.user.pk))
    token = default_token_generator.make_token(starter.user)
    starter.user.set_password("Et-helt-annet-passord-9")
    starter.user.save()

    response = client.get(f"/igangsetter/velkommen/{uid}/{token}/")

    assert "Denne lenken virker ikke lenger" in response.content.decode()
