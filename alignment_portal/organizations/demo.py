"""The demo organizations and people, drawn from the stories in shared/seeds.

Each domain app adds its part of the story in its own `demo.py` (a `seed(organization, people,
today)` function), run in DEMO_SEEDERS order. Every seeder is idempotent: it finds records by
their natural key before creating them.
"""

from dataclasses import dataclass

DEMO_SEEDERS = ["metrics.demo", "goals.demo", "initiatives.demo",
               "alignment_portal.scenarios.demo",
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
