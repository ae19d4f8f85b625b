"""Request helpers shared by the apps."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, trusting exactly TRUSTED_PROXY_COUNT proxies in front of us.

    Each trusted proxy appends the address it saw to X-Forwarded-For, so the client is the
    entry that many places from the right; anything further left is client-supplied.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= trusted:
            candidate = forwarded[-trusted]
            try:
                return str(ipaddress.ip_address(candidate))
            except ValueError:
                return remote
    return remote
