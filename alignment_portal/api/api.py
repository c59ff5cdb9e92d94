"""The API for automation to push its own numbers (`/api/v1/`), with django-ninja.

Every request carries `Authorization: Bearer <token>`; a token reaches only its own
organization, and only what its scope allows. Requests are rate-limited per token (429 with
Retry-After). Errors are JSON: `{"detail": "..."}`.
"""

import logging
import time
from datetime import date
from typing import Annotated, Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer
from ninja.throttling import AuthRateThrottle
from pydantic import BaseModel

from alignment_portal.api.batch import MAX_BATCH, Batch, BatchCounts, ItemStatus, require_scope
from alignment_portal.api.models import ApiToken, Scope
from alignment_portal.api.services import api_token_for
from alignment_portal.benefits.api import router as benefits_router
from alignment_portal.lib.unavailable import UNAVAILABLE_ERRORS, unavailable_response
from alignment_portal.scoring import selectors
from alignment_portal.scoring.models import Flag, InitiativeScore
from metrics.models import Metric, Source
from metrics.selectors import metrics_with_latest
from metrics.services import ValueRow, metric_values_record_bulk
from metrics.validation import format_decimal, validate_entry

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        if len(token) > 200:
            return None
        return api_token_for(token)


class TokenRateThrottle(AuthRateThrottle):
    """Requests per token and fixed window, at the rate settings.API_RATE_LIMIT says.

    The count lives in the shared cache (Redis, or the database table production falls back
    to) as one integer per token and window, raised with `incr`: atomic in Redis, so every web
    process and thread counts against the same allowance (ninja's default keeps a list of
    timestamps, read and written back, which loses counts between processes).
    """

    def allow_request(self, request) -> bool:
        if self.rate != settings.API_RATE_LIMIT:
            self.rate = settings.API_RATE_LIMIT
            self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None or request.auth is None:
            return True
        now = time.time()
        window = int(now // self.duration)
        key = f"api-rate:{request.auth.pk}:{self.duration}:{window}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.add(key, 1, self.duration + 1)
            count = 1
        self._retry_after = (window + 1) * self.duration - now
        return count <= self.num_requests

    def wait(self) -> float | None:
        return max(1.0, getattr(self, "_retry_after", self.duration))


api = NinjaAPI(
    title="Alignment Portal API",
    version="1",
    description=(
        "Push metric values from your own automation and read scores and flags. "
        "Authenticate with `Authorization: Bearer <token>`; an owner creates tokens on the "
        "organization's API tokens page. Values are idempotent per metric and period."
    ),
    auth=TokenAuth(),
    throttle=[TokenRateThrottle(settings.API_RATE_LIMIT)],
    urls_namespace="api",
)


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return api.create_response(
        request, {"detail": "Missing, unknown or revoked token: send "
                            "'Authorization: Bearer <token>'."}, status=401)


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc):
    return api.create_response(
        request, {"detail": "The request does not match the schema.", "errors": exc.errors},
        status=422)


@api.exception_handler(Exception)
def _server_error(request, exc):
    """Whatever went wrong, the API answers JSON (a script cannot read an HTML error page);
    the error is logged with its traceback for the operator. (Handlers of narrower classes,
    ninja's own for 404 and HttpError, are found first.) A database that is restarting is
    not an error of the request: 503 with Retry-After, so the client sends it again."""
    if isinstance(exc, UNAVAILABLE_ERRORS):
        return unavailable_response(request)
    log.exception("API request failed: %s %s", request.method, request.path)
    return api.create_response(
        request, {"detail": "The server could not process this request; nothing was stored. "
                            "The error is logged."}, status=500)


class MetricOut(Schema):
    id: int
    name: str
    kind: str
    nature: str
    unit: str
    direction: str
    frequency: str
    last_period: date | None
    last_value: str | None = Field(description="Decimal as a string, to keep its precision.")


@api.get("/metrics", response=list[MetricOut], summary="List the organization's metrics")
def list_metrics(request):
    api_token = require_scope(request, Scope.READ)
    metrics = metrics_with_latest(organization=api_token.organization).order_by("name")
    return [
        MetricOut(id=m.pk, name=m.name, kind=m.kind, nature=m.nature, unit=m.unit,
                  direction=m.direction, frequency=m.frequency, last_period=m.latest_period,
                  last_value=(format_decimal(m.latest_value)
                              if m.latest_value is not None else None))
        for m in metrics
    ]


# The batch schemas are plain pydantic models: ninja's Schema adds a Django-aware getter per
# attribute, which cost a third of a 1,000-item request.
class ValueIn(BaseModel):
    metric: int | str = Field(description="The metric's id, or its exact name.")
    date: date
    value: float | str = Field(description="A finite number (or a numeric string).")
    note: str = Field("", max_length=500)


