"""Reads for scenarios: which a member may see, and a scenario evaluated.

Visibility: a scenario is private to its author until shared; a private scenario is 404 to
everyone else, owners included (it is a draft). Shared ones are read by every member.
"""

import hashlib
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from threading import Lock
from time import monotonic, sleep

import pandas as pd
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations.models import Organization
from alignment_portal.scenarios.apply import Change, NewLink
from alignment_portal.scenarios.evaluate import (
    Before,
    Evaluation,
    before_of,
    evaluate,
    flag_rows,
    net_benefit_figures,
)
from alignment_portal.scenarios.models import Scenario, ScenarioChange
from alignment_portal.scenarios.rescore import rescore, rescore_core
from alignment_portal.scoring.alignment import metric_freshness
from alignment_portal.scoring.compute import CoreScores, Scorecard, score
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
    flags = [dict(zip(FLAG_COLUMNS, values, strict=True)) for values in
             Flag.objects.filter(organization=organization, resolved_at=None)
             .values_list(*FLAG_COLUMNS)]
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


# --- The plan a scenario is evaluated on, cached ---------------------------------------------
#
# Loading a large organization's frames costs about as much as scoring them, and "before" (the
# stored scores, or a scoring when they lag) is the same for every scenario of the plan. Both
# are kept in the shared cache under what moves with every change: the organization's
# recompute generation (every write service bumps it in the write's own transaction), the
# time of the last request to recompute (set with it: a restored backup that reuses a
# generation number does not reuse the time), and the generation and time of the last
# recompute (which writes the stored scores and the impact evidence the scoring reuses), and
# when the organization was created (a database made afresh reuses ids and generations). So a
# write to the plan, or a recompute, is a miss: a plan is never served after it changed. Each
# process also keeps the last few plans it used in memory (no unpickling, no transfer).
PLAN_CACHE_SECONDS = 600
PLAN_CACHE_VERSION = 4  # bump when OrgFrames, Before or Plan change shape
LOCAL_PLANS = 4
PLAN_STATE_FIELDS = ("created_at", "recompute_generation", "recomputed_generation",
                     "recompute_requested_at", "recomputed_at")


@dataclass(frozen=True)
class Plan:
    """The organization's frames, the day they are scored on, their scorecard on that day
    (what rescore.py reuses), each metric's freshness and "before". Shared between requests:
    nothing may modify them (apply.py copies what it changes)."""

    key: str
    frames: OrgFrames
    day: date
    card: Scorecard
    freshness: pd.DataFrame
    before: Before
    generation: int
    # The vanity rule's correlations of the plan's series, filled by its evaluations
    # (alignment.metric_scores): the values never change within a plan.
    correlations: dict = field(default_factory=dict, compare=False)

    def rescore(self, after: OrgFrames) -> Scorecard:
        """compute.score(after, day), reusing this plan's scorecard (rescore.py)."""
        return rescore(self.frames, self.card, self.freshness, after, self.day,
                       correlations=self.correlations)

    def rescore_core(self, after: OrgFrames) -> CoreScores:
        """compute.core_scores(after, day), the same way (a change's own effect)."""
        return rescore_core(self.frames, self.card, self.freshness, after, self.day,
                            correlations=self.correlations)


_local_plans: OrderedDict[str, Plan] = OrderedDict()
_local_lock = Lock()


def _stamp(value) -> str:
    return value.isoformat() if value is not None else "-"


def _local_get(key: str) -> Plan | None:
    with _local_lock:
        plan = _local_plans.get(key)
        if plan is not None:
            _local_plans.move_to_end(key)
        return plan


def _local_put(plan: Plan) -> None:
    with _local_lock:
        _local_plans[plan.key] = plan
        _local_plans.move_to_end(plan.key)
        while len(_local_plans) > LOCAL_PLANS:
            _local_plans.popitem(last=False)


