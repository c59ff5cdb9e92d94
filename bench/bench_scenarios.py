"""Scenarios: evaluating changes on the size-L organization, against the recompute's own
scoring time measured in the same run (issue 18's target: p95 <= 2x).

- "scoring" is `compute.score` on the L organization's frames (what a recompute computes, no
  read, no write), median of 5; "recompute" is the whole engine.recompute with nothing
  changed (read + score + compare), median of 5;
- the API's evaluation (`POST /api/v1/scenarios/evaluate`, 10 changes: read the frames once,
  score before and after) over HTTP at 4 concurrent users (gunicorn, 2 workers), and the
  scenario page (the same plus each change's own effect: compute.core_scores per change,
  kept in the cache under the plan's generation, so a page shown again, or after one more
  change, scores only what is new); in-process both cold (cache cleared: every effect
  scored) and warm;
- queries per evaluation with 1 and with 10 changes (must be equal).

Run with `python -m bench scenarios`.
"""

import json
import os
import statistics
import sys
import time

CLIENTS = 4
API_REQUESTS = 40
PAGE_REQUESTS = 12
TARGET_RATIO = 2.0


def _median_seconds(function, *args, repeat=5, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(*args, **kwargs)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _changes(frames) -> list[dict]:
    """Ten changes of every kind, from the organization's own records."""
    inits = frames.initiatives[frames.initiatives["status"].isin(
        ["planned", "in_progress", "live", "paused"])]
    linked = set(zip(frames.alignment_links["initiative_id"], frames.alignment_links["goal_id"],
                     strict=True))
    goals = frames.goals[frames.goals["status"].eq("active")]["id"].tolist()
    tools = frames.tools[frames.tools["status"].eq("active")]["id"].tolist()
    link = next((int(i), int(g)) for i in inits["id"] for g in goals if (i, g) not in linked)
    unlink = next(iter(sorted(linked)))
    statuses = inits["id"].tolist()[5:8]
    ranked = frames.goals[frames.goals["priority_rank"].notna()]["id"].tolist()
    return [
        {"type": "link", "initiative": link[0], "goal": link[1], "contribution": "primary",
         "rationale": "It moves the goal's number directly."},
        {"type": "unlink", "initiative": int(unlink[0]), "goal": int(unlink[1])},
        *({"type": "initiative_status", "initiative": int(i), "status": "retired"}
          for i in statuses),
        *({"type": "retire_tool", "tool": int(t)} for t in tools[:3]),
        {"type": "priority", "goal": int(ranked[0]) if ranked else int(goals[0]),
         "rank": None if ranked else 1},
        {"type": "new_initiative", "name": "Bench chatbot", "monthly_cost": 120,
         "one_time_cost": 2400, "links": [{"goal": int(goals[0]), "contribution": "supporting",
                                           "rationale": "It answers customers at night."}]},
    ]


def run():
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alignment_portal.api.models import Scope
    from alignment_portal.api.services import api_token_create
    from alignment_portal.organizations.models import Membership, Organization, Role
    from alignment_portal.scenarios import selectors, services
    from alignment_portal.scenarios.intake import parse_change
    from alignment_portal.scoring import engine
    from alignment_portal.scoring.compute import score
    from bench.load import Request, run_load, session_cookie, start_gunicorn

    call_command("seed_load", size="L", orgs=1, verbosity=0, stdout=_Null())
    organization = Organization.objects.get(slug="load-l-1")
    engine.recompute(organization.pk)
    Organization.objects.filter(pk=organization.pk).update(recomputed_at=_now())
    organization.refresh_from_db()
    frames = engine.load_frames(organization.pk)
    day = selectors.scoring_day(organization)
    scoring = _median_seconds(score, frames, day)
    recompute = _median_seconds(engine.recompute, organization.pk, day)
    raw = _changes(frames)
    changes = [parse_change(c, frames) for c in raw]
    in_process = _median_seconds(selectors.evaluate_changes, organization=organization,
                                 changes=changes, each=False)
    from django.core.cache import cache

    def page_cold():
        cache.clear()
        selectors.evaluate_changes(organization=organization, changes=changes, each=True)

    in_process_page = _median_seconds(page_cold, repeat=3)
    in_process_warm = _median_seconds(selectors.evaluate_changes, organization=organization,
                                      changes=changes, each=True)
    cache.clear()
    counts = []
    for subset in (changes[:1], changes):
        with CaptureQueriesContext(connection) as captured:
            selectors.evaluate_changes(organization=organization, changes=subset, each=True)
        counts.append(len(captured))

    _, token = api_token_create(organization=organization, name="bench", scope=Scope.READ)
    owner = Membership.objects.filter(organization=organization,
                                      role=Role.OWNER).select_related("user").first().user
    scenario = services.scenario_create(organization=organization, author=owner,
                                        name="Bench scenario")
    for change in changes:
        services.change_add(scenario=scenario, change=change, frames=frames)
    body = json.dumps({"changes": raw}).encode()
    api = Request("POST", "/api/v1/scenarios/evaluate", body,
                  {"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    page = Request("GET", f"/o/{organization.slug}/scenarios/{scenario.pk}/",
                   headers={"Cookie": f"sessionid={session_cookie(owner)}"})
    figures = [
        ("L scoring alone (compute.score, median of 5)", f"{scoring:.3f} s"),
        ("L recompute, nothing changed (read + score + compare, median of 5)",
         f"{recompute:.3f} s"),
        ("evaluate 10 changes in-process, before and after (median of 5)",
         f"{in_process:.3f} s = {in_process / scoring:.2f}x scoring"),
        ("evaluate 10 changes in-process, with each change's own effect, cold (median of 3)",
         f"{in_process_page:.3f} s = {in_process_page / scoring:.2f}x scoring"),
        ("the same, own effects from the cache (median of 5)",
         f"{in_process_warm:.3f} s = {in_process_warm / scoring:.2f}x scoring"),
        ("queries per evaluation: 1 change / 10 changes",
         f"{counts[0]} / {counts[1]}" + (" (equal)" if counts[0] == counts[1]
                                         else " (NOT EQUAL)")),
    ]
    cache.clear()  # the page's first requests score every own effect
    try:
        with start_gunicorn(workers=2) as base:
            api_result = run_load(base, lambda n: api if n < API_REQUESTS else None,
                                  clients=CLIENTS)
            page_result = run_load(base, lambda n: page if n < PAGE_REQUESTS else None,
                                   clients=CLIENTS)
    except RuntimeError as exc:  # a machine too busy to start gunicorn in time
        return [*figures, ("over HTTP", f"not measured: {exc}")]
    api_p95 = api_result.percentile(95) / 1000
    page_p95 = page_result.percentile(95) / 1000
    return [*figures[:5], *[
        (f"API evaluate, 10 changes, {CLIENTS} users", api_result.summary()),
        ("API evaluate p95 / scoring", _ratio(api_p95 / scoring)),
        ("API evaluate p95 / recompute", f"{api_p95 / recompute:.2f}x"),
        (f"scenario page, 10 changes with own effects, {CLIENTS} users",
         page_result.summary()),
        ("scenario page p95 / scoring", f"{page_p95 / scoring:.2f}x"),
        figures[5],
        ("machine load average (1 min) at the end", f"{os.getloadavg()[0]:.1f} on "
                                                    f"{os.cpu_count()} CPUs")]]


def _now():
    from django.utils import timezone

    return timezone.now()


def _ratio(ratio: float) -> str:
    return (f"{ratio:.2f}x (target <= {TARGET_RATIO:g}x: "
            f"{'met' if ratio <= TARGET_RATIO else 'MISSED'})")


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["bench_scenarios"]))
