"""Load one organization's records, score them, write the results. Filled in by the scoring
issue; until then a recompute only records that it ran."""

from django.utils import timezone

from alignment_portal.organizations.models import Organization


def recompute(organization_id: int) -> None:
    Organization.objects.filter(pk=organization_id).update(recomputed_at=timezone.now())
