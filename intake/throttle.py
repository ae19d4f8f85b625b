"""APPLY_RATE_LIMIT: accepted applications per client address per hour.

Only accepted applications count, so a person fixing a rejected form is never locked out.
"""

from django.conf import settings

from selvhjelp.http import client_ip
from selvhjelp.throttle import Throttle

_accepted = Throttle("intake.apply", limit=10, window_seconds=3600)


def _address(request) -> str:
    return client_ip(request) or "unknown"


def limit_reached(request) -> bool:
    return _accepted.reached(_address(request), limit=settings.APPLY_RATE_LIMIT)


def count_accepted(request) -> None:
    _accepted.hit(_address(request))