class ValuesIn(BaseModel):
    items: list[ValueIn] = Field(..., max_length=MAX_BATCH)
    atomic: bool = Field(False, description="Store nothing if any item is refused.")


class ItemResult(BaseModel):
    index: int
    status: ItemStatus
    metric_id: int | None = None
    period: date | None = None
    reason: str | None = None


class ValuesOut(BatchCounts):
    items: list[ItemResult]


class RefusedBatch(BaseModel):
    detail: str
    items: list[ItemResult]


@api.post("/values", response={200: ValuesOut, 422: RefusedBatch},
          summary="Push a batch of metric values")
def push_values(request, payload: ValuesIn):
    """Store up to 1,000 values. Each item is `stored` (new period), `replaced` (a different
    value for a period that had one; the old one stays in the history), `unchanged` (the same
    value again) or `refused` with the reason. Without `atomic`, the valid items are stored
    even when others are refused; with `atomic: true`, nothing is stored if any is refused
    (422). Malformed JSON is a 400, a body over 1 MB a 413, a body that does not match the
    schema (e.g. over 1,000 items) a 422."""
    api_token = require_scope(request, Scope.WRITE_VALUES)
    organization = api_token.organization
    metrics = list(Metric.objects.filter(organization=organization))
    by_id = {m.pk: m for m in metrics}
    by_name = {m.name: m for m in metrics}
    batch = Batch()
    for index, item in enumerate(payload.items):
        metric = (by_id.get(item.metric) if isinstance(item.metric, int)
                  else by_name.get(item.metric))
        if metric is None:
            batch.refuse(index, f"No metric {item.metric!r} in this organization.")
            continue
        try:
            period, number, note = validate_entry(metric=metric, day=item.date,
                                                  value=item.value, note=item.note)
        except ValidationError as exc:
            batch.refuse(index, " ".join(exc.messages), metric_id=metric.pk)
            continue
        batch.accept(index, (metric.pk, period), ValueRow(metric.pk, period, number, note),
                     duplicate=f"Another item of this batch is for {metric.name} in the same "
                               f"period ({period:%Y-%m-%d}).",
                     metric_id=metric.pk, period=period)
    return batch.answer(atomic=payload.atomic, write=lambda rows: metric_values_record_bulk(
        organization=organization, rows=rows, source=Source.API))


class Dimensions(Schema):
    goals: float = Field(description="D1: share of active goals passing all SMART criteria.")
    alignment: float = Field(description="D2: cost-weighted share of active initiatives "
                                         "linked to an active goal.")
    measurement: float = Field(description="D3: share of active initiatives with an outcome "
                                           "metric.")
    feedback: float = Field(description="D4: share of metrics in use that are fresh.")
    integration: float = Field(description="D5: share of active tools integrated via API, "
                                           "less 10 points per redundant category.")


class InitiativeScoreOut(Schema):
    id: int
    name: str
    alignment_score: float
    priority_score: float


class ScoresOut(Schema):
    computed_at: str | None = Field(description="When the scores were last computed (ISO "
                                                "8601); null before the first recompute.")
    rung: int | None
    rung_name: str | None
    dimensions: Dimensions | None
    misaligned_spend: str | None = Field(description="Monthly amount, decimal as a string.")
    misaligned_spend_share: float | None
    open_flags: dict[str, int]
    initiatives: list[InitiativeScoreOut]


class FlagOut(Schema):
    code: str
    severity: str
    subject_type: str
    subject_id: str
    subject_label: str
    message: str
    suggested_fix: str
    first_seen_at: str


@api.get("/scores", response=ScoresOut, summary="The organization's scores")
def read_scores(request):
    """Maturity rung, the five dimensions (0-100), misaligned spend, open flags by severity
    and each initiative's alignment and priority score."""
    organization_id = require_scope(request, Scope.READ).organization_id
    score = selectors.organization_score(organization_id)
    initiatives = (InitiativeScore.objects.filter(organization_id=organization_id)
                   .select_related("initiative").order_by("-priority_score", "initiative_id"))
    return ScoresOut(
        computed_at=score.computed_at.isoformat() if score else None,
        rung=score.rung if score else None,
        rung_name=score.rung_name if score else None,
        dimensions=Dimensions(goals=score.d1_goals, alignment=score.d2_alignment,
                              measurement=score.d3_measurement, feedback=score.d4_feedback,
                              integration=score.d5_integration) if score else None,
        misaligned_spend=format_decimal(score.misaligned_spend) if score else None,
        misaligned_spend_share=score.misaligned_spend_share if score else None,
        open_flags=score.open_flags if score else {},
        initiatives=[InitiativeScoreOut(id=s.initiative_id, name=s.initiative.name,
                                        alignment_score=s.alignment_score,
                                        priority_score=s.priority_score) for s in initiatives],
    )


