"""Demo benefit ledgers (runs after initiatives.demo, before the scores): each organization's
hour value, the expected money of its initiatives, and realised entries that tell a story.

- fintech: the advice engine (any initiative whose name has "advice"; created here, live for
  8 months, when the initiatives seeder has none) realises its benefit month after month and
  pays back; the onboarding automation is on track too;
- bakery: the queue tickets pay back within their first months; the oven timers have been live
  over three months and save a fraction of the hours they were bought for: BENEFIT_SHORTFALL;
- agency: the newsletter drip has been live over three months and nobody has recorded what it
  brings: UNPROVEN_BENEFIT;
- every other active initiative gets an expected benefit, so the dashboards compare.

An initiative of those two stories whose go-live is less than STORY_LIVE_DAYS ago is moved
back to it (the ledger needs three whole months live). Idempotent: entries go through the
service, which changes nothing when the same figures are entered again.
"""

from datetime import timedelta
from decimal import Decimal

from alignment_portal.benefits.services import BenefitRow, benefit_entries_record
from alignment_portal.scoring.benefits import add_months
from initiatives.models import Initiative
from metrics.demo import ADVICE_LIVE_DAYS
from metrics.models import Source

HOUR_VALUES = {"bakery": 18, "agency": 45, "boutique": 22, "fintech": 60}
STORY_LIVE_DAYS = 100  # always at least 3 whole months

# Expected money gained per month, by initiative name.
EXPECTED_MONEY = {
    "Queue-ticket automation": 400, "Waste log on the till": 120,
    "Automated nurture emails": 900, "Social post scheduling": 0,
    "Renewal reminder workflow": 1500, "Online store": 1200,
    "Stock sync between till and web shop": 350, "Automated onboarding and KYC": 3000,
    "Churn early-warning model": 2500, "Support triage bot": 500,
}
ADVICE_ENGINE = "Robo-advice engine"
TWO_PRODUCTS = "Customers holding two or more products"  # metrics.demo's, monthly
ADVICE_EXPECTED_MONEY = 4000
ADVICE_EXPECTED_HOURS = 30
# Realised per month, oldest first: (hours saved, money gained, note).
ADVICE_MONTHS = [(12, 1800, "soft launch to 10 % of customers"), (22, 3100, ""),
                 (28, 4200, "opened to every customer"), (31, 4800, ""), (30, 5200, ""),
                 (33, 5600, "second product added"), (32, 5900, ""), (34, 6100, "")]
ONBOARDING_MONTHS = [(90, 2600, ""), (110, 3200, "")]
QUEUE_MONTHS = [(16, 340, "tickets from the first week"), (19, 410, "")]
OVEN_TIMER_HOURS = [Decimal("1"), Decimal("0.5"), Decimal("1.5"), Decimal("1")]


def _live_since(initiative: Initiative, today, days: int) -> Initiative:
    """Make sure the initiative has been live at least `days` (the story needs it)."""
    latest = today - timedelta(days=days)
    if initiative.go_live_date is None or initiative.go_live_date > latest:
        initiative.status = "live"
        initiative.go_live_date = latest
        if initiative.start_date is None or initiative.start_date > latest:
            initiative.start_date = latest - timedelta(days=30)
        initiative.save(update_fields=["status", "go_live_date", "start_date"])
    return initiative


def _months_since(initiative: Initiative, today, count: int) -> list:
    """The first days of the last `count` whole months before the current one, oldest first,
    not before the go-live month."""
    current = today.replace(day=1)
    first = initiative.go_live_date.replace(day=1)
    months = [add_months(current, -k) for k in range(count, 0, -1)]
    return [m for m in months if m >= first]


def _record(organization, initiative, months, figures, user, source):
    rows = [BenefitRow(initiative.pk, month, None if h is None else Decimal(h),
                       None if g is None else Decimal(g), note)
            for month, (h, g, note) in zip(months, figures[-len(months):], strict=True)]
    benefit_entries_record(organization=organization, rows=rows, user=user, source=source)


