"""The groups app's part of the demo centre."""

from groups.models import Room

DEMO_ROOMS = [
    {"name": "Samtalerommet", "capacity": 10, "accessibility": "Trinnfri adkomst, heis."},
    {"name": "Peisestua", "capacity": 12, "accessibility": "Heis, teleslynge."},
    {
        "name": "Grünerløkka bibliotek, grupperom 2",
        "street_address": "Schous plass 10, 0552 Oslo",
        "capacity": 8,
        "accessibility": "Trinnfri adkomst.",
        "notes": "Lånes tirsdager og torsdager etter kl. 17. Nøkkel i skranken.",
    },
]


def fill(centre) -> None:
    for room in DEMO_ROOMS:
        defaults = {key: value for key, value in room.items() if key != "name"}
        Room.objects.update_or_create(centre=centre, name=room["name"], defaults=defaults)
