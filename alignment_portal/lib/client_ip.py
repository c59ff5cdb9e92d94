"""The client's address, for sign-in throttling, sign-up and reset throttles and the security
log.

Behind `DJANGO_PROXY_COUNT` proxies, each proxy appends the address it received the request
from to X-Forwarded-For, so the client is the Nth entry from the right; anything further left
was written by the client and cannot be trusted. With no proxy (0), REMOTE_ADDR is the client
and X-Forwarded-For is ignored (a client could otherwise pick its own address and dodge every
throttle).

Why not django-ipware, which django-axes can use: its `proxy_count` counts the entries to the
right of the client in X-Forwarded-For (one fewer than the proxies with nginx in front) and it
answers None, not an address, when the header does not match the count, which would put every
such request into one shared throttle bucket.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    """The address of the client as the trusted proxies saw it ("" if unknown)."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))][:45]
