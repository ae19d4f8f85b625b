"""Counting attempts in the shared cache over fixed windows (Redis in production, so the
counts hold across web workers). Keys are hashed: the cache holds no addresses or names."""

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache


@dataclass(frozen=True)
class Throttle:
    name: str
    limit: int
    window_seconds: int

    def _key(self, value: str) -> str:
        digest = hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()[:24]
        return f"throttle:{self.name}:{digest}:{int(time.time() // self.window_seconds)}"

    def reached(self, value: str, limit: int | None = None) -> bool:
        return (cache.get(self._key(value)) or 0) >= (limit or self.limit)

    def hit(self, value: str) -> None:
        key = self._key(value)
        cache.add(key, 0, self.window_seconds)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, self.window_seconds)

    def reset(self, value: str) -> None:
        cache.delete(self._key(value))
