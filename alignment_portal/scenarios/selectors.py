"""Reads for scenarios: which a member may see, and a scenario evaluated.

Visibility: a scenario is private to its author until shared; a private scenario is 404 to
everyone else, owners included (it is a draft). Shared ones are read by every member.
"""

import hashlib
from datetime import date

import pandas as pd
from django.core.cache import cache
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations.models import Organization
from alignment_portal.scenarios.apply import Change, NewLink
from alignment_portal.scenarios.evaluate import (
    Before,
    Evaluation,
    evaluate,
    flag_rows,
    net_benefit_figures,
)
from alignment_portal.scenarios.models import Scenario, ScenarioChange
from alignment_portal.scoring.engine import load_frames
from alignment_portal.scoring.flags import FLAG_COLUMNS
from alignment_portal.scoring.frames import OrgFrames
from alignment_portal.scoring.models import Flag, InitiativeScore, OrganizationScore

SESSION_KEY = "open_scenario:{organization_id}"


def visible_scenarios(*, organization: Organization, user):
    return (Scenario.objects.filter(organization=organization)
            .filter(Q(shared=True) | Q(author=user))
            .select_related("author").annotate(change_count=Count("changes")))


def scenario_for(*, organization: Organization, user, scenario_id: int) -> Scenario:
    """The scenario if this member may see it, else 404."""
    scenario = (Scenario.objects.filter(organization=organization, pk=scenario_id)
                .filter(Q(shared=True) | Q(author=user)).select_related("author", "applied_by")
                .first())
    if scenario is None:
        raise Http404(gettext("No such scenario"))
    return scenario


def open_scenario(*, request, organization: Organization) -> Scenario | None:
    """The scenario this member is working in (remembered in the session), if it is still
    theirs to edit: not applied, and theirs or shared."""
    scenario_id = request.session.get(SESSION_KEY.format(organization_id=organization.pk))
    if not scenario_id:
        return None
    return (Scenario.objects.filter(organization=organization, pk=scenario_id,
                                    applied_at=None)
            .filter(Q(shared=True) | Q(author=request.user)).first())


def changes_of(scenario: Scenario) -> list[ScenarioChange]:
    return list(ScenarioChange.objects.filter(scenario=scenario).order_by("id"))


def as_change(row: ScenarioChange) -> Change:
    """A stored change as apply.py's plain Change (ids; None where the record is gone)."""
    links = tuple(NewLink(goal=link.get("goal"), contribution=link.get("contribution", ""),
                          rationale=link.get("rationale", "")) for link in row.links or [])
    return Change(type=row.type, initiative=row.initiative_id, goal=row.goal_id,
                  tool=row.tool_id, contribution=row.contribution, rationale=row.rationale,
                  status=row.status, rank=row.rank, name=row.name,
                  monthly_cost=float(row.monthly_cost or 0),
                  one_time_cost=float(row.one_time_cost or 0), links=links)


def scoring_day(organization: Organization) -> date:
    """The day a scenario is scored on: the day of the stored scores' recompute (so "before"
    is exactly the stored scores), today when there is none yet."""
    if organization.recomputed_at:
        return timezone.localdate(organization.recomputed_at)
    return timezone.localdate()


def stored_before(organization: Organization, frames: OrgFrames) -> Before | None:
    """The stored scores as evaluate.Before (3 queries), or None when they lag the plan (a
    change is waiting for its recompute, or there is no recompute yet): then "before" is
    scored from the frames instead."""
    if organization.recomputed_generation < organization.recompute_generation:
        return None
    score = OrganizationScore.objects.filter(organization=organization).first()
    if score is None:
        return None
    flags = pd.DataFrame(list(Flag.objects.filter(organization=organization, resolved_at=None)
                              .values_list(*FLAG_COLUMNS)), columns=FLAG_COLUMNS)
    alignment = dict(InitiativeScore.objects.filter(organization=organization)
                     .values_list("initiative_id", "alignment_score"))
    counts = score.open_flags or {}
    summary = {
        "rung": score.rung, "rung_name": score.rung_name,
        "d1": score.d1_goals, "d2": score.d2_alignment, "d3": score.d3_measurement,
        "d4": score.d4_feedback, "d5": score.d5_integration,
        "misaligned_spend": float(score.misaligned_spend),
        "misaligned_share": score.misaligned_spend_share,
        "open_flags": {s: int(counts.get(s, 0)) for s in ("high", "medium", "low")},
        **net_benefit_figures(frames),
    }
    return Before(summary, flag_rows(flags),
                  pd.Series(alignment, dtype=float).rename_axis("initiative_id"))


# Each change's own effect is kept in the cache under the plan's generation: every write to
# the plan bumps it, so an effect is reused only on the very plan it was computed on (adding
# a change to a scenario re-evaluates the page, and only the new change costs a scoring).
EFFECT_CACHE_SECONDS = 600
EFFECT_CACHE_VERSION = 1  # bump when the scoring changes what an effect holds


def _effect_keys(organization: Organization, day: date, changes: list[Change]) -> dict:
    plan = (f"scenario-effect:v{EFFECT_CACHE_VERSION}:{organization.pk}:"
            f"{organization.recompute_generation}:{day.isoformat()}:{organization.hour_value}")
    return {change: f"{plan}:{hashlib.sha256(repr(change).encode()).hexdigest()[:32]}"
            for change in changes}


def evaluate_changes(*, organization: Organization, changes: list[Change],
                     frames: OrgFrames | None = None, each: bool = True) -> Evaluation:
    """Evaluate `changes` on the organization's plan: its frames loaded once (LOAD_QUERIES
    queries) and, when up to date, its stored scores as "before" (3 more), whatever the
    number of changes; nothing written to the database (own effects go to the cache)."""
    frames = frames if frames is not None else load_frames(organization.pk)
    day = scoring_day(organization)
    keys = _effect_keys(organization, day, changes) if each else {}
    cached = cache.get_many(list(keys.values())) if keys else {}
    known = {change: cached[key]["effect"] for change, key in keys.items() if key in cached}
    evaluation = evaluate(frames, changes, day, each=each,
                          stored=stored_before(organization, frames), known_effects=known)
    new = {keys[change]: {"effect": value} for change, value in known.items()
           if keys[change] not in cached}
    if new:
        cache.set_many(new, EFFECT_CACHE_SECONDS)
    return evaluation
