"""Demo metrics and a year of values for each demo organization's story.

Idempotent: metrics are found by name, values by metric and period (existing ones are left
alone), so running seed_demo again only adds the periods that passed since.

- bakery: the morning queue. Wait time at peak falls once the queue-ticket system goes live.
- agency: "Automated emails sent" soars while leads stay flat (the vanity metric, and no clear
  effect of the social scheduler on leads); its
  social-posts count stopped being logged months ago (stale).
- boutique: online sales grow once stock accuracy does, but orders cancelled for lack of stock
  rose once the online store went live; inventory turnover has gone stale.
- fintech: KVIs (customer lifetime value uplift, new product adoption, market share); the NPS
  survey has not been run for two quarters (stale). Customers holding two or more products
  (monthly, two years of it) rose once the robo-advice engine went live ADVICE_LIVE_DAYS ago
  (`alignment_portal/benefits/demo.py` creates the engine): the KVI uplift its impact evidence
  reads as "improved".
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from metrics.library import LIBRARY_BY_KEY
from metrics.models import Direction, Frequency, Kind, Level, Metric, MetricValue, Nature, Unit
from metrics.periods import period_start, previous_period_start


@dataclass(frozen=True)
class DemoMetric:
    name: str
    start: float  # the value a year ago
    end: float  # the value now
    noise: float  # relative noise
    owner: str = "staff"
    library_key: str = ""
    # for metrics not in the library:
    definition: str = ""
    kind: str = Kind.KPI
    nature: str = Nature.OUTCOME
    unit: str = Unit.COUNT
    direction: str = Direction.HIGHER
    frequency: str = Frequency.WEEKLY
    level: str = Level.OPERATIONAL
    step_at: float | None = None  # share of the year where the change happens at once
    stale_periods: int = 0  # the last N periods were never logged
    due_now: bool = False  # the current period is not logged yet
    decimals: int = 1
    years: int = 1  # how far back the values go


# The robo-advice engine went live this many days ago (benefits.demo creates it, live since).
ADVICE_LIVE_DAYS = 245


def _lib(key, start, end, noise, **kw) -> DemoMetric:
    return DemoMetric(LIBRARY_BY_KEY[key].name, start, end, noise, library_key=key, **kw)


STORIES: dict[str, list[DemoMetric]] = {
    "bakery": [
        _lib("wait_time_peak", 14.0, 6.5, 0.08, step_at=0.55),
        _lib("csat", 71, 84, 0.03, owner="owner"),
        DemoMetric("Loaves wasted", 42, 25, 0.15, definition="Unsold loaves thrown away at "
                   "closing, per week.", direction=Direction.LOWER, decimals=0, due_now=True),
        _lib("average_order_value", 8.4, 9.1, 0.04, stale_periods=4, decimals=2),
    ],
    "agency": [
        DemoMetric("Automated emails sent", 2500, 24000, 0.1, definition="Emails sent by the "
                   "marketing automation platform per week. Activity, not results.",
                   nature=Nature.OUTPUT, decimals=0),
        _lib("mql", 31, 33, 0.18, decimals=0, due_now=True),
        DemoMetric("Client retention rate", 88, 86, 0.02, definition="Clients renewing their "
                   "retainer, as a share of clients up for renewal.", unit=Unit.PERCENT,
                   frequency=Frequency.MONTHLY, level=Level.STRATEGIC, owner="owner"),
        _lib("cac", 1450, 1380, 0.07, decimals=0),
        _lib("social_posts", 20, 26, 0.2, decimals=0, stale_periods=10),
    ],
    "boutique": [
        _lib("online_sales", 1800, 3900, 0.12, decimals=0, due_now=True),
        _lib("stock_accuracy", 81, 97, 0.01, step_at=0.4),
        # Few before the online store (only phone orders could run out), many after it: the
        # store sells what the shop no longer has (the impact evidence reads "worsened").
        DemoMetric("Online orders cancelled for lack of stock", 3, 11, 0.2, step_at=0.6,
                   definition="Orders cancelled because the item was not in stock, per week.",
                   direction=Direction.LOWER, decimals=0),
        _lib("conversion_rate", 1.6, 2.3, 0.08, decimals=2),
        _lib("inventory_turnover", 0.9, 1.1, 0.05, stale_periods=5, decimals=2,
             owner="owner"),
    ],
    "fintech": [
        _lib("clv_uplift", 0, 145, 0.1, decimals=0, owner="owner"),
        _lib("new_product_adoption", 4, 27, 0.06),
        _lib("market_share_segment", 2.1, 3.4, 0.03, decimals=2, owner="owner"),
        _lib("churn_rate", 3.8, 2.6, 0.08, decimals=2),
        _lib("first_response_time", 9.5, 3.0, 0.12, due_now=True),
        _lib("nps", 31, 38, 0.05, decimals=0, stale_periods=2),
        DemoMetric("Customers holding two or more products", 9.0, 15.0, 0.02,
                   definition="Active customers who hold at least two of our products, as a "
                   "share of all active customers, at the month's end.", kind=Kind.KVI,
                   unit=Unit.PERCENT, frequency=Frequency.MONTHLY, level=Level.STRATEGIC,
                   owner="owner", years=2,
                   # the rise centred six weeks after the go-live (a soft launch first)
                   step_at=1 - (ADVICE_LIVE_DAYS - 45) / (2 * 365)),
    ],
}


def _periods(frequency: str, today: date, years: int = 1) -> list[date]:
    """The periods of the last `years`, oldest first, ending with the current one."""
    current = period_start(frequency, today)
    periods = [current]
    while periods[-1] > today - timedelta(days=365 * years):
        periods.append(previous_period_start(frequency, periods[-1]))
    return list(reversed(periods))


def _series(spec: DemoMetric, periods: list[date], rng: random.Random) -> list[float]:
    n = max(1, len(periods) - 1)
    values = []
    for i, _ in enumerate(periods):
        share = i / n
        if spec.step_at is not None:
            # an S-curve around the go-live: most of the change happens within a few weeks
            share = 1 / (1 + math.exp(-(share - spec.step_at) * 25))
        level = spec.start + (spec.end - spec.start) * share
        value = level * (1 + rng.gauss(0, spec.noise)) if level else rng.gauss(0, 5)
        if spec.unit == Unit.PERCENT:
            value = min(100.0, max(0.0, value))
        elif spec.direction == Direction.LOWER or spec.unit in {Unit.COUNT, Unit.MINUTES}:
            value = max(0.0, value)
        values.append(round(value, spec.decimals))
    return values


def seed(organization, people, today) -> None:
    specs = STORIES.get(organization.slug, [])
    now = timezone.now()
    for spec in specs:
        fields = {"definition": spec.definition, "kind": spec.kind, "nature": spec.nature,
                  "unit": spec.unit, "direction": spec.direction, "frequency": spec.frequency,
                  "level": spec.level}
        if spec.library_key:
            item = LIBRARY_BY_KEY[spec.library_key]
            fields = {"definition": item.definition, "kind": item.kind, "nature": item.nature,
                      "unit": item.unit, "direction": item.direction,
                      "frequency": item.frequency, "level": item.level}
        owner = people.get(spec.owner)
        metric, _ = Metric.objects.get_or_create(
            organization=organization, name=spec.name,
            defaults={**fields, "owner": owner, "library_key": spec.library_key})
        periods = _periods(metric.frequency, today, spec.years)
        rng = random.Random(f"{organization.slug}:{spec.name}")  # noqa: S311 (demo data)
        values = _series(spec, periods, rng)
        keep = len(periods) - spec.stale_periods - (1 if spec.due_now else 0)
        MetricValue.objects.bulk_create(
            [MetricValue(organization=organization, metric=metric, period=period,
                         value=Decimal(str(value)), entered_by=owner, entered_at=now,
                         source="form")
             for period, value in list(zip(periods, values, strict=True))[:keep]],
            ignore_conflicts=True)
