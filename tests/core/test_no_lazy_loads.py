"""Every page loads what it shows in its own queries: with Django's raising fetch mode as
the default, a field or relation that a view or template reaches for without having loaded
it fails the page instead of costing a query (per row, on a list)."""

import pytest
from django.core.exceptions import FieldFetchBlocked
from django.test import Client

from tests.core.url_walk import Cast, project_paths
from tests.fetching import no_lazy_loads

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(centre_1, staff_1):
    return Cast(centre_1, staff_1)


def test_no_page_fetches_a_field_or_relation_it_did_not_load(cast, staff_1):
    paths = project_paths(cast)
    assert len(paths) >= 60  # the walk found the pages
    starter = Client()
    starter.force_login(cast.starter_user)
    staff = Client()
    staff.force_login(staff_1)
    blocked = []
    with no_lazy_loads():
        for who, client in [("anonymous", Client()), ("starter", starter), ("staff", staff)]:
            for name, path in paths:
                try:
                    client.get(path)
                except FieldFetchBlocked as error:
                    blocked.append((who, name, str(error)))
    assert blocked == []
