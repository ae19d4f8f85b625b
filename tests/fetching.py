"""Django's raising fetch mode for the requests a test measures."""

from contextlib import contextmanager
from unittest import mock

from django.db.models import FETCH_RAISE
from django.db.models import query as django_query


@contextmanager
def no_lazy_loads():
    """While the block runs, a field or relation that a query did not load raises
    FieldFetchBlocked instead of being fetched: a page with many rows cannot hide a query
    per row behind a constant count (every queryset starts from this default)."""
    with mock.patch.object(django_query, "DEFAULT_FETCH_MODE", FETCH_RAISE):
        yield
