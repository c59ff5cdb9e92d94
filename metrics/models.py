from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alignment_portal.lib.staged import StagedUpload
from alignment_portal.lib.text import DESCRIPTION_MAX_LENGTH, bounded_text, single_line
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import rules


class Kind(models.TextChoices):
    KPI = "KPI", _("KPI (performance of a process)")
    KVI = "KVI", _("KVI (value created for the business)")


class Nature(models.TextChoices):
    OUTCOME = "outcome", _("Outcome (a result the business wants)")
    OUTPUT = "output", _("Output (activity volume)")


class Level(models.TextChoices):
    OPERATIONAL = "operational", _("Operational")
    DEPARTMENTAL = "departmental", _("Departmental")
    STRATEGIC = "strategic", _("Strategic")


class Unit(models.TextChoices):
    PERCENT = "%", _("%")
    COUNT = "count", _("Count")
    CURRENCY = "currency", _("Currency")
    MINUTES = "minutes", _("Minutes")
    HOURS = "hours", _("Hours")
    DAYS = "days", _("Days")
    SCORE = "score", _("Score")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")




class Source(models.TextChoices):
    FORM = "form", _("Form")
    CSV = "csv", _("CSV")
    API = "api", _("API")
    FEED = "feed", _("Feed")


class MetricQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at=None)


class Metric(models.Model):
    """A KPI or KVI definition of one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="metrics")
    name = models.CharField(max_length=120, validators=[single_line])
    definition = models.TextField(blank=True, help_text=_("What is counted, and how."),
                                  **bounded_text(DESCRIPTION_MAX_LENGTH))
    kind = models.CharField(max_length=3, choices=Kind.choices, default=Kind.KPI)
    nature = models.CharField(max_length=10, choices=Nature.choices, default=Nature.OUTCOME)
    level = models.CharField(max_length=15, choices=Level.choices, default=Level.OPERATIONAL)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField(max_length=6, choices=Direction.choices,
                                 default=Direction.HIGHER)
    frequency = models.CharField(max_length=10, choices=Frequency.choices,
                                 default=Frequency.MONTHLY)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="owned_metrics",
                              help_text=_("Who logs its values."))
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.FORM)
    library_key = models.CharField(max_length=60, blank=True,
                                   help_text=_("The library definition it was added from, if any."))
    created_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = MetricQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="metric_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def window_days(self) -> int:
        return rules.window_days(self.frequency)

    @property
    def freshness_limit_days(self) -> float:
        """A value older than this many days is stale (rules.freshness_limit_days)."""
        return rules.freshness_limit_days(self.frequency)

    def is_fresh(self, latest_period, today=None) -> bool:
        return rules.is_fresh(latest_period, self.frequency, today or timezone.localdate())


class MetricValue(models.Model):
    """The current value of a metric for one period. Replaced values go to MetricValueRevision."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="metric_values")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="values")
    period = models.DateField(help_text=_("The date the value is for."))
    value = models.DecimalField(max_digits=20, decimal_places=6)
    note = models.CharField(max_length=500, blank=True, validators=[single_line])
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.FORM)

    class Meta:
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "period"],
                                    name="metric_value_one_per_period"),
        ]
        indexes = [models.Index(fields=["organization", "metric", "period"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period}: {self.value}"


class ReplacedEntry(models.Model):
    """What is kept of an entry a later one replaced (a metric value, a month's benefit, a
    month's seat count): who entered it, when and how, and who replaced it when. Nothing
    logged is lost; the history lists these."""

    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    entered_at = models.DateTimeField()
    source = models.CharField(max_length=4, choices=Source.choices)
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")

    class Meta:
        abstract = True
        ordering = ["-replaced_at"]


class MetricValueRevision(ReplacedEntry):
    """A value that was replaced by a later entry for the same metric and period."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="revisions")
    period = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=6)

    class Meta(ReplacedEntry.Meta):
        indexes = [models.Index(fields=["metric", "period"])]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period}: {self.value} (replaced)"


class ValueImport(StagedUpload):
    """An uploaded CSV of values between its preview and its confirmation
    (alignment_portal/lib/staged.py)."""
