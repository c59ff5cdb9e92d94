"""Starter goals that fill the goal form: at least one per perspective, each written to pass
the SMART check once a metric, numbers and dates are filled in."""

from dataclasses import dataclass

from goals.models import GoalLevel, Perspective


@dataclass(frozen=True)
class Starter:
    key: str
    title: str
    description: str
    why_it_matters: str
    perspective: str
    level: str
    confidence: int
    metric_hint: str  # the library metric that usually measures it


STARTERS = [
    Starter("online-sales", "Grow online sales by 20 % this quarter",
            "Monthly revenue from the web shop rises from this quarter's baseline by a fifth, "
            "for returning and new customers alike.",
            "Online sales carry a better margin than the counter and reach beyond opening hours.",
            Perspective.FINANCIAL, GoalLevel.STRATEGIC, 60, "Online sales"),
    Starter("cash-collection", "Cut overdue receivables to under 10 % of monthly revenue",
            "Invoices unpaid after their due date make up less than a tenth of a month's "
            "revenue at each month end.",
            "Money owed to us is money we borrow at a cost to pay our own bills.",
            Perspective.FINANCIAL, GoalLevel.DEPARTMENTAL, 70, "Overdue receivables"),
    Starter("wait-at-peak", "Cut the wait at peak to under 4 minutes by end of quarter",
            "Customers queuing between 7 and 9 am wait less than 4 minutes from joining the "
            "queue to being served.",
            "Regulars who wait too long in the morning go to the chain café instead.",
            Perspective.CUSTOMER, GoalLevel.STRATEGIC, 65, "Customer wait time at peak"),
    Starter("retention", "Keep 85 % of clients through their renewal",
            "Of the clients whose contract renews this quarter, at least 85 in 100 renew.",
            "Winning a new client costs five times as much as keeping one.",
            Perspective.CUSTOMER, GoalLevel.STRATEGIC, 60, "Client retention rate"),
    Starter("invoice-time", "Cut invoice processing time by half within six months",
            "Supplier invoices go from arrival to approved payment in half the days they "
            "take today, for every supplier.",
            "Slow approvals cost early-payment discounts and annoy suppliers.",
            Perspective.INTERNAL, GoalLevel.DEPARTMENTAL, 70, "Invoice processing time"),
    Starter("stock-accuracy", "Raise stock accuracy to 98 % across shop and web",
            "The stock counted on the shelf matches the stock the web shop shows for at least "
            "98 in 100 items at the monthly count.",
            "Selling online what is not on the shelf means refunds and lost customers.",
            Perspective.INTERNAL, GoalLevel.OPERATIONAL, 60, "Stock accuracy"),
    Starter("onboarding", "Get new staff fully productive in two weeks",
            "A new team member works a full shift on their own within ten working days of "
            "starting, with the checklist signed off.",
            "Long onboarding ties up experienced staff at the busiest times.",
            Perspective.PEOPLE, GoalLevel.OPERATIONAL, 60, "Onboarding time"),
    Starter("training", "Train every team member on the new system this quarter",
            "Every person who uses the till or the scheduling tool completes the two-hour "
            "training and passes the check at the end.",
            "The automation only pays off when everyone uses it the same way.",
            Perspective.PEOPLE, GoalLevel.DEPARTMENTAL, 75, "Staff trained"),
]

STARTERS_BY_KEY = {starter.key: starter for starter in STARTERS}
