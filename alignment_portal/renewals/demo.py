"""Demo renewal terms: the agency's overlapping subscriptions come up for renewal, two of them
shelfware (cancelling saves their whole bill) and the CRM paying for eight seats while three
are used; the bakery's till renews quietly later. Dates count from today, so the calendar
always shows them. Idempotent: tools are found by name, seat counts by month."""

from dataclasses import dataclass
from datetime import timedelta

from alignment_portal.renewals.services import seat_count_record
from alignment_portal.scoring.renewals import add_months
from initiatives.models import Tool


@dataclass(frozen=True)
class DemoRenewal:
    tool: str
    renews_in_days: int
    billing_period: str
    notice_period_days: int
    seats_used: tuple[int, ...] = ()  # monthly counts, oldest first, ending this month


RENEWALS = {
    "agency": [
        DemoRenewal("ActiveCampaign", 20, "monthly", 14),
        DemoRenewal("Brevo", 40, "annual", 30, (3, 2, 1)),
        DemoRenewal("HubSpot CRM", 75, "annual", 60, (6, 4, 3)),
        DemoRenewal("Mailchimp", 100, "annual", 30, (5, 4, 4)),
        DemoRenewal("Hootsuite", 12, "monthly", 0, (4, 4, 4)),
    ],
    "bakery": [
        DemoRenewal("Square POS", 95, "annual", 30, (2, 2)),
    ],
}


def seed(organization, people, today) -> None:
    for spec in RENEWALS.get(organization.slug, []):
        tool = Tool.objects.filter(organization=organization, name=spec.tool).first()
        if tool is None:
            continue
        Tool.objects.filter(pk=tool.pk).update(
            renewal_date=today + timedelta(days=spec.renews_in_days),
            billing_period=spec.billing_period, notice_period_days=spec.notice_period_days)
        this_month = today.replace(day=1)
        for back, seats in enumerate(reversed(spec.seats_used)):
            seat_count_record(tool=tool, month=add_months(this_month, -back), seats_used=seats,
                              user=people.get("owner"), today=today)
