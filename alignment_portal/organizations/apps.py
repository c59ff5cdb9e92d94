import logging

from django.apps import AppConfig

log = logging.getLogger("alignment_portal.startup")

CACHE_DESCRIPTIONS = {
    "alignment_portal.lib.cache.FailOpenRedisCache":
        "Redis (CACHE_URL), shared by every process",
    "django.core.cache.backends.redis.RedisCache":
        "Redis (CACHE_URL), shared by every process",
    "django.core.cache.backends.db.DatabaseCache":
        "the database table {location}, shared by every process; set CACHE_URL to a Redis "
        "server for less load on the database",
    "django.core.cache.backends.locmem.LocMemCache":
        "this process's memory: rate limits and throttles count per process (development "
        "only; production uses CACHE_URL or the database)",
}


def cache_description(cache_settings: dict) -> str:
    backend = cache_settings["BACKEND"]
    text = CACHE_DESCRIPTIONS.get(backend, backend)
    return text.format(location=cache_settings.get("LOCATION", ""))


class OrganizationsConfig(AppConfig):
    name = "alignment_portal.organizations"
    label = "organizations"
    verbose_name = "Organizations and memberships"

    def ready(self):
        from django.conf import settings

        from alignment_portal.organizations import language, security_log  # noqa: F401

        security_log.connect_axes()
        # Said once at start-up: which cache holds the limits every process must share.
        log.info("cache: %s", cache_description(settings.CACHES["default"]))
