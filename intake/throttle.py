"""APPLY_RATE_LIMIT: accepted applications per client address per hour, in the shared cache.

Only accepted applications count, so a person fixing a rejected form is never locked out.
The cache is Redis in production (CACHE_URL), so the limit holds across web workers.
"""

import hashlib
import time

from django.conf import settings
from django.core.cache import cache

from selvhjelp.http import client_ip

WINDOW_SECONDS = 3600


def _key(request) -> str:
    # The address is hashed: the cache holds no personal data in the clear.
    address = client_ip(request) or "unknown"
    digest = hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:24]
    return f"intake:apply:{digest}:{int(time.time() // WINDOW_SECONDS)}"


def limit_reached(request) -> bool:
    return (cache.get(_key(request)) or 0) >= settings.APPLY_RATE_LIMIT


def count_accepted(request) -> None:
    key = _key(request)
    cache.add(key, 0, WINDOW_SECONDS)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, WINDOW_SECONDS)
