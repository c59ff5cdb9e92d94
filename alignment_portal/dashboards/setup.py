"""The set-up checklist a new organization's dashboard shows: what to do first, in order, each
step linking to where it is done and ticking itself off from the records themselves.

The steps live in one list (STEPS); adding one is a SetupStep and its `done` test. A step may
offer other ways to do it (`alternatives`, e.g. "or start from a playbook")."""

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext

from alignment_portal.lib.compiled import CompiledQuery
from alignment_portal.lib.urls import organization_path
from alignment_portal.organizations.models import Organization
from goals.models import Cycle, active_goal_q
from initiatives.models import AlignmentLink, Initiative, active_initiative_q
from metrics.models import Metric, MetricValue

# "2–3 goals" is what a first cycle needs; the step ticks at the first two.
GOALS_TO_START = 2


@dataclass(frozen=True)
class SetupStep:
    key: str
    title: str
    how: str  # one sentence: what to do there
    url: str
    done: bool
    alternatives: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


@dataclass(frozen=True)
class SetupChecklist:
    steps: list[SetupStep]

    @property
    def done_count(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        return all(step.done for step in self.steps)

    @property
    def next_step(self) -> SetupStep | None:
        return next((step for step in self.steps if not step.done), None)


_FACTS = ("settings_confirmed_at", "has_cycle", "goal_count", "has_metric", "has_initiative",
          "has_link", "has_value")


def _facts_query(organization_id: int):
    mine = {"organization": OuterRef("pk")}
    return Organization.objects.filter(pk=organization_id).annotate(
        has_cycle=Exists(Cycle.objects.filter(**mine)),
        # Drafts do not count: the matrix and the scores only see active goals.
        goal_count=Count("goals", filter=active_goal_q("goals__"), distinct=True),
        has_metric=Exists(Metric.objects.filter(**mine)),
        has_initiative=Exists(Initiative.objects.filter(active_initiative_q(), **mine)),
        has_link=Exists(AlignmentLink.objects.filter(**mine)),
        has_value=Exists(MetricValue.objects.filter(**mine)),
    ).values_list(*_FACTS)


# A planner's every dashboard request reads it: compiled once (lib/compiled.py), building
# this query cost the ORM more than a millisecond.
_FACTS_QUERY = CompiledQuery(_facts_query, ints=["organization_id"])


def _facts(*, organization: Organization) -> dict:
    """What exists, in one query."""
    (row,) = _FACTS_QUERY.rows(organization_id=organization.pk)
    return dict(zip(_FACTS, row, strict=True))


def setup_checklist(*, organization: Organization) -> SetupChecklist:
    """The first-use steps with whether each is done (one query)."""
    facts = _facts(organization=organization)
    slug = organization.slug

    def url(name: str) -> str:
        return organization_path(name, slug)

    steps = [
        SetupStep("settings", gettext("Set your fiscal year and currency"),
                  gettext("Cycles follow your fiscal year; money is shown in your currency."),
                  url("organization_settings"), facts["settings_confirmed_at"] is not None),
        SetupStep("cycle", gettext("Start your first planning cycle"),
                  gettext("A cycle is a quarter of your fiscal year: one click creates the next."),
                  url("goals:cycles"), facts["has_cycle"]),
        SetupStep("goals", gettext("Write 2–3 goals for the cycle"),
                  gettext("The few results that matter this quarter (a template fills the "
                          "form); set each to Active when it is ready: drafts are not scored."),
                  url("goals:create"), facts["goal_count"] >= GOALS_TO_START,
                  alternatives=[(gettext("start from a playbook"), url("playbooks:start"))]),
        SetupStep("metrics", gettext("Pick the metrics that measure them"),
                  gettext("Ready definitions from the library: CSAT, churn, wait time, …"),
                  url("metrics:library"), facts["has_metric"]),
        SetupStep("initiatives", gettext("List your automation and the tools it uses"),
                  gettext("Each piece of automation you run or plan, with its status (planned, in "
                          "progress, live: an idea is not scored yet) and the tools behind it."),
                  url("initiatives:create"), facts["has_initiative"],
                  alternatives=[(gettext("add a tool"), url("initiatives:tool_create"))]),
        SetupStep("links", gettext("Say which goal each initiative serves"),
                  gettext("In the matrix: one click per initiative and goal, with a sentence "
                          "on how."),
                  url("initiatives:matrix"), facts["has_link"]),
        SetupStep("values", gettext("Log the first values"),
                  gettext("The numbers so far; the scores and forecasts follow from them."),
                  url("metrics:log"), facts["has_value"]),
    ]
    return SetupChecklist(steps=steps)
