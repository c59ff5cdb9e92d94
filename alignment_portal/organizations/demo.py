"""The demo organizations and people, drawn from the stories in shared/seeds.

Each domain app adds its part of the story in its own `demo.py` (a `seed(organization, people,
today)` function), run in DEMO_SEEDERS order. Every seeder is idempotent: it finds records by
their natural key before creating them.
"""

from dataclasses import dataclass

DEMO_SEEDERS = ["alignment_portal.organizations.demo", "metrics.demo", "goals.demo",
                "initiatives.demo", "alignment_portal.feeds.demo", "alignment_portal.benefits.demo",
                "alignment_portal.scenarios.demo",
                "alignment_portal.playbooks.demo", "alignment_portal.consultants.demo",
                 "alignment_portal.renewals.demo",
                "alignment_portal.dashboards.demo"]  # scores and history: last


@dataclass(frozen=True)
class DemoOrganization:
    slug: str
    name: str
    story: str
    fiscal_year_start_month: int = 1
    currency: str = "USD"


DEMO_ORGANIZATIONS = [
    DemoOrganization(
        "bakery", "Main Street Bakery",
        "A neighbourhood bakery losing customers to its morning queue; it bought oven timers "
        "and a queue-ticket system and wants to know which one earns its keep."),
    DemoOrganization(
        "agency", "Brightside Marketing Agency",
        "A marketing agency paying for five overlapping platforms and counting emails sent as "
        "if they were results.", fiscal_year_start_month=4, currency="GBP"),
    DemoOrganization(
        "boutique", "Thread & Needle Boutique",
        "A clothing shop whose online store is not tied to its stock, so it sells what it "
        "does not have.", currency="EUR"),
    DemoOrganization(
        "fintech", "Ledgerly",
        "A fintech startup that measures its automation by the value it creates (KVIs), not "
        "by activity.", fiscal_year_start_month=7),
]

DEMO_ROLES = ["owner", "staff", "viewer"]


# A few weeks of the security log (hours ago, kind, who, address, detail): a routine sign-in,
# a mistyped password, an owner handing out a role, a token for the shop, exports, two-factor.
# (No demo user has two-factor itself: `make run` signs in with the documented password.)
DEMO_SECURITY_EVENTS = [
    (24 * 20, "sign_in", "owner", "203.0.113.10", ""),
    (24 * 19, "api_token_created", "owner", "203.0.113.10",
     "“Shop nightly sync”, scope Write values (and read)"),
    (24 * 12, "sign_in_failed", "staff", "198.51.100.23", "wrong password"),
    (24 * 12 - 1, "sign_in", "staff", "198.51.100.23", ""),
    (24 * 6, "role_changed", "owner", "203.0.113.10", "{viewer}: staff → viewer"),
    (24 * 2, "sign_in", "consultant", "192.0.2.44", ""),
    (24 * 2 - 1, "export", "consultant", "192.0.2.44", "metric-values (CSV)"),
    # The owner turns on two-factor sign-in and, a day later, asks for the whole archive.
    (24 * 4, "two_factor_enabled", "owner", "203.0.113.10", ""),
    (24 * 3, "two_factor_failed", "owner", "203.0.113.10", "wrong two-factor code"),
    (24 * 1, "export", "owner", "203.0.113.10", "whole organization archive asked"),
]


def seed(organization, people, today):
    """The organization's security log, once (a later run leaves the log as it is)."""
    from datetime import timedelta

    from django.utils import timezone

    from alignment_portal.organizations.models import SecurityEvent

    if SecurityEvent.objects.filter(organization=organization).exists():
        return
    now = timezone.now()
    SecurityEvent.objects.bulk_create([
        SecurityEvent(organization=organization, at=now - timedelta(hours=hours), kind=kind,
                      actor=people[who], actor_name=people[who].get_username(),
                      ip_address=address,
                      detail=detail.format(viewer=people["viewer"].get_username()))
        for hours, kind, who, address, detail in DEMO_SECURITY_EVENTS])
