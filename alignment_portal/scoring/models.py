"""The scoring engine's results: current scores per record, flags, and history snapshots.

Every row is written by engine.recompute only; pages read them through selectors.py.
`computed_at` is when the row's values last changed (a recompute that changes nothing
leaves it alone), not when the last recompute ran (that is Organization.recomputed_at).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.organizations.models import Organization

# SCORE_ORGANIZATION_FK: the score rows a recompute writes (initiative, goal, metric and
# benefit scores, impact evidence, flags) point at their organization without a database
# constraint. PostgreSQL checks such a constraint row by row at commit: for the first
# recompute of a large organization, ~1,700 checks and ~5 ms of its write. The check would
# say nothing new: every recompute that writes goes through triggers.run_recompute, whose
# write locks the organization row (FOR UPDATE, engine._still_held) before it commits, so
# the organization exists at commit and cannot be deleted under it; and the subject's own
# foreign key (initiative, goal, metric) keeps the rows that have one. Deleting an
# organization still deletes them (Django's CASCADE, organizations/deletion.py).


class Severity(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class SubjectType(models.TextChoices):
    INITIATIVE = "initiative", _("Initiative")
    GOAL = "goal", _("Goal")
    METRIC = "metric", _("Metric")
    TOOL = "tool", _("Tool")
    TOOL_CATEGORY = "tool_category", _("Tool category")
    ORGANIZATION = "organization", _("Organization")
    FEED = "feed", _("Feed")


class InitiativeScore(models.Model):
    """An initiative's alignment score (0-100) with its three parts (each 0-1), and its
    priority score (alignment × impact / effort)."""

    # (no index of its own: the (organization, -priority_score) index leads with it)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False,  # see SCORE_ORGANIZATION_FK
                                     db_index=False)
    initiative = models.OneToOneField("initiatives.Initiative", on_delete=models.CASCADE,
                                      related_name="score")
    is_active = models.BooleanField()
    alignment_score = models.FloatField()
    line_of_sight = models.FloatField()
    measurement = models.FloatField()
    freshness = models.FloatField()
    priority_score = models.FloatField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "-priority_score"])]

    def __str__(self) -> str:
        return f"initiative {self.initiative_id}: {self.alignment_score:.0f}"


class GoalScore(models.Model):
    """A goal's weight, SMART check, progress and forecast, and how many active initiatives
    serve it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False)  # see SCORE_ORGANIZATION_FK
    goal = models.OneToOneField("goals.Goal", on_delete=models.CASCADE, related_name="score")
    is_active = models.BooleanField()
    is_priority = models.BooleanField()
    weight = models.FloatField()
    smart_passed = models.BooleanField()
    smart = models.JSONField(default=list)  # [{key, label, passed, reason, warning}, ...]
    progress = models.FloatField(null=True)  # 0-1.5
    forecast_status = models.CharField(max_length=10)  # forecast.ForecastStatus
    forecast_value = models.FloatField(null=True)
    forecast_share = models.FloatField(null=True)
    forecast_reason = models.CharField(max_length=300)  # in English, as computed
    # The reason's numbers (forecast.Forecast.params): forecast_sentence says it in the
    # reader's language; empty for a row written before it existed (the English is shown).
    forecast_params = models.JSONField(default=dict)
    served_by = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"goal {self.goal_id}: {self.forecast_status}"

    @property
    def forecast_sentence(self) -> str:
        """Why the forecast says what it says, in the active language."""
        from alignment_portal.scoring import wording

        return wording.forecast_reason(self.forecast_params, self.forecast_reason)


class MetricScore(models.Model):
    """A metric's freshness and the vanity verdict with its evidence."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False)  # see SCORE_ORGANIZATION_FK
    metric = models.OneToOneField("metrics.Metric", on_delete=models.CASCADE,
                                  related_name="score")
    latest_period = models.DateField(null=True)
    latest_value = models.FloatField(null=True)
    is_fresh = models.BooleanField()
    in_use = models.BooleanField()
    is_vanity = models.BooleanField()
    vanity_rule = models.BooleanField()
    # confirmed / cleared / inconclusive / no_evidence (alignment.vanity_verdict)
    vanity_verdict = models.CharField(max_length=12)
    vanity_correlation = models.FloatField(null=True)
    vanity_goal = models.ForeignKey("goals.Goal", on_delete=models.SET_NULL, null=True,
                                    related_name="+")
    vanity_note = models.CharField(max_length=120, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"metric {self.metric_id}: {'fresh' if self.is_fresh else 'stale'}"


class OrganizationScore(models.Model):
    """The five dimensions (0-100), the maturity rung with its explanation, and misaligned
    spend (monthly amount in the organization's currency, and its share 0-100)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE,
                                        related_name="score")
    d1_goals = models.FloatField()
    d2_alignment = models.FloatField()
    d3_measurement = models.FloatField()
    d4_feedback = models.FloatField()
    d5_integration = models.FloatField()
    rung = models.PositiveSmallIntegerField()
    misaligned_spend = models.DecimalField(max_digits=14, decimal_places=2)
    misaligned_spend_share = models.FloatField()  # percent of active monthly spend
    explanation = models.JSONField(default=dict)  # maturity.assess
    open_flags = models.JSONField(default=dict)  # {"high": n, "medium": n, "low": n}
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.organization_id}: rung {self.rung}"

    @property
    def rung_name(self) -> str:
        return self.explanation.get("name", "")


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(resolved_at=None)


