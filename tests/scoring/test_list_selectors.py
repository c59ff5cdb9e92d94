"""The selectors the record pages and lists use: flags matched to records by subject type and
id within the organization, score fields for sorting, recently resolved flags."""

from datetime import timedelta

from django.utils import timezone

from alignment_portal.scoring import selectors
from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import Flag
from initiatives.models import Initiative
from tests.factories import InitiativeFactory


def test_has_open_flag_matches_within_the_organization_only(tenancy):
    mine = InitiativeFactory(organization=tenancy.org)
    Flag.objects.create(organization=tenancy.other_org, code="MISALIGNED", severity="high",
                        subject_type="initiative", subject_id=str(mine.pk), subject_label="x",
                        params={"legacy": {"message": "m", "suggested_fix": "f"}})
    flagged = Initiative.objects.filter(
        selectors.has_open_flag(tenancy.org, "initiative", "MISALIGNED"))
    assert list(flagged) == []
    recompute(tenancy.org.pk)
    assert list(Initiative.objects.filter(
        selectors.has_open_flag(tenancy.org, "initiative", "MISALIGNED"))) == [mine]
    assert selectors.open_flag_codes(tenancy.org, "initiative") == [
        ("MISALIGNED", 1), ("UNMEASURED", 1)]


def test_score_field_is_none_until_scored_and_scoped(tenancy):
    InitiativeFactory(organization=tenancy.org)
    field = selectors.score_field(tenancy.org, "initiative", "alignment_score")
    assert [i.s for i in Initiative.objects.annotate(s=field)] == [None]
    recompute(tenancy.org.pk)
    assert [i.s for i in Initiative.objects.annotate(s=field)] == [0.0]
    other = selectors.score_field(tenancy.other_org, "initiative", "alignment_score")
    assert [i.s for i in Initiative.objects.annotate(s=other)] == [None]


def test_recently_resolved_flags_leave_out_old_ones(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org)
    now = timezone.now()
    for code, days in [("MISALIGNED", 1), ("UNMEASURED", 45)]:
        Flag.objects.create(organization=tenancy.org, code=code, severity="high",
                            subject_type="initiative", subject_id=str(initiative.pk),
                            subject_label="x",
                            params={"legacy": {"message": "m", "suggested_fix": "f"}},
                            resolved_at=now - timedelta(days=days))
    resolved = selectors.recently_resolved_flags(tenancy.org, "initiative", initiative.pk)
    assert [f.code for f in resolved] == ["MISALIGNED"]
