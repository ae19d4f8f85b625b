"""No input to the public forms gives a 500, and a rejected post stores nothing."""

import uuid

from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from intake.models import Application
from tests.factories import CentreFactory
from tests.intake.test_apply import valid

FIELDS = list(valid())
hostile_text = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            "\x00",
            "\u202e\u200fevil",
            "<script>alert(1)</script>",
            "'; DROP TABLE intake_application; --",
            "x" * 100_000,
            "9" * 40,
            "",
            "mon-day",
            "on",
        ]
    ),
)


@override_settings(APPLY_RATE_LIMIT=10_000)
class HostilePosts(TestCase):
    @classmethod
    def setUpTestData(cls):
        CentreFactory()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(
        field=st.sampled_from([*FIELDS, "status", "centre", "access_key", "source"]),
        value=st.one_of(hostile_text, st.lists(hostile_text, max_size=3)),
    )
    def test_one_hostile_field_never_crashes(self, field, value):
        data = valid(submission_key=str(uuid.uuid4()))
        data[field] = value
        before = Application.objects.count()
        response = self.client.post("/soknad/", data)
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            application = Application.objects.latest("pk")
            # Fields the form does not own are never set from the post.
            assert application.status == "received"
            assert application.source == "web"
        else:
            assert Application.objects.count() == before

    @settings(max_examples=30, deadline=None)
    @given(data=st.dictionaries(st.sampled_from(FIELDS), hostile_text, max_size=6))
    def test_random_posts_never_crash(self, data):
        response = self.client.post("/soknad/", data)
        assert response.status_code in (200, 302)