def plan_of(organization: Organization) -> Plan:
    """The plan as it is now: one query for the organization's state, then the cache; on a
    miss, the frames (LOAD_QUERIES queries) and the stored scores (3 more). The state is read
    afresh, so an `organization` object read before a write still gets the plan after it."""
    state = dict(zip(PLAN_STATE_FIELDS, Organization.objects.filter(pk=organization.pk)
                     .values_list(*PLAN_STATE_FIELDS).get(), strict=True))
    current = Organization(pk=organization.pk, **state)
    day = scoring_day(current)
    key = (f"scenario-plan:v{PLAN_CACHE_VERSION}:{organization.pk}:"
           f"{_stamp(state['created_at'])}:"
           f"{state['recompute_generation']}:{_stamp(state['recompute_requested_at'])}:"
           f"{state['recomputed_generation']}:{_stamp(state['recomputed_at'])}:"
           f"{day.isoformat()}")
    shared = _shares_plans()
    plan = _copy_here(key, shared)
    if plan is not None:
        return plan
    # One thread of this process loads a missing plan; the others asking for it meanwhile
    # wait and take it, instead of each loading and scoring the same frames at once. Across
    # processes, the one that claims the load in the shared cache loads it, the others wait
    # for it there (_loaded_elsewhere).
    with _loading_lock(key):
        plan = _copy_here(key, shared)
        if plan is None:
            plan = (cache.get(key) or _loaded_elsewhere(key)) if shared else None
            if plan is None:
                try:
                    frames = load_frames(organization.pk)
                    card = score(frames, day)
                    before = stored_before(current, frames) or before_of(frames, card)
                    plan = Plan(key, frames, day, card,
                                metric_freshness(frames.metrics, frames.values, day), before,
                                state["recompute_generation"])
                    if shared:
                        cache.set(key, plan, PLAN_CACHE_SECONDS)
                finally:
                    if shared:
                        cache.delete(_claim(key))
            _local_put(plan)
    return plan


# How long a process waits for another one's load of a plan before loading it itself (a
# claim left by a process that died expires as soon).
PLAN_LOAD_WAIT_SECONDS = 5


def _claim(key: str) -> str:
    return f"{key}:loading"


def _loaded_elsewhere(key: str) -> Plan | None:
    """The plan, once the process that claimed its load has put it in the shared cache; None
    when this process is to load it: it has claimed the load (no one had), or the other
    process took longer than PLAN_LOAD_WAIT_SECONDS."""
    if cache.add(_claim(key), 1, PLAN_LOAD_WAIT_SECONDS):
        return None
    deadline = monotonic() + PLAN_LOAD_WAIT_SECONDS
    while monotonic() < deadline:
        sleep(0.02)
        plan = cache.get(key)
        if plan is not None:
            return plan
    return None


def _copy_here(key: str, shared: bool) -> Plan | None:
    """This process's copy of the plan, used while the shared cache still holds it (one cheap
    EXISTS): clearing the cache, its expiry or eviction drop every process's copy too."""
    return _local_get(key) if not shared or cache.has_key(key) else None


_loading: dict[str, Lock] = {}  # the plans being loaded in this process, by key


@contextmanager
def _loading_lock(key: str):
    with _local_lock:
        lock = _loading.setdefault(key, Lock())
    try:
        with lock:
            yield
    finally:
        with _local_lock:
            if not lock.locked():
                _loading.pop(key, None)


def _shares_plans() -> bool:
    """Whether plans go to the shared cache: not when it is the database fallback (a
    production without CACHE_URL), where a plan would be a megabyte row written by a read."""
    return not isinstance(caches["default"], DatabaseCache)


# Each change's own effect is kept in the cache under the plan's key (plan_of): every write to
# the plan moves it, so an effect is reused only on the very plan it was computed on (adding
# a change to a scenario re-evaluates the page, and only the new change costs a scoring).
EFFECT_CACHE_SECONDS = 600
EFFECT_CACHE_VERSION = 1  # bump when the scoring changes what an effect holds


def _effect_keys(plan: Plan, changes: list[Change]) -> dict:
    prefix = f"scenario-effect:v{EFFECT_CACHE_VERSION}:{plan.key}"
    return {change: f"{prefix}:{hashlib.sha256(repr(change).encode()).hexdigest()[:32]}"
            for change in changes}


def evaluate_changes(*, organization: Organization, changes: list[Change],
                     plan: Plan | None = None, each: bool = True) -> Evaluation:
    """Evaluate `changes` on the organization's plan (plan_of: from the cache, or its frames
    loaded once and its stored scores as "before"), in a fixed number of queries whatever
    the number of changes; nothing written to the database (own effects go to the cache)."""
    plan = plan if plan is not None else plan_of(organization)
    keys = _effect_keys(plan, changes) if each else {}
    cached = cache.get_many(list(keys.values())) if keys else {}
    known = {change: cached[key]["effect"] for change, key in keys.items() if key in cached}
    evaluation = evaluate(plan.frames, changes, plan.day, each=each, stored=plan.before,
                          known_effects=known, rescore=plan.rescore,
                          rescore_core=plan.rescore_core)
    new = {keys[change]: {"effect": value} for change, value in known.items()
           if keys[change] not in cached}
    if new:
        cache.set_many(new, EFFECT_CACHE_SECONDS)
    return evaluation
