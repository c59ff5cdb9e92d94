from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alignment_portal.lib.text import (
    DESCRIPTION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    bounded_text,
    single_line,
)
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import rules
from metrics.models import Metric

PRIORITY_GOAL_LIMIT = 3


class CycleState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    ACTIVE = "active", _("Active")
    REVIEW = "review", _("In review")
    CLOSED = "closed", _("Closed")


class Cycle(models.Model):
    """A planning period, usually a quarter of the organization's fiscal year."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="cycles")
    name = models.CharField(max_length=60, validators=[single_line])
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=10, choices=CycleState.choices,
                             default=CycleState.PLANNING)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="cycle_name_unique"),
            models.UniqueConstraint(fields=["organization"], condition=Q(state="active"),
                                    name="cycle_one_active"),
            models.CheckConstraint(condition=Q(end_date__gt=F("start_date")),
                                   name="cycle_ends_after_start"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.state in rules.CLOSED_CYCLE_STATES


class Perspective(models.TextChoices):
    FINANCIAL = "financial", _("Financial")
    CUSTOMER = "customer", _("Customer")
    INTERNAL = "internal", _("Internal process")
    PEOPLE = "people", _("People and learning")


class GoalLevel(models.TextChoices):
    STRATEGIC = "strategic", _("Strategic")
    DEPARTMENTAL = "departmental", _("Departmental")
    OPERATIONAL = "operational", _("Operational")


class GoalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    MISSED = "missed", _("Missed")
    ARCHIVED = "archived", _("Archived")


def active_goal_q(prefix: str = "") -> Q:
    """Filter: the goal (or, with `prefix` "goal__", the related one) is active: an active
    status in a cycle that is not closed (rules.goal_is_active)."""
    return Q(**{f"{prefix}status__in": sorted(rules.ACTIVE_GOAL_STATUSES)}) & ~Q(
        **{f"{prefix}cycle__state__in": sorted(rules.CLOSED_CYCLE_STATES)})


class GoalQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active_goal_q())


class Goal(models.Model):
    """A SMART goal of one cycle, measured by one metric."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="goals")
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="goals")
    title = models.CharField(max_length=200, validators=[single_line])
    description = models.TextField(blank=True, help_text=_("What exactly, and for whom."),
                                   **bounded_text(DESCRIPTION_MAX_LENGTH))
    why_it_matters = models.TextField(blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))
    perspective = models.CharField(max_length=12, choices=Perspective.choices,
                                   default=Perspective.FINANCIAL)
    level = models.CharField(max_length=12, choices=GoalLevel.choices,
                             default=GoalLevel.OPERATIONAL)
    department = models.CharField(max_length=80, blank=True, validators=[single_line])
    parent = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="children")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="owned_goals")
    priority_rank = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("1-3 makes it one of the cycle's priority goals."))
    metric = models.ForeignKey(Metric, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="goals")
    baseline_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    target_value = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("How confident you are it is achievable, 0-100 %."))
    status = models.CharField(max_length=10, choices=GoalStatus.choices,
                              default=GoalStatus.DRAFT)
    carried_over_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True,
                                          blank=True, related_name="carried_into")
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()
    objects = GoalQuerySet.as_manager()

    class Meta:
        ordering = ["cycle", "priority_rank", "title"]
        constraints = [
            # At most three priority goals per cycle, each rank once: holds under concurrency.
            models.UniqueConstraint(fields=["cycle", "priority_rank"],
                                    name="goal_priority_rank_unique"),
            models.CheckConstraint(
                condition=Q(priority_rank__isnull=True)
                | Q(priority_rank__gte=1, priority_rank__lte=PRIORITY_GOAL_LIMIT),
                name="goal_priority_rank_range",
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100),
                name="goal_confidence_range",
            ),
            models.CheckConstraint(condition=Q(status__in=GoalStatus.values),
                                   name="goal_status_valid"),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_priority(self) -> bool:
        return self.priority_rank is not None


class Outcome(models.TextChoices):
    ACHIEVED = "achieved", _("Achieved")
    PARTLY = "partly", _("Partly achieved")
    MISSED = "missed", _("Missed")
    CARRIED_OVER = "carried_over", _("Carried over")


class GoalOutcome(models.Model):
    """A goal's outcome recorded in its cycle's review."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="outcomes")
    goal = models.ForeignKey(Goal, on_delete=models.PROTECT, related_name="outcomes")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    note = models.TextField(blank=True, **bounded_text(NOTE_MAX_LENGTH))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "goal"], name="goal_outcome_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.goal_id} in {self.cycle_id}: {self.outcome}"
