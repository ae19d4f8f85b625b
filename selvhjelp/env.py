"""Small typed readers for the environment, used only by settings."""

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def text(name: str, default: str = "") -> str:
    """A string; `NAME_FILE` (a path, as Docker secrets give) wins over `NAME`."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


def flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def integer(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def items(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [part.strip() for part in raw.split(",") if part.strip()]


def cache_config(url: str) -> dict:
    """CACHES['default'] from a URL: redis://, rediss://, locmem://, dummy://."""
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "selvhjelp"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"CACHE_URL scheme {scheme!r} is not supported; use redis://, rediss://, locmem:// or dummy://."
    )


def mailer_config(url: str) -> dict:
    """MAILERS['default'] from a URL: smtp://, smtp+tls://, smtps://, console://, memory://."""
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    if parts.scheme == "console":
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if parts.scheme == "memory":
        return {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    if parts.scheme in {"smtp", "smtp+tls", "smtps"}:
        use_ssl = parts.scheme == "smtps" or query.get("ssl", "").lower() in _TRUE
        use_tls = parts.scheme == "smtp+tls" or query.get("tls", "").lower() in _TRUE
        return smtp_mailer(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if use_ssl else 587 if use_tls else 25),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            use_tls=use_tls,
            use_ssl=use_ssl,
        )
    raise ImproperlyConfigured(
        f"EMAIL_URL scheme {parts.scheme!r} is not supported; "
        "use smtp://, smtp+tls://, smtps://, console:// or memory://."
    )


def smtp_mailer(*, host, port, username, password, use_tls, use_ssl) -> dict:
    if use_tls and use_ssl:
        raise ImproperlyConfigured("E-mail can use TLS (STARTTLS) or SSL, not both.")
    return {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": 20,
        },
    }