def _link_advice_engine(organization, advice: Initiative) -> None:
    """The advice engine serves the lifetime-value goal and is measured by the CLV uplift, like
    the rest of the fintech's well-aligned automation, and by the customers holding two or more
    products (monthly: the KVI whose uplift its impact evidence shows)."""
    from initiatives.demo import DemoLink, _goal, _metric
    from initiatives.models import AlignmentLink, MeasurementLink

    goal = _goal(organization, DemoLink(("lifetime", "clv"), "primary", ""))
    if goal is not None:
        AlignmentLink.objects.get_or_create(
            initiative=advice, goal=goal, defaults={
                "organization": organization, "contribution": "primary",
                "rationale": "Customers who get advice on their own numbers stay longer and "
                             "take a second product, which is lifetime value.",
                "expected_effect": "+20 per customer"})
    for metric in (_metric(organization, "clv_uplift"),
                   organization.metrics.filter(name=TWO_PRODUCTS).first()):
        if metric is not None:
            MeasurementLink.objects.get_or_create(
                initiative=advice, metric=metric,
                defaults={"organization": organization, "role": "outcome"})


def seed(organization, people, today) -> None:
    slug = organization.slug
    if slug not in HOUR_VALUES:
        return
    if organization.hour_value != HOUR_VALUES[slug]:
        organization.hour_value = Decimal(HOUR_VALUES[slug])
        organization.save(update_fields=["hour_value"])
    initiatives = {i.name: i for i in Initiative.objects.filter(organization=organization)}
    for name, money in EXPECTED_MONEY.items():
        initiative = initiatives.get(name)
        if initiative is not None and initiative.expected_money_per_month != money:
            initiative.expected_money_per_month = Decimal(money)
            initiative.save(update_fields=["expected_money_per_month"])
    staff = people.get("staff")
    if slug == "fintech":
        advice = next((i for n, i in initiatives.items() if "advice" in n.lower()), None)
        if advice is None:
            advice = Initiative.objects.create(
                organization=organization, name=ADVICE_ENGINE, status="live",
                description="Personalised savings and credit advice in the app, from each "
                            "customer's own transactions.",
                process="Customer advice", department="Product",
                start_date=today - timedelta(days=300),
                go_live_date=today - timedelta(days=ADVICE_LIVE_DAYS),
                one_time_cost=Decimal(22000), monthly_cost=Decimal(1200),
                hours_saved_per_month=Decimal(ADVICE_EXPECTED_HOURS),
                expected_money_per_month=Decimal(ADVICE_EXPECTED_MONEY), impact=5, effort=4,
                automation_level=5, owner=people.get("owner"))
        if advice.name == ADVICE_ENGINE:  # ours: linked like the rest of the fintech's plan
            _link_advice_engine(organization, advice)
        elif advice.expected_money_per_month == 0:
            advice.expected_money_per_month = Decimal(ADVICE_EXPECTED_MONEY)
            advice.hours_saved_per_month = Decimal(ADVICE_EXPECTED_HOURS)
            advice.save(update_fields=["expected_money_per_month", "hours_saved_per_month"])
        if advice.go_live_date is not None:
            _record(organization, advice, _months_since(advice, today, len(ADVICE_MONTHS)),
                    ADVICE_MONTHS, staff, Source.API)
        onboarding = initiatives.get("Automated onboarding and KYC")
        if onboarding is not None and onboarding.go_live_date is not None:
            _record(organization, onboarding,
                    _months_since(onboarding, today, len(ONBOARDING_MONTHS)),
                    ONBOARDING_MONTHS, staff, Source.CSV)
    queue = initiatives.get("Queue-ticket automation")
    if slug == "bakery" and queue is not None and queue.go_live_date is not None:
        _record(organization, queue, _months_since(queue, today, len(QUEUE_MONTHS)),
                QUEUE_MONTHS, staff, Source.FORM)
    if slug == "bakery" and "Oven timers" in initiatives:
        timers = _live_since(initiatives["Oven timers"], today, STORY_LIVE_DAYS)
        months = _months_since(timers, today, len(OVEN_TIMER_HOURS))
        _record(organization, timers, months,
                [(h, None, "checked against the bake log") for h in OVEN_TIMER_HOURS],
                staff, Source.FORM)
    if slug == "agency" and "Client newsletter drip" in initiatives:
        _live_since(initiatives["Client newsletter drip"], today, STORY_LIVE_DAYS)
