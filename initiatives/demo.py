"""Demo tools, initiatives and links for each demo organization's story.

- bakery: oven timers that serve no goal, and the queue-ticket automation that serves the
  peak-wait goal and is measured by the wait at peak.
- agency: five overlapping platforms, three of them email marketing, one of those used by
  nothing (shelfware); emails sent counted as if they were results.
- boutique: the online store is not tied to stock; its only goal is no longer active (drift),
  while the stock sync that would fix it waits in the backlog.
- fintech: well-aligned automation on API-integrated tools, measured by KVIs.

Idempotent: tools and initiatives are found by name, links by their pair. Goals and metrics
come from the goals and metrics seeders, which may run in any order or not at all: they are
looked up by keywords of their title (goals) or by library key and name (metrics), and a link
whose target does not exist is skipped.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Q

from alignment_portal.organizations.recompute import request_recompute
from alignment_portal.scoring import rules
from goals.models import Goal
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from metrics.models import Metric


@dataclass(frozen=True)
class DemoTool:
    name: str
    vendor: str
    category: str
    monthly_cost: int
    integration: str = "standalone"
    seats: int = 1
    status: str = "active"


@dataclass(frozen=True)
class DemoLink:
    goal_keywords: tuple[str, ...]
    contribution: str
    rationale: str
    expected_effect: str = ""
    drifted: bool = False  # the story wants a goal that is no longer active


@dataclass(frozen=True)
class DemoInitiative:
    name: str
    description: str
    process: str
    department: str
    status: str
    tools: tuple[str, ...]
    monthly_cost: int
    one_time_cost: int
    hours_saved: int
    impact: int
    effort: int
    automation_level: int
    started_days_ago: int | None = 120
    live_days_ago: int | None = 60
    owner: str = "owner"
    links: tuple[DemoLink, ...] = ()
    # (metric library key or name keyword, role)
    measures: tuple[tuple[str, str], ...] = field(default=())


TOOLS = {
    "bakery": [
        DemoTool("OvenMate timers", "OvenMate", "other", 35),
        DemoTool("QueueKiosk", "Qmatic", "scheduling", 45, "api"),
        DemoTool("Square POS", "Square", "pos", 60, "api", seats=2),
    ],
    "agency": [
        DemoTool("Mailchimp", "Intuit", "email_marketing", 299, "api", seats=5),
        DemoTool("Brevo", "Brevo", "email_marketing", 65, "manual_export", seats=3),
        DemoTool("ActiveCampaign", "ActiveCampaign", "email_marketing", 149, "standalone",
                 seats=3),
        DemoTool("HubSpot CRM", "HubSpot", "crm", 800, "api", seats=8),
        DemoTool("Hootsuite", "Hootsuite", "social_media", 99, "manual_export", seats=4),
    ],
    "boutique": [
        DemoTool("Shopify", "Shopify", "ecommerce", 79, "manual_export"),
        DemoTool("Lightspeed POS", "Lightspeed", "pos", 89, "standalone"),
        DemoTool("Stock spreadsheet", "Google", "inventory", 0, "manual_export"),
    ],
    "fintech": [
        DemoTool("Salesforce", "Salesforce", "crm", 1500, "api", seats=12),
        DemoTool("Stripe Billing", "Stripe", "invoicing", 400, "api"),
        DemoTool("Zendesk", "Zendesk", "helpdesk", 300, "api", seats=6),
        DemoTool("Mixpanel", "Mixpanel", "analytics", 250, "api", seats=4),
    ],
}

WAIT = ("peak", "wait", "queue")
INITIATIVES = {
    "bakery": [
        DemoInitiative(
            "Oven timers", "Networked timers that beep when a tray is done.",
            "Baking", "Kitchen", "live", ("OvenMate timers",), 35, 600, 4, 2, 2, 1,
            measures=()),
        DemoInitiative(
            "Queue-ticket automation", "Customers take a ticket at the door; the screen calls "
            "the next number and the till pre-loads the regular order.",
            "Serving the morning queue", "Shop front", "live", ("QueueKiosk", "Square POS"),
            60, 1200, 20, 5, 2, 3,
            links=(DemoLink(WAIT, "primary", "Tickets and pre-loaded orders cut the time each "
                            "customer stands at the counter during the morning peak.",
                            "−7 minutes wait at peak"),),
            measures=(("wait_time_peak", "outcome"), ("csat", "outcome"))),
        DemoInitiative(
            "Waste log on the till", "Staff log unsold loaves on the till at closing.",
            "Closing", "Kitchen", "planned", ("Square POS",), 0, 150, 2, 3, 1, 2,
            live_days_ago=None, links=(DemoLink(("waste", "wasted", "loaves"), "supporting",
                                                "Knowing what is thrown away lets us bake "
                                                "less of it."),),
            measures=(("Loaves wasted", "outcome"),)),
        DemoInitiative(
            "Pre-order app for offices", "Office customers order before 8 and collect.",
            "Taking orders", "Shop front", "idea", (), 40, 2500, 6, 4, 4, 2,
            started_days_ago=None, live_days_ago=None,
            links=(DemoLink(WAIT, "supporting", "Pre-orders take the largest orders out of "
                            "the peak queue."),)),
    ],
    "agency": [
        DemoInitiative(
            "Automated nurture emails", "Six-step email sequences for every new lead.",
            "Lead nurturing", "Marketing", "live", ("Mailchimp", "HubSpot CRM"), 350, 3000,
            25, 3, 3, 3,
            links=(DemoLink(("lead", "qualified", "mql"), "supporting",
                            "Regular emails keep leads warm until they are sales-ready."),),
            measures=(("Automated emails sent", "activity"), ("mql", "outcome"))),
        DemoInitiative(
            "Client newsletter drip", "A monthly newsletter to every client contact.",
            "Client communication", "Marketing", "live", ("Brevo",), 65, 400, 6, 2, 2, 2,
            measures=(("Automated emails sent", "activity"),)),
        DemoInitiative(
            "Social post scheduling", "Posts for all clients queued a week ahead.",
            "Social media", "Content", "live", ("Hootsuite",), 99, 0, 10, 2, 1, 2,
            measures=(("social_posts", "activity"),)),
        DemoInitiative(
            "Renewal reminder workflow", "The CRM opens a renewal task 60 days before a "
            "retainer ends, with the client's results attached.", "Account management",
            "Accounts", "planned", ("HubSpot CRM",), 0, 800, 8, 4, 2, 3, live_days_ago=None,
            links=(DemoLink(("retention", "renew", "retain"), "primary",
                            "Renewal talks start early and with evidence, so fewer clients "
                            "drift away at the end of their term.", "+3 points retention"),),
            measures=(("Client retention rate", "outcome"),)),
    ],
    "boutique": [
        DemoInitiative(
            "Online store", "The shop's catalogue sold online; stock is updated by hand "
            "once a week.", "Selling online", "E-commerce", "live", ("Shopify",), 79, 2000, 0,
            4, 3, 2,
            links=(DemoLink(("online", "web", "e-commerce", "store"), "primary",
                            "Opening an online channel brings sales beyond the street.",
                            drifted=True),),
            measures=(("online_sales", "outcome"),)),
        DemoInitiative(
            "Stock sync between till and web shop", "Every sale on the till updates the web "
            "shop's stock within a minute.", "Stock keeping", "E-commerce", "planned",
            ("Shopify", "Lightspeed POS"), 40, 900, 12, 5, 3, 4, live_days_ago=None,
            links=(DemoLink(("stock", "accuracy", "inventory", "cancel"), "primary",
                            "Orders for items we do not have stop once stock is shared.",
                            "Stock accuracy above 97 %"),),
            measures=(("stock_accuracy", "outcome"),
                      ("Online orders cancelled", "outcome"))),
    ],
    "fintech": [
        DemoInitiative(
            "Automated onboarding and KYC", "Identity checks and account set-up in minutes "
            "instead of days.", "Customer onboarding", "Operations", "live",
            ("Salesforce", "Stripe Billing"), 900, 15000, 120, 5, 4, 4,
            links=(DemoLink(("adoption", "new product", "onboard"), "primary",
                            "Customers who are set up the same day adopt the new product "
                            "before they lose interest.", "+15 points adoption"),),
            measures=(("new_product_adoption", "outcome"), ("clv_uplift", "outcome"))),
        DemoInitiative(
            "Churn early-warning model", "Usage signals flag accounts at risk; account "
            "managers call within a day.", "Account management", "Customer success", "live",
            ("Mixpanel", "Salesforce"), 600, 8000, 40, 5, 3, 5,
            links=(DemoLink(("churn", "retention", "lifetime", "clv"), "primary",
                            "Calling at-risk accounts early keeps them, which is most of "
                            "lifetime value.", "−1 point monthly churn"),),
            measures=(("churn_rate", "outcome"), ("clv_uplift", "outcome"))),
        DemoInitiative(
            "Support triage bot", "Tickets are classified and routed on arrival.",
            "Customer support", "Customer success", "live", ("Zendesk",), 300, 2500, 60, 3, 2,
            3,
            links=(DemoLink(("response", "support", "nps", "satisfaction"), "supporting",
                            "Faster first answers lift satisfaction, which protects "
                            "retention."),),
            measures=(("first_response_time", "outcome"),)),
        DemoInitiative(
            "Segment market-share dashboard", "Weekly share of the SME-lending segment from "
            "public filings and our book.", "Strategy", "Leadership", "planned", ("Mixpanel",),
            0, 3000, 4, 3, 2, 4, live_days_ago=None,
            links=(DemoLink(("market share", "segment", "share"), "supporting",
                            "Seeing share weekly lets us move budget to the segment we "
                            "are winning."),),
            measures=(("market_share_segment", "outcome"),)),
    ],
}


def _metric(organization, key: str) -> Metric | None:
    metrics = Metric.objects.filter(organization=organization)
    return (metrics.filter(library_key=key).first() or metrics.filter(name__iexact=key).first()
            or metrics.filter(name__icontains=key).first())


def _goal(organization, link: DemoLink) -> Goal | None:
    """The best goal whose title has one of the keywords: an active priority goal first, or for
    a drift story, only a goal that is no longer active."""
    query = Q()
    for keyword in link.goal_keywords:
        query |= Q(title__icontains=keyword)
    candidates = list(Goal.objects.filter(query, organization=organization)
                      .select_related("cycle"))

    def is_active(goal):
        return rules.goal_is_active(goal.status, goal.cycle.state)

    if link.drifted:
        candidates = [g for g in candidates if not is_active(g)]
    candidates.sort(key=lambda g: (not is_active(g), g.priority_rank or 99, g.title))
    return candidates[0] if candidates else None


def seed(organization, people, today) -> None:
    tools = {}
    for spec in TOOLS.get(organization.slug, []):
        tools[spec.name], _ = Tool.objects.update_or_create(
            organization=organization, name=spec.name,
            defaults={"vendor": spec.vendor, "category": spec.category,
                      "monthly_cost": Decimal(spec.monthly_cost), "seats": spec.seats,
                      "integration": spec.integration, "status": spec.status,
                      "owner": people.get("owner")})
    for spec in INITIATIVES.get(organization.slug, []):
        start = (today - timedelta(days=spec.started_days_ago)
                 if spec.started_days_ago is not None else None)
        go_live = (today - timedelta(days=spec.live_days_ago)
                   if spec.live_days_ago is not None else None)
        initiative, _ = Initiative.objects.update_or_create(
            organization=organization, name=spec.name,
            defaults={"description": spec.description, "process": spec.process,
                      "department": spec.department, "status": spec.status,
                      "start_date": start, "go_live_date": go_live,
                      "monthly_cost": Decimal(spec.monthly_cost),
                      "one_time_cost": Decimal(spec.one_time_cost),
                      "hours_saved_per_month": Decimal(spec.hours_saved), "impact": spec.impact,
                      "effort": spec.effort, "automation_level": spec.automation_level,
                      "owner": people.get(spec.owner)})
        wanted = [tools[name] for name in spec.tools if name in tools]
        if set(initiative.tools.all()) != set(wanted):
            initiative.tools.set(wanted)
        for link in spec.links:
            goal = _goal(organization, link)
            if goal is None:
                continue  # the goals seeder has not written this goal (yet)
            AlignmentLink.objects.get_or_create(
                initiative=initiative, goal=goal,
                defaults={"organization": organization, "contribution": link.contribution,
                          "rationale": link.rationale,
                          "expected_effect": link.expected_effect})
        for key, role in spec.measures:
            metric = _metric(organization, key)
            if metric is None:
                continue
            MeasurementLink.objects.get_or_create(
                initiative=initiative, metric=metric,
                defaults={"organization": organization, "role": role})
    request_recompute(organization)