class Flag(models.Model):
    """Something wrong with one record, with a reason and a fix. Resolved, never deleted."""

    # (no index of its own: the indexes below lead with it)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="flags",
                                     db_constraint=False,  # see SCORE_ORGANIZATION_FK
                                     db_index=False)
    code = models.CharField(max_length=20)
    severity = models.CharField(max_length=6, choices=Severity.choices)
    subject_type = models.CharField(max_length=15, choices=SubjectType.choices)
    # The subject's id as text: a record's primary key, or a tool category's code.
    subject_id = models.CharField(max_length=40)
    subject_label = models.CharField(max_length=200)
    # What the message and the suggested fix need (names, numbers), by code: they are said in
    # the reader's language when read (scoring/wording.py), not stored as text.
    params = models.JSONField(default=dict)
    first_seen_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["resolved_at", "severity", "-first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code", "subject_type", "subject_id"],
                                    condition=Q(resolved_at=None), name="flag_one_open"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values),
                                   name="flag_severity_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "subject_type", "subject_id"]),
            models.Index(fields=["organization", "resolved_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.code} on {self.subject_type} {self.subject_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def message(self) -> str:
        """What is wrong, in the active language."""
        from alignment_portal.scoring import wording

        return wording.flag_message(self.code, self.params)

    @property
    def suggested_fix(self) -> str:
        """What to do about it, in the active language."""
        from alignment_portal.scoring import wording

        return wording.flag_fix(self.code, self.params, self.subject_type)


class ScoreSnapshot(models.Model):
    """An organization's scores at one moment: nightly (cycle empty) or at a cycle's close."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="score_snapshots")
    cycle = models.ForeignKey("goals.Cycle", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="score_snapshots")
    taken_on = models.DateField()
    taken_at = models.DateTimeField(default=timezone.now)
    d1_goals = models.FloatField()
    d2_alignment = models.FloatField()
    d3_measurement = models.FloatField()
    d4_feedback = models.FloatField()
    d5_integration = models.FloatField()
    rung = models.PositiveSmallIntegerField()
    misaligned_spend = models.DecimalField(max_digits=14, decimal_places=2)
    misaligned_spend_share = models.FloatField()
    open_flags = models.JSONField(default=dict)
    # A cycle's snapshot only: what its report lists, frozen at the close (snapshots.py,
    # freeze_cycle): goals with outcomes and scores, initiatives with status, links and
    # alignment, the flags open at the close and those opened and resolved in the cycle.
    record = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["organization", "taken_on"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "taken_on"],
                                    condition=Q(cycle=None), name="snapshot_one_per_day"),
            models.UniqueConstraint(fields=["organization", "cycle"],
                                    condition=Q(cycle__isnull=False),
                                    name="snapshot_one_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} on {self.taken_on}: rung {self.rung}"


class Verdict(models.TextChoices):
    IMPROVED = "improved", _("Improved")
    NO_CLEAR_CHANGE = "no clear change", _("No clear change")
    WORSENED = "worsened", _("Worsened")
    NOT_ENOUGH_DATA = "not enough data", _("Not enough data")


class ImpactEvidence(models.Model):
    """What one outcome metric did after one live initiative went live (scoring/impact.py):
    the Tau-BC verdict with its tau (signed: positive is better), p, sample sizes and effect
    (in the metric's unit, and in % of the before median), the baseline trend when it was
    taken out, the earliest date a verdict is possible, the initiatives that share the
    credit, and the segmented regression's second opinion."""

    # (no indexes of their own: (organization, verdict) and the pair's unique constraint
    # lead with them)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False,  # see SCORE_ORGANIZATION_FK
                                     db_index=False)
    initiative = models.ForeignKey("initiatives.Initiative", on_delete=models.CASCADE,
                                   related_name="impact_evidence", db_index=False)
    metric = models.ForeignKey("metrics.Metric", on_delete=models.CASCADE,
                               related_name="impact_evidence")
    verdict = models.CharField(max_length=15, choices=Verdict.choices)
    tau = models.FloatField(null=True)
    p = models.FloatField(null=True)
    effect = models.FloatField(null=True)
    effect_pct = models.FloatField(null=True)
    before_median = models.FloatField(null=True)
    after_median = models.FloatField(null=True)
    n_before = models.PositiveIntegerField()
    n_after = models.PositiveIntegerField()
    detrended = models.BooleanField()
    trend_slope = models.FloatField(null=True)  # unit per day, when detrended
    trend_at_go_live = models.FloatField(null=True)  # the Theil–Sen line on the go-live date
    go_live_date = models.DateField()
    after_start = models.DateField()  # go-live plus the ramp-up periods
    earliest_verdict = models.DateField(null=True)
    shared_with = models.JSONField(default=list)  # names of initiatives sharing the credit
    regression = models.JSONField(null=True)  # impact.segmented_regression, or null
    note = models.TextField(blank=True)
    # A fingerprint of the inputs (impact.Phases.digest): unchanged inputs reuse this row.
    inputs_digest = models.CharField(max_length=32, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "metric"],
                                    name="impact_evidence_one_per_pair"),
            models.CheckConstraint(condition=Q(verdict__in=Verdict.values),
                                   name="impact_evidence_verdict_valid"),
        ]
        indexes = [models.Index(fields=["organization", "verdict"])]

    def __str__(self) -> str:
        return f"initiative {self.initiative_id} × metric {self.metric_id}: {self.verdict}"
