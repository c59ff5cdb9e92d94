"""The shared Redis cache, failing open: a Redis that is down is a cache miss, not a 500.

Everything the portal keeps in the cache can be recomputed or re-read: sessions are written
through to the database (cached_db), dashboard sections are rebuilt, and the API's rate
limit counts afresh. So while Redis restarts, a read is a miss, a write is skipped and the
request goes on (slower, not failed); the log says so once per OUTAGE_LOG_SECONDS per
process. Short socket timeouts keep an unreachable Redis from holding a request.
"""

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

SOCKET_TIMEOUT_SECONDS = 1
OUTAGE_LOG_SECONDS = 30
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)


def _fail_open(method, fallback):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except REDIS_DOWN as exc:
            now = time.monotonic()
            if now - self._outage_logged_at > OUTAGE_LOG_SECONDS:
                self._outage_logged_at = now
                log.warning("cache unavailable (%s: %s): serving without it",
                            type(exc).__name__, exc)
            return fallback(*args, **kwargs)
    return wrapper


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a redis.Redis around the connection pool on every call (about
    0.1 ms of CPU, several times per request); one per pool is kept instead. A redis.Redis
    holds no connection of its own (it takes one from the pool per command), so sharing it
    between threads is as safe as sharing the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients.setdefault(
                index, self._client(connection_pool=self._get_connection_pool(write)))
        return client


class FailOpenRedisCache(RedisCache):
    """Django's RedisCache; a connection error or timeout reads as a miss."""

    _outage_logged_at = float("-inf")

    def __init__(self, server, params):
        options = {"socket_connect_timeout": SOCKET_TIMEOUT_SECONDS,
                   "socket_timeout": SOCKET_TIMEOUT_SECONDS, **params.get("OPTIONS", {})}
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient

    get = _fail_open(RedisCache.get, lambda key, default=None, version=None: default)
    get_many = _fail_open(RedisCache.get_many, lambda *a, **kw: {})
    has_key = _fail_open(RedisCache.has_key, lambda *a, **kw: False)
    add = _fail_open(RedisCache.add, lambda *a, **kw: False)
    set = _fail_open(RedisCache.set, lambda *a, **kw: None)
    set_many = _fail_open(RedisCache.set_many, lambda *a, **kw: [])
    touch = _fail_open(RedisCache.touch, lambda *a, **kw: False)
    delete = _fail_open(RedisCache.delete, lambda *a, **kw: False)
    delete_many = _fail_open(RedisCache.delete_many, lambda *a, **kw: None)
    # A counter (the API's rate limit) counts afresh: the request is the first one seen.
    incr = _fail_open(RedisCache.incr, lambda key, delta=1, version=None: delta)
    decr = _fail_open(RedisCache.decr, lambda key, delta=1, version=None: 0)
