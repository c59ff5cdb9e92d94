"""Demo scenario: the agency's owner tries retiring the overlapping email platforms and giving
its two orphan initiatives a goal, before changing anything: D2 rises past 80 and D5 past 60,
the misaligned spend falls to 0 and the agency climbs from rung 2 (Defined) to rung 3
(Aligned). Shared, so every agency member sees it. Idempotent: found by name; records it
needs and cannot find are skipped."""

from alignment_portal.scenarios import services
from alignment_portal.scenarios.apply import Change
from alignment_portal.scenarios.models import Scenario
from goals.models import Goal
from initiatives.models import Initiative, Tool

NAME = "Retire the overlapping platforms, link the orphans"
RETIRE = ("ActiveCampaign", "Brevo")  # Mailchimp stays: the nurture emails run on it
LINKS = [
    ("Client newsletter drip", ("renewal this quarter", "retention"), "supporting",
     "A monthly newsletter with each client's results reminds them what we deliver before "
     "their renewal comes up."),
    ("Social post scheduling", ("qualified leads", "mql"), "supporting",
     "Steady posting brings inbound enquiries that the nurture emails turn into qualified "
     "leads."),
]


def _goal(organization, keywords):
    goals = Goal.objects.filter(organization=organization, status="active")
    for keyword in keywords:
        goal = goals.filter(title__icontains=keyword).first()
        if goal is not None:
            return goal
    return None


def seed(organization, people, today) -> None:
    if organization.slug != "agency" or people.get("owner") is None:
        return
    if Scenario.objects.filter(organization=organization, name=NAME).exists():
        return
    scenario = services.scenario_create(organization=organization, author=people["owner"],
                                        name=NAME)
    changes = [Change("retire_tool", tool=tool.pk) for tool in Tool.objects.filter(
        organization=organization, name__in=RETIRE, status="active").order_by("name")]
    for name, keywords, contribution, rationale in LINKS:
        initiative = Initiative.objects.filter(organization=organization, name=name).first()
        goal = _goal(organization, keywords)
        if initiative is not None and goal is not None:
            changes.append(Change("link", initiative=initiative.pk, goal=goal.pk,
                                  contribution=contribution, rationale=rationale))
    for change in changes:
        services.change_add(scenario=scenario, change=change)
    services.scenario_update(scenario=scenario, shared=True)
