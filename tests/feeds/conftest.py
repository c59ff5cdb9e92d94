import socket
from datetime import date, timedelta

import pytest
from django.utils import timezone

from alignment_portal.feeds import services
from tests.factories import MetricFactory
from tests.feeds.server import FeedServer


@pytest.fixture(scope="session")
def feed_server_session():
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def feed_server(feed_server_session, settings):
    """The local feed server, emptied for each test, reachable as an allowed host."""
    feed_server_session.routes.clear()
    feed_server_session.hits.clear()
    feed_server_session.requests.clear()
    settings.FEEDS_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.FEEDS_TIMEOUT_SECONDS = 4  # generous: the machine may be busy
    return feed_server_session


@pytest.fixture
def fake_dns(monkeypatch):
    """Answers for made-up host names (a list of answers per name: one per lookup, the last
    repeated); every other name resolves as usual. `calls` counts lookups per name."""
    real = socket.getaddrinfo
    answers: dict[str, list[str]] = {}
    calls: dict[str, int] = {}

    def getaddrinfo(host, port, *args, **kwargs):
        if isinstance(host, bytes):
            host = host.decode()
        if host in answers:
            n = calls.get(host, 0)
            calls[host] = n + 1
            address = answers[host][min(n, len(answers[host]) - 1)]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port or 0, 0, 0) if family == socket.AF_INET6 else (
                address, port or 0)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    getaddrinfo.answers, getaddrinfo.calls = answers, calls
    return getaddrinfo


def monday(weeks_ago: int = 0) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday(), weeks=weeks_ago)


@pytest.fixture
def bakery(tenancy):
    """Two weekly metrics of the tenancy's organization, and one of the other organization
    with the same name as one of them."""
    org = tenancy.org
    wait = MetricFactory(organization=org, name="Customer wait time at peak", unit="minutes",
                         frequency="weekly", direction="lower")
    waste = MetricFactory(organization=org, name="Loaves wasted", frequency="weekly")
    foreign = MetricFactory(organization=tenancy.other_org, name="Loaves wasted",
                            frequency="weekly")
    return {"org": org, "wait": wait, "waste": waste, "foreign": foreign}


def pull_feed(org, url, **kwargs):
    feed, _ = services.feed_create(organization=org, name=kwargs.pop("name", "Till export"),
                                   kind="pull", url=url, schedule=kwargs.pop("schedule", "daily"),
                                   **kwargs)
    return feed


def push_feed(org, **kwargs):
    return services.feed_create(organization=org, name=kwargs.pop("name", "Webhook"),
                                kind="push", **kwargs)
