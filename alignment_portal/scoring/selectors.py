"""Reads of scores and flags for the pages. Every function takes the organization first, so a
page never shows another organization's scores, and each costs one query (two for
`subject_scorecard`) whatever the number of records."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone

from alignment_portal.lib.compiled import CompiledQuery, field_names, instance
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import impact
from alignment_portal.scoring.constants import SEVERITY_ORDER
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    ImpactEvidence,
    InitiativeScore,
    MetricScore,
    OrganizationScore,
    SubjectType,
    Verdict,
)
from initiatives.models import Initiative, MeasurementLink, MetricRole

SEVERITY_RANK = Case(*[When(severity=s, then=Value(rank)) for s, rank in SEVERITY_ORDER.items()],
                     output_field=IntegerField())
SCORE_MODELS = {SubjectType.INITIATIVE: InitiativeScore, SubjectType.GOAL: GoalScore,
                SubjectType.METRIC: MetricScore}


_ORGANIZATION_SCORE_FIELDS = field_names(OrganizationScore)
# Every dashboard and chart reads it: compiled once (lib/compiled.py).
_ORGANIZATION_SCORE = CompiledQuery(
    lambda organization_id: OrganizationScore.objects.filter(organization_id=organization_id)
    .order_by("pk").values_list(*_ORGANIZATION_SCORE_FIELDS)[:1], ints=["organization_id"])


def organization_score(organization: Organization | int) -> OrganizationScore | None:
    """D1-D5, the rung with its explanation (`explanation["next"]["unmet"]`), misaligned
    spend and open flag counts; None before the first recompute."""
    rows = _ORGANIZATION_SCORE.rows(organization_id=getattr(organization, "pk", organization))
    return instance(OrganizationScore, rows[0]) if rows else None


def open_flags(organization: Organization, *, subject_type: str | None = None,
               code: str | None = None):
    """Open flags, most severe first, then newest."""
    flags = Flag.objects.filter(organization=organization, resolved_at=None)
    if subject_type:
        flags = flags.filter(subject_type=subject_type)
    if code:
        flags = flags.filter(code=code)
    return flags.annotate(severity_rank=SEVERITY_RANK).order_by("severity_rank",
                                                                "-first_seen_at", "id")


def flags_for(organization: Organization, subject_type: str, subject_id,
              *, include_resolved: bool = False):
    """The flags of one record (open only unless `include_resolved`)."""
    flags = Flag.objects.filter(organization=organization, subject_type=subject_type,
                                subject_id=str(subject_id))
    if not include_resolved:
        flags = flags.filter(resolved_at=None)
    return flags.annotate(severity_rank=SEVERITY_RANK).order_by(
        "resolved_at", "severity_rank", "-first_seen_at")


def open_flags_for_many(organization: Organization, subject_type: str,
                        subject_ids: Iterable) -> dict[int, list[Flag]]:
    """Open flags of many records of one type, keyed by record id, in one query (for lists)."""
    ids = [str(i) for i in subject_ids]
    grouped: dict[int, list[Flag]] = defaultdict(list)
    for flag in open_flags(organization, subject_type=subject_type).filter(subject_id__in=ids):
        grouped[int(flag.subject_id)].append(flag)
    return grouped


@dataclass
class SubjectScorecard:
    """What a record's page shows: its score row (None before the first recompute) and its
    open flags."""

    score: InitiativeScore | GoalScore | MetricScore | None
    flags: list[Flag] = field(default_factory=list)


def subject_scorecard(organization: Organization, subject_type: str,
                      subject_id: int) -> SubjectScorecard:
    """The score and open flags of one initiative, goal or metric (two queries)."""
    model = SCORE_MODELS[SubjectType(subject_type)]
    key = f"{subject_type}_id"
    score = model.objects.filter(organization=organization, **{key: subject_id}).first()
    return SubjectScorecard(score, list(flags_for(organization, subject_type, subject_id)))


def initiative_scorecard(organization, initiative_id) -> SubjectScorecard:
    return subject_scorecard(organization, SubjectType.INITIATIVE, initiative_id)


def goal_scorecard(organization, goal_id) -> SubjectScorecard:
    return subject_scorecard(organization, SubjectType.GOAL, goal_id)


def metric_scorecard(organization, metric_id) -> SubjectScorecard:
    return subject_scorecard(organization, SubjectType.METRIC, metric_id)


def scores_for(organization: Organization, subject_type: str,
               subject_ids: Iterable | None = None) -> dict[int, object]:
    """Score rows of many initiatives, goals or metrics keyed by record id, in one query
    (all of the organization's when `subject_ids` is None)."""
    model = SCORE_MODELS[SubjectType(subject_type)]
    key = f"{subject_type}_id"
    rows = model.objects.filter(organization=organization)
    if subject_ids is not None:
        rows = rows.filter(**{f"{key}__in": list(subject_ids)})
    return {getattr(row, key): row for row in rows}


_METRIC_SCORE = CompiledQuery(
    lambda organization_id, metric_id: MetricScore.objects.filter(
        organization=organization_id, metric_id=metric_id)
    .values_list(*field_names(MetricScore)), ints=["organization_id", "metric_id"])


def metric_score(organization: Organization, metric_id: int) -> MetricScore | None:
    """The score row of one metric (None before its first recompute), as `scores_for` reads
    it, in one query compiled once (the metric page's)."""
    rows = _METRIC_SCORE.rows(organization_id=organization.pk, metric_id=metric_id)
    return instance(MetricScore, rows[0]) if rows else None


def initiative_scores(organization, initiative_ids=None) -> dict[int, InitiativeScore]:
    return scores_for(organization, SubjectType.INITIATIVE, initiative_ids)


def backlog(organization: Organization):
    """Initiative scores ordered for the backlog: priority score, highest first. Each row has
    `.initiative` loaded (one query)."""
    return (InitiativeScore.objects.filter(organization=organization)
            .select_related("initiative").order_by("-priority_score", "initiative__name"))


# For the record pages and their lists (initiatives, goals, metrics). Flags are matched to
# their records by (subject_type, subject_id) within the organization, never by id alone.

RECENTLY_RESOLVED_DAYS = 30  # a record's page also shows flags resolved this recently


def recently_resolved_flags(organization: Organization, subject_type: str, subject_id,
                            *, days: int = RECENTLY_RESOLVED_DAYS) -> list[Flag]:
    """Flags of one record resolved in the last `days` days, newest first (one query)."""
    since = timezone.now() - timedelta(days=days)
    return list(Flag.objects.filter(organization=organization, subject_type=subject_type,
                                    subject_id=str(subject_id), resolved_at__gte=since)
                .order_by("-resolved_at", "id"))


# A record's page reads its flags by this, compiled once (lib/compiled.py).
_RECORD_FLAGS = CompiledQuery(
    lambda organization_id, subject_type, subject_id, since: flags_for(
        organization_id, subject_type, subject_id, include_resolved=True)
    .filter(Q(resolved_at=None) | Q(resolved_at__gte=since))
    .values_list(*field_names(Flag), "severity_rank"),
    ints=["organization_id"], strs=["subject_type", "subject_id"], datetimes=["since"])


def record_flags(organization: Organization, subject_type: str, subject_id, *,
                 days: int = RECENTLY_RESOLVED_DAYS) -> tuple[list[Flag], list[Flag]]:
    """The open flags of one record (ordered as `flags_for` orders them) and those resolved in
    the last `days` days (newest first, as `recently_resolved_flags`), in one query."""
    since = timezone.now() - timedelta(days=days)
    flags = []
    for row in _RECORD_FLAGS.rows(organization_id=organization.pk, subject_type=subject_type,
                                  subject_id=str(subject_id), since=since):
        flag = instance(Flag, row[:-1])
        flag.severity_rank = row[-1]
        flags.append(flag)
    resolved = sorted((f for f in flags if f.resolved_at is not None), key=lambda f: f.pk)
    resolved.sort(key=lambda f: f.resolved_at, reverse=True)
    return [f for f in flags if f.resolved_at is None], resolved


def open_flag_codes(organization: Organization, subject_type: str) -> list[tuple[str, int]]:
    """(code, number of records carrying it) of the open flags on one type of record, by code,
    for a list's flag filter (one query)."""
    return list(Flag.objects.filter(organization=organization, subject_type=subject_type,
                                    resolved_at=None)
                .values_list("code").annotate(n=Count("id")).order_by("code"))


def has_open_flag(organization: Organization, subject_type: str, code: str = "") -> Exists:
    """Filter or annotation for a queryset of initiatives, goals or metrics: the record has an
    open flag (of `code` when given) in `organization`."""
    flags = Flag.objects.filter(organization=organization, subject_type=subject_type,
                                resolved_at=None,
                                subject_id=Cast(OuterRef("pk"), CharField()))
    if code:
        flags = flags.filter(code=code)
    return Exists(flags)


def score_field(organization: Organization, subject_type: str, field_name: str) -> Subquery:
    """Annotation for a queryset of initiatives, goals or metrics: one field of the record's
    score row in `organization` (None before its first recompute), so lists can sort by it
    in the database."""
    model = SCORE_MODELS[SubjectType(subject_type)]
    rows = model.objects.filter(organization=organization,
                                **{f"{subject_type}_id": OuterRef("pk")})
    return Subquery(rows.values(field_name)[:1])


# --- Impact evidence ---------------------------------------------------------------------------

VERDICT_ORDER = [Verdict.IMPROVED, Verdict.WORSENED, Verdict.NO_CLEAR_CHANGE,
                 Verdict.NOT_ENOUGH_DATA]
VERDICT_BADGE = {Verdict.IMPROVED: "ok", Verdict.WORSENED: "bad",
                 Verdict.NO_CLEAR_CHANGE: "warn", Verdict.NOT_ENOUGH_DATA: ""}


@dataclass
class ImpactReading:
    """One initiative × outcome metric as a person reads it: the stored evidence, the verdict
    in words (with its n's and p), and optionally the chart."""

    evidence: ImpactEvidence
    sentence: str
    chart: object = None
    unit_label: str = ""  # the metric's unit, the organization's currency for "currency"

    @property
    def verdict(self) -> str:
        return self.evidence.verdict

    @property
    def verdict_label(self) -> str:
        """The verdict in the reader's language ("Improved", "Verbessert")."""
        return Verdict(self.evidence.verdict).label

    @property
    def badge(self) -> str:
        return VERDICT_BADGE.get(self.evidence.verdict, "")

    @property
    def regression(self) -> dict | None:
        return self.evidence.regression

    @property
    def regression_verdict_label(self) -> str:
        """The second opinion's verdict in the reader's language."""
        return Verdict(self.evidence.regression["verdict"]).label if self.regression else ""

    @property
    def period_noun(self) -> str:
        return impact.period_word(self.evidence.metric.frequency, 1)


def evidence_row(evidence: ImpactEvidence) -> dict:
    """The stored evidence as the dict impact.impact_sentence reads."""
    return {name: getattr(evidence, name) for name in impact.COLUMNS
            if name not in ("initiative_id", "metric_id")}


def impact_reading(evidence: ImpactEvidence, *, today, currency: str = "") -> ImpactReading:
    metric = evidence.metric
    return ImpactReading(evidence, impact.impact_sentence(
        evidence_row(evidence), metric_name=metric.name, unit=metric.unit,
        frequency=metric.frequency, today=today, currency=currency))


def _baseline(evidence: ImpactEvidence):
    """The baseline on a date (for the chart), or None without a verdict."""
    if evidence.verdict == Verdict.NOT_ENOUGH_DATA:
        return None
    if evidence.detrended and evidence.trend_slope is not None:
        slope, at, go_live = evidence.trend_slope, evidence.trend_at_go_live, \
            evidence.go_live_date
        return lambda day: at + slope * (day - go_live).days
    return lambda day: evidence.before_median


def initiative_impact(organization: Organization, initiative, *, today=None
                      ) -> list[ImpactReading]:
    """The evidence of each outcome metric of one initiative, with its chart (two queries:
    the evidence with its metrics, and those metrics' values)."""
    from alignment_portal import charts
    from metrics.models import MetricValue

    today = today or timezone.localdate()
    rows = list(ImpactEvidence.objects.filter(organization=organization, initiative=initiative)
                .select_related("metric").order_by("metric__name", "metric_id"))
    if not rows:
        return []
    series = defaultdict(list)
    for metric_id, period, value in (MetricValue.objects.filter(
            organization=organization, metric_id__in=[r.metric_id for r in rows],
            period__lte=today).order_by("metric_id", "period")
            .values_list("metric_id", "period", "value")):
        series[metric_id].append((period, float(value)))
    readings = []
    for evidence in rows:
        reading = impact_reading(evidence, today=today, currency=organization.currency)
        unit = evidence.metric.unit
        reading.unit_label = organization.currency if unit == "currency" else unit
        reading.chart = charts.impact_chart(
            metric_name=evidence.metric.name, unit=reading.unit_label,
            points=series[evidence.metric_id], go_live=evidence.go_live_date,
            after_start=evidence.after_start, baseline_at=_baseline(evidence),
            after_median=(None if evidence.verdict == Verdict.NOT_ENOUGH_DATA
                          else evidence.after_median), sentence=reading.sentence,
            n_before_shown=impact.BEFORE_MAX_VALUES)
        readings.append(reading)
    return readings


def organization_impact(organization: Organization, *, today=None
                        ) -> list[tuple[str, list[ImpactReading]]]:
    """[(verdict, readings)] in VERDICT_ORDER, every verdict listed (one query)."""
    today = today or timezone.localdate()
    grouped: dict[str, list[ImpactReading]] = {verdict: [] for verdict in VERDICT_ORDER}
    for evidence in (ImpactEvidence.objects.filter(organization=organization)
                     .select_related("initiative", "metric")
                     .order_by("initiative__name", "metric__name", "pk")):
        grouped[evidence.verdict].append(
            impact_reading(evidence, today=today, currency=organization.currency))
    return [(str(verdict), grouped[verdict]) for verdict in VERDICT_ORDER]


@dataclass
class MetricClaim:
    """An initiative that names a metric as its outcome, and what the metric shows for it
    (None when there is no evidence: not live, no go-live date, not computed yet)."""

    initiative: object
    reading: ImpactReading | None


_LINK_FIELDS = field_names(MeasurementLink)
# The metric page's reads, compiled once (lib/compiled.py): the outcome links with their
# initiatives (the columns select_related("initiative") reads) and the metric's evidence.
_METRIC_CLAIM_LINKS = CompiledQuery(
    lambda organization_id, metric_id: MeasurementLink.objects.filter(
        organization=organization_id, metric=metric_id, role=MetricRole.OUTCOME)
    .order_by("initiative__name")
    .values_list(*_LINK_FIELDS, *(f"initiative__{name}" for name in field_names(Initiative))),
    ints=["organization_id", "metric_id"])
_METRIC_EVIDENCE = CompiledQuery(
    lambda organization_id, metric_id: ImpactEvidence.objects.filter(
        organization=organization_id, metric=metric_id)
    .values_list(*field_names(ImpactEvidence)), ints=["organization_id", "metric_id"])


def metric_claims(organization: Organization, metric, *, today=None) -> list[MetricClaim]:
    """Which initiatives claim the metric as their outcome, and what each shows (two
    queries)."""
    today = today or timezone.localdate()
    ids = {"organization_id": organization.pk, "metric_id": metric.pk}
    link_fields = len(_LINK_FIELDS)
    links = []
    for row in _METRIC_CLAIM_LINKS.rows(**ids):
        link = instance(MeasurementLink, row[:link_fields])
        MeasurementLink.initiative.field.set_cached_value(
            link, instance(Initiative, row[link_fields:]))
        links.append(link)
    evidence = {}
    for row in _METRIC_EVIDENCE.rows(**ids):
        found = instance(ImpactEvidence, row)
        # The evidence of this metric: the one in hand, not a join to read it again.
        ImpactEvidence.metric.field.set_cached_value(found, metric)
        evidence[found.initiative_id] = found
    return [MetricClaim(link.initiative,
                        impact_reading(evidence[link.initiative_id], today=today,
                                       currency=organization.currency)
                        if link.initiative_id in evidence else None)
            for link in links]


def impact_counts(organization_ids: list[int]) -> dict[int, dict[str, int]]:
    """{organization id: {verdict: number of initiatives}} (one query). An initiative with
    two outcome metrics that moved differently counts under each of their verdicts."""
    counts: dict[int, dict[str, int]] = defaultdict(
        lambda: dict.fromkeys((str(v) for v in VERDICT_ORDER), 0))
    for org_id, verdict, n in (ImpactEvidence.objects.filter(organization_id__in=organization_ids)
                               .values_list("organization_id", "verdict")
                               .annotate(n=Count("initiative_id", distinct=True)).order_by()):
        counts[org_id][verdict] = n
    return counts
