"""Counting attempts per key in the shared cache, for throttles every process must agree on
(sign-up and password-reset requests per address and per client). A fixed window: the count
is one integer per key and window, raised with `incr` (atomic in Redis)."""

import hashlib
import time

from django.core.cache import cache


def allow(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt of `key` in `scope`; False once more than `limit` were made in the
    current window. Keys are hashed: an email address never appears in the cache raw."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    cache_key = f"throttle:{scope}:{digest}:{window}"
    cache.add(cache_key, 0, window_seconds + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, window_seconds + 1)
        count = 1
    return count <= limit
