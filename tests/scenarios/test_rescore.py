"""Rescoring a plan with a scenario's changes, reusing the plan's scorecard (rescore.py), gives
exactly what compute.score gives on the changed plan: every table, dimension, flag and the
evaluation a person sees, for every kind of change alone and for many mixes of them."""

import dataclasses
import random

import pandas as pd
import pytest
from django.utils import timezone

import goals.demo
import initiatives.demo
import metrics.demo
from alignment_portal.organizations.models import Role
from alignment_portal.scenarios import rescore as rescore_module
from alignment_portal.scenarios.apply import INITIATIVE_STATUSES, Change, NewLink, apply_changes
from alignment_portal.scenarios.evaluate import evaluate
from alignment_portal.scoring.alignment import metric_freshness
from alignment_portal.scoring.compute import core_scores, score
from alignment_portal.scoring.engine import load_frames
from alignment_portal.scoring.triggers import run_recompute
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
TABLES = ("metrics", "goals", "initiatives", "tools", "impact", "benefits", "flags")


@pytest.fixture
def agency():
    """The demo agency: live initiatives with impact evidence and benefit entries, overlapping
    tools, orphan initiatives, priority goals."""
    organization = OrganizationFactory(slug="agency", name="Agency", currency="GBP",
                                       hour_value=40)
    owner = UserFactory()
    MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
    today = timezone.localdate()
    for seeder in (metrics.demo, goals.demo, initiatives.demo):
        seeder.seed(organization, {"owner": owner}, today)
    run_recompute(organization.pk, force=True)
    return load_frames(organization.pk), today


def candidates(frames) -> list[Change]:
    """Changes of every kind from the plan's own records (some will not fit: skipped)."""
    initiatives = frames.initiatives["id"].tolist()
    goals = frames.goals["id"].tolist()
    links = list(zip(frames.alignment_links["initiative_id"].tolist(),
                     frames.alignment_links["goal_id"].tolist(), strict=True))
    ranked = frames.goals[frames.goals["priority_rank"].notna()]["id"].tolist()
    out = [Change("initiative_status", initiative=i, status=s)
           for i in initiatives for s in INITIATIVE_STATUSES]
    out += [Change("retire_tool", tool=t) for t in frames.tools["id"].tolist()]
    out += [Change("unlink", initiative=i, goal=g) for i, g in links]
    out += [Change("link", initiative=i, goal=g, contribution=c,
                   rationale="It moves the goal's number directly, each week.")
            for i in initiatives for g in goals for c in ("primary", "indirect")]
    out += [Change("priority", goal=g, rank=None) for g in ranked]
    out += [Change("priority", goal=g, rank=r) for g in goals for r in (1, 2, 3)]
    out += [Change("new_initiative", name="Chatbot", monthly_cost=120, one_time_cost=2400,
                   links=(NewLink(goals[0], "supporting", "It answers customers at night."),))]
    return out


def assert_same_scorecard(expected, got):
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(got, name),
                                      check_dtype=False, obj=name)
    assert got.dimensions == expected.dimensions
    assert got.misaligned_spend == expected.misaligned_spend
    assert got.explanation == expected.explanation


def assert_same_core(expected, got):
    for name in ("metrics", "goals", "initiatives", "tools"):
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(got, name),
                                      check_dtype=False, obj=name)
    assert (got.dimensions, got.misaligned_spend, got.explanation) == (
        expected.dimensions, expected.misaligned_spend, expected.explanation)


