"""Reads for the pages: scoped to the organization, a fixed number of queries."""

import pytest

from alignment_portal.scoring import engine, selectors
from tests.scoring.test_engine import build_organization


@pytest.fixture
def scored(db):
    org = build_organization(3, "scored")
    other = build_organization(1, "neighbour")
    engine.recompute(org.pk)
    engine.recompute(other.pk)
    return org, other


def test_organization_score_and_open_flags(scored, django_assert_num_queries):
    org, other = scored
    with django_assert_num_queries(1):
        score = selectors.organization_score(org)
    assert score.rung >= 1 and score.explanation["rung"] == score.rung
    with django_assert_num_queries(1):
        flags = list(selectors.open_flags(org))
    assert flags and all(f.organization_id == org.pk for f in flags)
    assert score.open_flags == {s: sum(f.severity == s for f in flags)
                                for s in ("high", "medium", "low")}


def test_scores_and_flags_of_one_record(scored):
    org, other = scored
    unaligned = org.initiatives.get(name="Unaligned scored")
    card = selectors.initiative_scorecard(org, unaligned.pk)
    assert card.score.initiative_id == unaligned.pk
    assert {f.code for f in card.flags} >= {"MISALIGNED", "UNMEASURED"}
    assert selectors.initiative_scorecard(other, unaligned.pk).score is None  # not theirs
    goal = org.goals.first()
    assert selectors.goal_scorecard(org, goal.pk).score.goal_id == goal.pk
    metric = goal.metric
    assert selectors.metric_scorecard(org, metric.pk).score.is_fresh


def test_a_records_flags_are_its_open_ones_and_those_resolved_lately(
        scored, django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from alignment_portal.scoring.models import Flag

    org, other = scored
    unaligned = org.initiatives.get(name="Unaligned scored")
    flags = Flag.objects.filter(organization=org, subject_type="initiative",
                                subject_id=str(unaligned.pk)).order_by("pk")
    assert flags.count() >= 2
    lately, long_ago = flags[0], flags[1]
    Flag.objects.filter(pk=lately.pk).update(resolved_at=timezone.now() - timedelta(days=3))
    Flag.objects.filter(pk=long_ago.pk).update(resolved_at=timezone.now() - timedelta(days=31))
    with django_assert_num_queries(1):
        open_flags, resolved = selectors.record_flags(org, "initiative", unaligned.pk)
    assert [f.pk for f in resolved] == [lately.pk]
    assert [f.pk for f in open_flags] == [
        f.pk for f in selectors.flags_for(org, "initiative", unaligned.pk)]
    assert [getattr(resolved[0], f.attname) for f in Flag._meta.concrete_fields] == [
        getattr(Flag.objects.get(pk=lately.pk), f.attname) for f in Flag._meta.concrete_fields]
    _, within_40_days = selectors.record_flags(org, "initiative", unaligned.pk, days=40)
    assert [f.pk for f in within_40_days] == [lately.pk, long_ago.pk]  # newest first
    assert selectors.record_flags(other, "initiative", unaligned.pk) == ([], [])


def test_scores_for_many_initiatives_in_one_query(scored, django_assert_num_queries):
    org, _ = scored
    ids = list(org.initiatives.values_list("pk", flat=True))
    with django_assert_num_queries(1):
        scores = selectors.initiative_scores(org, ids)
    assert set(scores) == set(ids)
    with django_assert_num_queries(1):
        flags = selectors.open_flags_for_many(org, "initiative", ids)
    assert all(f.subject_type == "initiative" for group in flags.values() for f in group)


def test_backlog_orders_by_priority_score(scored, django_assert_num_queries):
    org, _ = scored
    with django_assert_num_queries(1):
        rows = list(selectors.backlog(org))
        names = [row.initiative.name for row in rows]
    assert len(names) == 4
    assert [r.priority_score for r in rows] == sorted((r.priority_score for r in rows),
                                                      reverse=True)


