"""Where apps plug into the applicant's own page, data export and erasure, and staff pages.

Dependencies point one way (core ← intake ← groups ← starters), so intake renders the
applicant's page without knowing about groups or starters: those apps register here, in
their AppConfig.ready(), and intake asks the registry.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApplicantSection:
    """A block on the applicant's own page: a template and what it needs."""

    key: str
    template: str
    context: Callable[[Any, Any], dict | None]  # (application, request) -> context or None
    order: int = 100


@dataclass(frozen=True)
class PersonalDataHandler:
    """One app's part of a person's data: what to export and how to erase it."""

    key: str
    export: Callable[[Any], Any]  # (application) -> JSON-serialisable data
    erase: Callable[[Any], None]  # (application) -> None; runs inside the caller's transaction


_sections: dict[str, ApplicantSection] = {}
_handlers: dict[str, PersonalDataHandler] = {}


class RegistryError(Exception):
    pass


def register_applicant_section(section: ApplicantSection) -> None:
    if section.key in _sections and _sections[section.key] != section:
        raise RegistryError(f"Applicant section {section.key!r} is already registered.")
    _sections[section.key] = section


def register_personal_data(handler: PersonalDataHandler) -> None:
    if handler.key in _handlers and _handlers[handler.key] != handler:
        raise RegistryError(f"Personal data handler {handler.key!r} is already registered.")
    _handlers[handler.key] = handler


def applicant_sections(application, request) -> list[tuple[ApplicantSection, dict]]:
    """The registered sections that have something to show, in order."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(application, request)
        if context is not None:
            shown.append((section, context))
    return shown


def export_personal_data(application) -> dict[str, Any]:
    return {key: handler.export(application) for key, handler in sorted(_handlers.items())}


def erase_personal_data(application) -> list[str]:
    """Run every erase handler, the latest registered (rightmost app) first."""
    erased = []
    for key, handler in reversed(list(_handlers.items())):
        handler.erase(application)
        erased.append(key)
    return erased


@dataclass(frozen=True)
class DemoData:
    """One app's part of `seed_demo`: fill(centre) must be idempotent."""

    key: str
    fill: Callable[[Any], None]  # (demo centre) -> None
    order: int = 100


_demo: dict[str, DemoData] = {}


def register_demo_data(part: DemoData) -> None:
    if part.key in _demo and _demo[part.key] != part:
        raise RegistryError(f"Demo data {part.key!r} is already registered.")
    _demo[part.key] = part


def demo_data_parts() -> list[DemoData]:
    return sorted(_demo.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class ScaleData:
    """One app's part of `seed_scale` (groups' command) for an app to the right of groups:
    fill(run) bulk-inserts its rows through run.bulk() (which counts them) once the centres,
    groups and meetings exist; delete(centres, using) raw-deletes them (before the groups'
    own rows go) and returns its counts. `sizes` are its size options: (name, default,
    help)."""

    key: str
    fill: Callable[[Any], None]  # (the seeder run)
    delete: Callable[[Any, str], dict[str, int]]  # (scale centres, db alias) -> counts
    sizes: tuple[tuple[str, int, str], ...] = ()
    order: int = 100


_scale: dict[str, ScaleData] = {}


def register_scale_data(part: ScaleData) -> None:
    if part.key in _scale and _scale[part.key] != part:
        raise RegistryError(f"Scale data {part.key!r} is already registered.")
    _scale[part.key] = part


def scale_data_parts() -> list[ScaleData]:
    return sorted(_scale.values(), key=lambda p: (p.order, p.key))


@dataclass(frozen=True)
class StaffSection:
    """A block on the staff overview (/stab/): a template and its context for a user."""

    key: str
    template: str
    context: Callable[[Any, list], dict | None]  # (request, centres) -> context or None
    order: int = 100


_staff_sections: dict[str, StaffSection] = {}


def register_staff_section(section: StaffSection) -> None:
    if section.key in _staff_sections and _staff_sections[section.key] != section:
        raise RegistryError(f"Staff section {section.key!r} is already registered.")
    _staff_sections[section.key] = section


def staff_sections(request, centres) -> list[tuple[StaffSection, dict]]:
    shown = []
    for section in sorted(_staff_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(request, centres)
        if context is not None:
            shown.append((section, context))
    return shown


@dataclass(frozen=True)
class GroupSection:
    """A tab of a group's staff pages: /stab/grupper/<pk>/<slug>/ shows its template, and
    every page of the group links to it under `label`."""

    key: str
    slug: str  # the tab's path segment, e.g. "igangsettere"
    label: Any  # lazily translated
    template: str
    # (group, request, meetings) -> context; `meetings` are all the group's meetings in
    # time order, loaded by the tab's page (a section need not query them).
    context: Callable[[Any, Any, list], dict]
    order: int = 100


_group_sections: dict[str, GroupSection] = {}


def register_group_section(section: GroupSection) -> None:
    known = _group_sections.get(section.key)
    if known is not None and known != section:
        raise RegistryError(f"Group section {section.key!r} is already registered.")
    if any(s.slug == section.slug and s.key != section.key for s in _group_sections.values()):
        raise RegistryError(f"Group section slug {section.slug!r} is already taken.")
    _group_sections[section.key] = section


def group_sections() -> list[GroupSection]:
    return sorted(_group_sections.values(), key=lambda s: (s.order, s.key))


def group_section(slug: str) -> GroupSection | None:
    return next((s for s in _group_sections.values() if s.slug == slug), None)


_audit_labels: dict[str, Any] = {}


def register_audit_labels(labels: dict[str, Any]) -> None:
    """Readable (translatable) phrases for an app's audit actions, e.g. "opened the application"."""
    _audit_labels.update(labels)


def audit_label(action: str) -> str:
    return str(_audit_labels.get(action, action))