def test_every_kind_of_change_alone_and_mixed_rescore_as_a_full_scoring(agency):
    frames, today = agency
    card = score(frames, today)
    freshness = metric_freshness(frames.metrics, frames.values, today)
    pool = candidates(frames)
    kinds = {c.type for c in pool}
    picks = random.Random(18)
    mixes = [[c] for kind in sorted(kinds) for c in pool if c.type == kind][::7]
    mixes += [picks.sample(pool, picks.randint(2, 10)) for _ in range(15)]
    made = set()
    correlations = {}  # shared by every scoring of the plan, as a cached plan shares them
    for changes in mixes:
        after, problems = apply_changes(frames, changes)
        made |= {c.type for c, p in zip(changes, problems, strict=True) if not p}
        # What apply.py says it changed holds every row that differs.
        said, found = (rescore_module._changes_known(frames, after),
                       rescore_module._changes_found(frames, after))
        assert said[0] >= found[0] and said[1] >= found[1]
        assert_same_scorecard(score(after, today),
                              rescore_module.rescore(frames, card, freshness, after, today,
                                                     correlations=correlations))
        assert_same_core(core_scores(after, today),
                         rescore_module.rescore_core(frames, card, freshness, after, today,
                                                     correlations=correlations))
    assert correlations  # the vanity rule's pairs were correlated, and kept
    assert made == kinds  # every kind was tried, and made, somewhere


def test_the_evaluation_is_the_same_with_the_plans_scorecard_reused(agency):
    frames, today = agency
    card = score(frames, today)
    freshness = metric_freshness(frames.metrics, frames.values, today)
    changes = [c for c in candidates(frames) if c.type in ("retire_tool", "link")][:6]
    changes += [Change("initiative_status", initiative=frames.initiatives["id"].iloc[0],
                       status="retired")]
    full = evaluate(frames, changes, today)
    reused = evaluate(frames, changes, today, stored=full_before(frames, card),
                      rescore=lambda after: rescore_module.rescore(frames, card, freshness,
                                                                   after, today),
                      rescore_core=lambda after: rescore_module.rescore_core(
                          frames, card, freshness, after, today))
    assert full.after != full.before
    for field in ("before", "after", "flags_opened", "flags_resolved", "initiatives",
                  "problems", "effects"):
        assert getattr(reused, field) == getattr(full, field), field


def test_a_change_of_a_frame_rescore_does_not_know_is_scored_in_full(agency, monkeypatch):
    frames, today = agency
    card = score(frames, today)
    freshness = metric_freshness(frames.metrics, frames.values, today)
    after = dataclasses.replace(frames, values=frames.values.iloc[:-5])
    calls = []
    monkeypatch.setattr(rescore_module, "score",
                        lambda *a, **kw: calls.append(1) or score(*a, **kw))
    assert_same_scorecard(score(after, today),
                          rescore_module.rescore(frames, card, freshness, after, today))
    assert calls == [1]


def full_before(frames, card):
    from alignment_portal.scenarios.evaluate import before_of

    return before_of(frames, card)


def test_an_initiative_set_live_again_gets_its_impact_and_benefit_flags_back(agency):
    """The flags rescore.py works out afresh rather than take from the plan's: WORSENED,
    NO_EFFECT and the ledger's flags of an initiative the scenario makes live again."""
    frames, today = agency
    card = score(frames, today)
    flagged = card.flags[card.flags["code"].isin(
        ["WORSENED", "NO_EFFECT", "BENEFIT_SHORTFALL", "UNPROVEN_BENEFIT"])]
    assert len(flagged)  # the demo has them
    paused = [Change("initiative_status", initiative=int(i), status="paused")
              for i in sorted(set(flagged["subject_id"].astype(int)))]
    plan, problems = apply_changes(frames, paused)
    assert not any(problems)
    plan_card = score(plan, today)
    assert not plan_card.flags["code"].isin(flagged["code"]).any()
    freshness = metric_freshness(plan.metrics, plan.values, today)
    raised = set()
    for changes in ([dataclasses.replace(c, status="live") for c in paused],
                    [dataclasses.replace(paused[-1], status="live")]):
        after, problems = apply_changes(plan, changes)
        assert not any(problems)
        expected = score(after, today)
        assert_same_scorecard(expected, rescore_module.rescore(plan, plan_card, freshness,
                                                               after, today))
        raised |= set(expected.flags["code"]) & set(flagged["code"])
    assert raised == set(flagged["code"])  # every one of them is back
