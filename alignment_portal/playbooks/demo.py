"""Demo playbook: the consultant saved the bakery's plan (its goals as templates, metric
definitions, initiatives, tools and their links; no money), ready to start a new client from
("Into a new organization" on the playbook's page). Idempotent: found by name."""

from alignment_portal.playbooks import selectors, services
from alignment_portal.playbooks.models import Playbook

NAME = "Morning rush (from the bakery)"
DESCRIPTION = ("A shop whose customers queue at one peak: cut the wait with queue tickets, "
               "measure the wait and the waste, and keep the tools that serve it.")


def seed(organization, people, today) -> None:
    consultant = people.get("consultant")
    if organization.slug != "bakery" or consultant is None:
        return
    if Playbook.objects.filter(author=consultant, name=NAME).exists():
        return
    offer = selectors.offer(organization)
    services.playbook_save(
        author=consultant, organization=organization, name=NAME, description=DESCRIPTION,
        goal_ids=offer.ids("goals"), metric_ids=offer.ids("metrics"),
        initiative_ids=offer.ids("initiatives"), tool_ids=offer.ids("tools"),
        include_links=True, include_money=False)
