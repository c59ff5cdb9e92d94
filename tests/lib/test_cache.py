"""The shared cache fails open: with its Redis down, reads miss and writes are skipped, and
the API (rate-limited through the cache) and signed-in pages still answer."""

import socket

import pytest
from django.core.cache import caches
from django.urls import reverse

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings):
    """The cache pointed at a port nothing listens on (the cache handler is rebuilt when
    the setting changes)."""
    previous = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "alignment_portal.lib.cache.FailOpenRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{closed_port()}/0"}}
    yield caches["default"]
    settings.CACHES = previous


def test_a_cache_whose_redis_is_down_misses_and_skips_writes(redis_down):
    assert redis_down.get("answer", "missing") == "missing"
    assert redis_down.set("answer", 42) is None
    assert redis_down.get_many(["a", "b"]) == {}
    assert redis_down.add("answer", 42) is False


def test_the_api_and_pages_answer_with_the_cache_down(client, tenancy, redis_down):
    _, token = api_token_create(organization=tenancy.org, name="shop", scope=Scope.WRITE_VALUES)
    response = client.post("/api/v1/values", {"items": []}, content_type="application/json",
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    page = tenancy.client("staff").get(reverse("dashboard", args=[tenancy.org.slug]))
    assert page.status_code == 200
