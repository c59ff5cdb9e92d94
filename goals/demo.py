"""Demo goals for the four demo organizations: the current fiscal quarter, active, and the
last one, reviewed and closed, told through the same stories as the metrics and initiatives.

Idempotent: cycles are found by name and goals by cycle and title; existing ones are left as
they are (a person may have edited them). The closed cycle goes through the real review:
goals, outcomes, then close, which carries goals over into the current cycle. Metrics come
from metrics/demo.py when it ran first; the few this story needs are created by name
otherwise, and any other missing metric leaves its goal without a measure.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from alignment_portal.organizations.models import Organization
from goals import fiscal, services
from goals.models import Cycle, CycleState, Goal, GoalStatus
from metrics.models import Metric, MetricValue

# The metrics this seeder may create, with the definitions the metrics engineer uses.
KNOWN_METRICS = {
    "Customer wait time at peak": {"unit": "minutes", "direction": "lower",
                                   "frequency": "weekly", "kind": "KPI"},
    "Online sales": {"unit": "currency", "direction": "higher", "frequency": "weekly",
                     "kind": "KPI"},
    "Stock accuracy": {"unit": "%", "direction": "higher", "frequency": "monthly",
                       "kind": "KPI"},
    "Customer lifetime value uplift": {"unit": "currency", "direction": "higher",
                                       "frequency": "quarterly", "kind": "KVI",
                                       "level": "strategic"},
    "Client retention rate": {"unit": "%", "direction": "higher", "frequency": "monthly",
                              "kind": "KPI", "level": "strategic"},
}


@dataclass(frozen=True)
class DemoGoal:
    title: str
    description: str
    why: str
    perspective: str
    level: str
    metric: str = ""  # metric name; "" for none
    baseline: float | None = None  # None: the metric's value before the cycle
    target: float | None = None
    confidence: int | None = 60
    rank: int | None = None
    parent: str = ""  # title of a goal in the same cycle
    owner: str = "owner"
    status: str = GoalStatus.ACTIVE
    department: str = ""
    outcome: str = ""  # for the closed cycle
    note: str = ""


@dataclass(frozen=True)
class DemoStory:
    current: list[DemoGoal]
    previous: list[DemoGoal] = field(default_factory=list)


STORIES = {
    "bakery": DemoStory(
        current=[
            DemoGoal("Cut the morning wait at peak to under 4 minutes by end of quarter",
                     "Customers queuing between 7 and 9 am are served within four minutes "
                     "of joining the queue, on every weekday.",
                     "Regulars who wait too long in the morning go to the chain café across "
                     "the street, and the morning is half our takings.",
                     "customer", "strategic", "Customer wait time at peak", target=3.9,
                     confidence=65, rank=1, department="Shop front"),
            DemoGoal("Waste fewer than 20 loaves a week",
                     "Unsold loaves thrown away at closing fall below 20 a week, counted on "
                     "the till every evening.",
                     "Every wasted loaf is flour, power and an hour of a baker's night.",
                     "financial", "departmental", "Loaves wasted", target=19, confidence=70,
                     rank=2, department="Kitchen"),
            DemoGoal("Lift customer satisfaction to 90 %",
                     "Customers rating their visit 4 or 5 out of 5 on the receipt survey "
                     "reach 90 in 100.",
                     "Shorter queues should show in what customers tell us.",
                     "customer", "operational", "Customer satisfaction (CSAT)", target=90,
                     parent="Cut the morning wait at peak to under 4 minutes by end of quarter"),
            DemoGoal("Improve efficiency", "", "", "internal", "operational", confidence=None,
                     status=GoalStatus.DRAFT),
        ],
        previous=[
            DemoGoal("Cut the morning wait at peak to under 8 minutes",
                     "Customers queuing between 7 and 9 am are served within eight minutes.",
                     "The morning queue was costing us regulars.",
                     "customer", "strategic", "Customer wait time at peak", baseline=13,
                     target=8, rank=1, outcome="achieved",
                     note="The queue tickets went live in August; the wait halved."),
            DemoGoal("Train every counter assistant on the queue tickets",
                     "Each of the six counter assistants runs the ticket screen and the "
                     "pre-loaded orders alone for a full morning.",
                     "The tickets only help when everyone calls the numbers the same way.",
                     "people", "operational", confidence=80, outcome="carried_over",
                     parent="Cut the morning wait at peak to under 8 minutes",
                     note="Four of six trained; the two weekend staff start in October."),
        ],
    ),
    "agency": DemoStory(
        current=[
            DemoGoal("Keep 90 % of clients through their renewal this quarter",
                     "Of the retainer clients whose contract ends this quarter, at least 90 "
                     "in 100 sign again.",
                     "A renewed client costs a fraction of winning a new one.",
                     "customer", "strategic", "Client retention rate", target=90, rank=1,
                     department="Accounts"),
            DemoGoal("Raise marketing-qualified leads to 45 a week",
                     "Leads that match our client profile and asked for a proposal reach 45 "
                     "a week across all channels.",
                     "Qualified leads, not emails sent, are what fills next quarter.",
                     "financial", "departmental", "Marketing-qualified leads", target=45,
                     rank=2, confidence=55, department="Marketing"),
            # A vague idea jotted down as a draft: its SMART check fails on its page, but
            # as a draft it does not count in D1, so linking the orphan initiatives (the
            # demo scenario) is what lifts the agency to rung 3.
            DemoGoal("Increase productivity", "Be more productive.", "", "internal",
                     "operational", confidence=None, status=GoalStatus.DRAFT),
        ],
        previous=[
            DemoGoal("Keep 88 % of clients through their renewal",
                     "Of the retainer clients whose contract ended last quarter, 88 in 100 "
                     "sign again.", "Retention is the agency's profit.",
                     "customer", "strategic", "Client retention rate", baseline=86, target=88,
                     rank=1, outcome="missed",
                     note="Two clients left at renewal; both said they did not see results."),
            DemoGoal("Publish a monthly results report for every client",
                     "Every retainer client gets a one-page report of the leads and sales "
                     "our work brought them, by the 5th of the month.",
                     "Clients renew when they can see what they pay for.",
                     "customer", "operational", confidence=75, outcome="partly",
                     parent="Keep 88 % of clients through their renewal",
                     note="Done for 9 of 14 clients."),
        ],
    ),
    "boutique": DemoStory(
        current=[
            DemoGoal("Raise stock accuracy to 98 % across shop and web shop",
                     "At the monthly count, the stock on the shelf matches the stock the web "
                     "shop shows for at least 98 in 100 items.",
                     "Selling what we do not have means refunds, apologies and lost "
                     "customers.",
                     "internal", "strategic", "Stock accuracy", target=98, rank=1,
                     confidence=70),
            DemoGoal("Cut orders cancelled for lack of stock to 2 a week",
                     "Web orders we cancel because the item is not on the shelf fall to two "
                     "a week or fewer.",
                     "Each cancellation is a customer who may not order again.",
                     "customer", "departmental", "Online orders cancelled for lack of stock",
                     target=2, rank=2, parent="Raise stock accuracy to 98 % across shop and "
                     "web shop"),
            DemoGoal("Make customers happier", "", "Happy customers come back.", "customer",
                     "operational", confidence=40, status=GoalStatus.DRAFT),
        ],
        previous=[
            DemoGoal("Grow online sales to 3,500 € a week by the end of September",
                     "Weekly revenue from the online store, after refunds, reaches 3,500 € "
                     "by the last week of the quarter.",
                     "The online store should carry the shop through the quiet summer.",
                     "financial", "strategic", "Online sales", target=3500, rank=1,
                     outcome="missed",
                     note="Sales grew, but orders for items we did not have were cancelled. "
                          "Stock accuracy comes first next quarter."),
        ],
    ),
    "fintech": DemoStory(
        current=[
            DemoGoal("Raise customer lifetime value uplift to 180 per customer",
                     "The lifetime value of customers who joined since onboarding was "
                     "automated exceeds the earlier baseline by 180 per customer.",
                     "Lifetime value is the number our investors and our unit economics "
                     "rest on.",
                     "financial", "strategic", "Customer lifetime value uplift", target=180,
                     rank=1, confidence=60),
            DemoGoal("Reach 35 % adoption of the new savings product",
                     "Active customers with a funded savings pot make up at least 35 in 100 "
                     "of all active customers.",
                     "Customers with two products stay three times as long.",
                     "customer", "strategic", "Adoption of a new product", target=35, rank=3,
                     confidence=65),
            DemoGoal("Win 4 % market share among freelancers",
                     "Our revenue from freelance customers reaches 4 % of the segment's "
                     "estimated total.",
                     "Freelancers are the segment we built the product for.",
                     "customer", "strategic", "Market share in target segment", target=4,
                     confidence=55),
            DemoGoal("Answer support requests within 2 hours",
                     "The median time from a support request to the first human answer is "
                     "under two hours, every week.",
                     "Slow answers are the first thing churned customers mention.",
                     "internal", "operational", "First response time", target=2,
                     confidence=70, parent="Cut monthly churn to 2.5 %",
                     department="Customer success"),
        ],
        previous=[
            DemoGoal("Reach 20 % adoption of the new savings product",
                     "Active customers with a funded savings pot make up 20 in 100 of all "
                     "active customers.", "Two products, longer customers.",
                     "customer", "strategic", "Adoption of a new product", target=20, rank=1,
                     outcome="achieved", note="Same-day onboarding did it."),
            DemoGoal("Cut monthly churn to 2.5 %",
                     "Customers closing their account in a month fall to 2.5 in 100 of "
                     "those active at its start.",
                     "Churn undoes every other number.",
                     "customer", "strategic", "Customer churn rate", target=2.5, rank=2,
                     outcome="carried_over",
                     note="Down from 3.8 % to 2.9 %; the early-warning model needs a quarter "
                          "more."),
        ],
    ),
}


def seed(organization: Organization, people: dict, today: date) -> None:
    story = STORIES.get(organization.slug)
    if story is None:
        return
    current_q = fiscal.fiscal_quarter(today, organization.fiscal_year_start_month)
    previous_q = fiscal.fiscal_quarter(current_q.start_date - timedelta(days=1),
                                       organization.fiscal_year_start_month)
    current, _ = Cycle.objects.get_or_create(
        organization=organization, name=current_q.name,
        defaults={"start_date": current_q.start_date, "end_date": current_q.end_date})
    previous, _ = Cycle.objects.get_or_create(
        organization=organization, name=previous_q.name,
        defaults={"start_date": previous_q.start_date, "end_date": previous_q.end_date,
                  "state": CycleState.REVIEW})

    if previous.state != CycleState.CLOSED:
        if previous.state != CycleState.REVIEW:
            Cycle.objects.filter(pk=previous.pk).update(state=CycleState.REVIEW)
            previous.refresh_from_db()
        goals = _seed_goals(organization, people, previous, story.previous)
        services.cycle_review_record(
            cycle=previous, user=people.get("consultant"),
            outcomes={goals[spec.title].pk: (spec.outcome, spec.note)
                      for spec in story.previous if spec.title in goals and spec.outcome})
        services.cycle_close(cycle=previous, user=people.get("consultant"), today=today)

    _seed_goals(organization, people, current, story.current)
    if current.state == CycleState.PLANNING:
        # Another demo run in an earlier quarter left its cycle active: it is under review now.
        Cycle.objects.filter(organization=organization, state=CycleState.ACTIVE).exclude(
            pk=current.pk).update(state=CycleState.REVIEW)
        services.cycle_transition(cycle=current, to=CycleState.ACTIVE)


def _seed_goals(organization, people, cycle, specs) -> dict[str, Goal]:
    """Create the goals of `specs` missing from `cycle` (parents first); return all by title."""
    existing = {g.title: g for g in Goal.objects.filter(organization=organization, cycle=cycle)}
    for spec in specs:
        if spec.title in existing:
            continue
        metric = _metric(organization, spec.metric)
        baseline = spec.baseline
        if baseline is None and metric is not None:
            baseline = _value_before(metric, cycle.start_date)
        if baseline is None and spec.target is not None:
            baseline = spec.target * (1.25 if metric is None or metric.direction == "lower"
                                      else 0.8)
        taken = set(Goal.objects.filter(cycle=cycle, priority_rank__isnull=False)
                    .values_list("priority_rank", flat=True))
        existing[spec.title] = services.goal_create(
            organization=organization, cycle=cycle, title=spec.title,
            description=spec.description, why_it_matters=spec.why,
            perspective=spec.perspective, level=spec.level, department=spec.department,
            parent=existing.get(spec.parent) or _goal_elsewhere(organization, spec.parent),
            owner=people.get(spec.owner),
            priority_rank=spec.rank if spec.rank not in taken else None,
            metric=metric,
            baseline_value=_decimal(baseline if metric is not None else None),
            target_value=_decimal(spec.target if metric is not None else None),
            start_date=cycle.start_date, due_date=cycle.end_date,
            confidence=spec.confidence, status=spec.status)
    return existing


def _goal_elsewhere(organization, title: str) -> Goal | None:
    """A parent named by title that lives in another cycle (e.g. a carried-over goal)."""
    if not title:
        return None
    return (Goal.objects.filter(organization=organization, title=title)
            .exclude(status=GoalStatus.ARCHIVED).order_by("-cycle__start_date").first())


def _metric(organization, name: str) -> Metric | None:
    if not name:
        return None
    if name in KNOWN_METRICS:
        metric, _ = Metric.objects.get_or_create(organization=organization, name=name,
                                                 defaults=KNOWN_METRICS[name])
        return metric
    return Metric.objects.filter(organization=organization, name=name).first()


def _value_before(metric: Metric, day: date) -> float | None:
    value = (MetricValue.objects.filter(metric=metric, period__lt=day).order_by("-period")
             .values_list("value", flat=True).first())
    return float(value) if value is not None else None


def _decimal(value) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 2)))
