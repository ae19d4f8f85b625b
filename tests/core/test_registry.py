"""Apps to the right plug into the applicant's page, export and erasure via the registry."""

import pytest

from selvhjelp import registry


@pytest.fixture
def clean_registry(monkeypatch):
    monkeypatch.setattr(registry, "_sections", {})
    monkeypatch.setattr(registry, "_handlers", {})


def test_sections_are_shown_in_order_and_only_when_they_have_something(clean_registry):
    registry.register_applicant_section(
        registry.ApplicantSection("b", "b.html", lambda app, req: {"n": app}, order=20)
    )
    registry.register_applicant_section(
        registry.ApplicantSection("a", "a.html", lambda app, req: {"n": app * 2}, order=10)
    )
    registry.register_applicant_section(
        registry.ApplicantSection("c", "c.html", lambda app, req: None, order=5)
    )
    shown = registry.applicant_sections(3, request=None)
    assert [(section.key, context) for section, context in shown] == [
        ("a", {"n": 6}),
        ("b", {"n": 3}),
    ]


def test_export_collects_every_app_and_erase_runs_right_to_left(clean_registry):
    erased = []
    for key in ["intake", "groups", "starters"]:
        registry.register_personal_data(
            registry.PersonalDataHandler(
                key,
                export=lambda app, key=key: {"app": key, "id": app},
                erase=lambda app, key=key: erased.append((key, app)),
            )
        )
    assert registry.export_personal_data(7) == {
        "groups": {"app": "groups", "id": 7},
        "intake": {"app": "intake", "id": 7},
        "starters": {"app": "starters", "id": 7},
    }
    assert registry.erase_personal_data(7) == ["starters", "groups", "intake"]
    assert erased == [("starters", 7), ("groups", 7), ("intake", 7)]


def test_a_key_cannot_be_taken_twice(clean_registry):
    registry.register_personal_data(registry.PersonalDataHandler("x", dict, print))
    with pytest.raises(registry.RegistryError):
        registry.register_personal_data(registry.PersonalDataHandler("x", list, print))
