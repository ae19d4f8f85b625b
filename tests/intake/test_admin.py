"""Applications in the Django admin: read-only, for administrators, and nothing sensitive."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from intake.models import Application
from selvhjelp.models import Theme
from tests.factories import ApplicationFactory
from tests.fetching import no_lazy_loads

LIST = "/admin/intake/application/"
SECRET = "Jeg har ikke sovet siden mamma døde"
REASON = "Akutt krise; henvist til legevakt"


def detail(application) -> str:
    return f"{LIST}{application.pk}/change/"


def rows(response) -> list[str]:
    """The changelist's rows as the text of their name column."""
    body = response.content.decode()
    return re.findall(r'<th class="field-name">(?:<a [^>]*>)?([^<]*)<', body)


@pytest.fixture
def sensitive(centre_1):
    theme = Theme.objects.create(centre=centre_1, name="Sorggruppe", slug="sorg")
    return ApplicationFactory(
        centre=centre_1,
        first_name="Kari",
        last_name="Nordmann",
        email="kari.nordmann@example.no",
        about=SECRET,
        areas=["grief", "anxiety"],
        theme=theme,
        not_suitable=True,
        not_suitable_reason=REASON,
    )


def test_the_changelist_shows_name_centre_status_and_date(admin_client, centre_1):
    ApplicationFactory(centre=centre_1, first_name="Kari", last_name="Nordmann", status="waiting")

    response = admin_client.get(LIST)

    assert response.status_code == 200
    assert rows(response) == ["Kari Nordmann"]
    assert list(response.context["cl"].list_display) == [
        "name",
        "centre",
        "status",
        "applied_at",
    ]
    body = response.content.decode()
    assert '<td class="field-centre nowrap">Selvhjelpshuset Nord</td>' in body
    assert '<td class="field-status">venter på gruppe</td>' in body


def test_fifty_to_a_page_in_application_order(admin_client, centre_1):
    start = timezone.now() - timedelta(days=100)
    for n in range(51):
        ApplicationFactory(
            centre=centre_1, first_name=f"P{n:02d}", applied_at=start + timedelta(days=n)
        )

    first = admin_client.get(LIST)
    second = admin_client.get(LIST, {"p": 2})

    assert rows(first) == [f"P{n:02d} Hansen" for n in range(50)]
    assert rows(second) == ["P50 Hansen"]


def test_filters_by_centre_and_open_statuses(admin_client, centre_1, centre_2):
    ApplicationFactory(centre=centre_1, first_name="Mottatt", status="received")
    ApplicationFactory(centre=centre_1, first_name="Venter", status="waiting")
    ApplicationFactory(centre=centre_1, first_name="Trukket", status="withdrawn")
    ApplicationFactory(centre=centre_2, first_name="Annen", status="waiting")

    response = admin_client.get(
        LIST,
        {"centre__id__exact": centre_1.pk, "status__in": "received,in_dialogue,waiting,offered"},
    )

    assert rows(response) == ["Mottatt Hansen", "Venter Hansen"]
    assert rows(admin_client.get(LIST, {"status__exact": "waiting"})) == [
        "Venter Hansen",
        "Annen Hansen",
    ]


def test_the_changelist_does_a_constant_number_of_queries(admin_client, centre_1, centre_2):
    ApplicationFactory(centre=centre_1)
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(LIST).status_code == 200
    for n in range(30):
        ApplicationFactory(centre=centre_1 if n % 2 else centre_2)
    with CaptureQueriesContext(connection) as many, no_lazy_loads():
        response = admin_client.get(LIST)

    assert len(rows(response)) == 31
    assert len(many) == len(one)


def test_nothing_sensitive_on_the_list_or_the_application(admin_client, sensitive):
    for response in (admin_client.get(LIST), admin_client.get(detail(sensitive))):
        assert response.status_code == 200
        body = response.content.decode()
        assert "Kari" in body
        for hidden in (SECRET, REASON, "Sorggruppe", sensitive.access_key, sensitive.email):
            assert hidden not in body


def test_the_changelist_never_loads_the_sensitive_columns(admin_client, sensitive):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(LIST)
        admin_client.get(detail(sensitive))

    selects = [q["sql"] for q in queries if 'FROM "intake_application"' in q["sql"]]
    assert selects
    for sql in selects:
        for column in ("about", "areas_mask", "theme_id", "not_suitable_reason", "access_key"):
            assert f'"intake_application"."{column}"' not in sql


def test_search_finds_names_not_what_people_wrote(admin_client, sensitive):
    assert rows(admin_client.get(LIST, {"q": "Nordmann"})) == ["Kari Nordmann"]
    assert rows(admin_client.get(LIST, {"q": "mamma"})) == []
    assert rows(admin_client.get(LIST, {"q": "kari.nordmann@example.no"})) == []


@pytest.mark.allow_error_logs  # Django logs a refused lookup as a suspicious operation
@pytest.mark.parametrize(
    "lookup",
    [
        {"about__icontains": "mamma"},
        {"areas_mask": "1"},
        {"theme__name": "Sorggruppe"},
        {"theme_id": "1"},
        {"not_suitable_reason__icontains": "krise"},
        {"access_key__startswith": "a"},
        {"email__icontains": "kari"},
        {"notes__text__icontains": "x"},
    ],
)
def test_a_url_cannot_probe_sensitive_fields(admin_client, sensitive, lookup):
    response = admin_client.get(LIST, lookup)

    assert response.status_code == 400
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        {"centre__id__exact": "abc"},
        {"status__in": ""},
        {"status__exact": "nonsense"},
        {"o": "99"},
        {"o": "x.-2"},
        {"p": "999"},
        {"p": "-1"},
        {"q": "\x00<script>"},
        {"no_such_field": "1"},
    ],
)
def test_odd_query_strings_never_crash(admin_client, sensitive, query):
    response = admin_client.get(LIST, query)

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.url == f"{LIST}?e=1"


def test_the_application_is_read_only(admin_client, sensitive):
    page = admin_client.get(detail(sensitive))
    assert page.status_code == 200
    assert 'name="first_name"' not in page.content.decode()

    posted = admin_client.post(detail(sensitive), {"first_name": "Endret", "status": "waiting"})

    assert posted.status_code == 403
    sensitive.refresh_from_db()
    assert (sensitive.first_name, sensitive.status) == ("Kari", "not_suitable")


def test_nothing_can_be_added_or_deleted(admin_client, sensitive):
    assert admin_client.get(f"{LIST}add/").status_code == 403
    assert admin_client.post(f"{LIST}{sensitive.pk}/delete/", {"post": "yes"}).status_code == 403
    response = admin_client.post(
        LIST, {"action": "delete_selected", "_selected_action": [sensitive.pk], "post": "yes"}
    )
    assert Application.objects.filter(pk=sensitive.pk).exists()
    assert "delete_selected" not in admin_client.get(LIST).content.decode()
    assert response.status_code in (200, 302)


def test_centre_staff_cannot_open_the_admin(staff_1_client, sensitive):
    response = staff_1_client.get(LIST)

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")