@api.get("/flags", response=list[FlagOut], summary="The organization's open flags")
def read_flags(request):
    """Open flags, highest severity first, each with its message and suggested fix."""
    organization_id = require_scope(request, Scope.READ).organization_id
    order = {"high": 0, "medium": 1, "low": 2}
    flags = sorted(Flag.objects.filter(organization_id=organization_id).open(),
                   key=lambda f: (order.get(f.severity, 3), f.code, f.subject_label))
    # The API speaks English whatever the caller's Accept-Language: integrations parse it, and
    # its other texts and values are English too.
    with translation.override("en"):
        return [FlagOut(code=f.code, severity=f.severity, subject_type=f.subject_type,
                        subject_id=f.subject_id, subject_label=f.subject_label,
                        message=f.message, suggested_fix=f.suggested_fix,
                        first_seen_at=f.first_seen_at.isoformat())
                for f in flags]


class ImpactOut(Schema):
    initiative_id: int
    initiative: str
    metric_id: int
    metric: str
    verdict: Literal["improved", "no clear change", "worsened", "not enough data"]
    tau: float | None = Field(description="Kendall's tau-b of phase against the (detrended) "
                                          "values, signed so that positive is better; null "
                                          "with not enough data.")
    p: float | None = Field(description="Its two-sided p; null with not enough data.")
    effect: float | None = Field(description="Median after go-live minus the baseline's median "
                                             "over the after periods, in the metric's unit.")
    effect_pct: float | None = Field(description="The effect as a % of the before median; null "
                                                 "when that median is 0.")
    n_before: int
    n_after: int
    detrended: bool = Field(description="Whether the baseline's own trend (Kendall p < 0.05) "
                                        "was taken out with a Theil–Sen line.")
    earliest_verdict: date | None = Field(description="While the after phase has fewer than 5 "
                                                      "values: the first day a verdict is "
                                                      "possible.")
    shared_with: list[str] = Field(description="Other initiatives measured by the same metric "
                                               "that went live within 4 periods.")


class ImpactList(Schema):
    items: list[ImpactOut]


@api.get("/impact", response=ImpactList, summary="What each live initiative did to its "
                                                  "outcome metrics")
def read_impact(request):
    """One item per live initiative with a go-live date × each of its outcome metrics: the
    Tau-BC verdict (`improved`, `no clear change`, `worsened`, `not enough data`) with its tau,
    p, sample sizes and effect. Numbers that do not apply are null."""
    from alignment_portal.scoring.models import ImpactEvidence

    organization_id = require_scope(request, Scope.READ).organization_id
    rows = (ImpactEvidence.objects.filter(organization_id=organization_id)
            .select_related("initiative", "metric")
            .order_by("initiative__name", "metric__name", "pk"))
    return {"items": [
        {"initiative_id": e.initiative_id, "initiative": e.initiative.name,
         "metric_id": e.metric_id, "metric": e.metric.name, "verdict": e.verdict,
         "tau": e.tau, "p": e.p, "effect": e.effect, "effect_pct": e.effect_pct,
         "n_before": e.n_before, "n_after": e.n_after, "detrended": e.detrended,
         "earliest_verdict": e.earliest_verdict, "shared_with": list(e.shared_with)}
        for e in rows]}


# The benefit ledger's endpoints live with their app (benefits/api.py).
api.add_router("/", benefits_router)

# --- Scenarios: what if? ------------------------------------------------------------------

class _LinkIn(BaseModel):
    type: Literal["link"]
    initiative: int
    goal: int
    contribution: Literal["primary", "supporting", "indirect"]
    rationale: str = Field(..., min_length=1, max_length=2000)


class _UnlinkIn(BaseModel):
    type: Literal["unlink"]
    initiative: int
    goal: int


class _StatusIn(BaseModel):
    type: Literal["initiative_status"]
    initiative: int
    status: Literal["idea", "planned", "in_progress", "live", "paused", "retired"]


class _RetireToolIn(BaseModel):
    type: Literal["retire_tool"]
    tool: int


class _PriorityIn(BaseModel):
    type: Literal["priority"]
    goal: int
    rank: int | None = Field(..., ge=1, le=3, description="1-3, or null to clear it.")


class _NewLinkIn(BaseModel):
    goal: int
    contribution: Literal["primary", "supporting", "indirect"]
    rationale: str = Field(..., min_length=1, max_length=2000)


class _NewInitiativeIn(BaseModel):
    type: Literal["new_initiative"]
    name: str = Field(..., min_length=1, max_length=160)
    monthly_cost: float = Field(0, ge=0, le=9_999_999_999.99, allow_inf_nan=False)
    one_time_cost: float = Field(0, ge=0, le=9_999_999_999.99, allow_inf_nan=False)
    links: list[_NewLinkIn] = Field(default_factory=list, max_length=10)


ScenarioChangeIn = Annotated[_LinkIn | _UnlinkIn | _StatusIn | _RetireToolIn | _PriorityIn
                             | _NewInitiativeIn, Field(discriminator="type")]


class ScenarioIn(BaseModel):
    changes: list[ScenarioChangeIn] = Field(..., max_length=50)


class ScenarioFigures(BaseModel):
    rung: int
    rung_name: str
    d1: float
    d2: float
    d3: float
    d4: float
    d5: float
    misaligned_spend: str = Field(description="Monthly amount, decimal as a string.")
    misaligned_share: float = Field(description="Percent (0-100) of active monthly spend.")
    open_flags: dict[str, int]
    net_monthly_benefit: str | None = Field(
        None, description="Currency per month: expected monthly benefit of the active "
        "initiatives less the monthly cost of active initiatives and tools. Null while the "
        "organization's hour value is not set and some benefit is in hours.")


class ScenarioFlag(BaseModel):
    code: str
    severity: str
    subject_type: str
    subject_id: str
    subject_label: str
    message: str


class ScenarioInitiative(BaseModel):
    id: int = Field(description="Negative for a hypothetical initiative of the request.")
    name: str
    before: float | None = Field(description="Alignment score 0-100; null when new.")
    after: float


class SkippedChange(BaseModel):
    index: int
    reason: str


class ScenarioOut(BaseModel):
    scored_on: date
    before: ScenarioFigures
    after: ScenarioFigures
    flags_opened: list[ScenarioFlag]
    flags_resolved: list[ScenarioFlag]
    initiatives: list[ScenarioInitiative]
    skipped: list[SkippedChange] = Field(description="Changes that do not fit the plan, "
                                                     "with the reason; not in `after`.")


def _figures(summary: dict) -> dict:
    return {**{k: summary[k] for k in ("rung", "rung_name", "d1", "d2", "d3", "d4", "d5",
                                       "misaligned_share", "open_flags")},
            "misaligned_spend": f"{summary['misaligned_spend']:.2f}",
            "net_monthly_benefit": None if summary["net_monthly_benefit"] is None
            else f"{summary['net_monthly_benefit']:.2f}"}


@api.post("/scenarios/evaluate", response={200: ScenarioOut},
          summary="Evaluate changes to the plan without making them")
def evaluate_scenario(request, payload: ScenarioIn):
    """Score the organization's plan as it is (`before`) and with `changes` made in order
    (`after`), with the same rules as the recompute, writing nothing. Each change is one of
    link, unlink, initiative_status, retire_tool, priority and new_initiative; ids are those
    of the token's organization (any other id is a 404, as unknown). A change that does not
    fit the plan (the link exists, the rank is taken) is listed in `skipped` with the reason
    and left out of `after`."""
    from alignment_portal.scenarios.intake import UnknownRecord, parse_change
    from alignment_portal.scenarios.selectors import evaluate_changes, plan_of

    organization = require_scope(request, Scope.READ).organization
    plan = plan_of(organization)
    try:
        changes = [parse_change(change.model_dump(), plan.frames)
                   for change in payload.changes]
    except UnknownRecord as exc:
        raise HttpError(404, str(exc)) from None
    except ValidationError as exc:
        raise HttpError(422, " ".join(exc.messages)) from None
    evaluation = evaluate_changes(organization=organization, changes=changes, plan=plan,
                                  each=False)
    flag_fields = ("code", "severity", "subject_type", "subject_id", "subject_label",
                   "message")
    return ScenarioOut(
        scored_on=evaluation.today,
        before=ScenarioFigures(**_figures(evaluation.before)),
        after=ScenarioFigures(**_figures(evaluation.after)),
        flags_opened=[ScenarioFlag(**{k: str(f[k]) for k in flag_fields})
                      for f in evaluation.flags_opened],
        flags_resolved=[ScenarioFlag(**{k: str(f[k]) for k in flag_fields})
                        for f in evaluation.flags_resolved],
        initiatives=[ScenarioInitiative(id=i["id"], name=i["name"], before=i["before"],
                                        after=i["after"]) for i in evaluation.initiatives],
        skipped=[SkippedChange(index=n, reason=p) for n, p in enumerate(evaluation.problems)
                 if p])
