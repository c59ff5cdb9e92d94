"""Scenarios: named drafts of changes to one organization's plan (DOMAIN.md, "Scenarios").

A scenario holds its changes as rows, in the order they were added. Nothing here touches the
plan: evaluation applies the changes to the frames in memory (apply.py) and applying goes
through the ordinary services (services.scenario_apply). The records a change points at are
kept with SET_NULL, so a change whose record was deleted meanwhile stays and says so (apply
refuses it with that reason).
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.organizations.models import Organization
from initiatives.models import Contribution, InitiativeStatus

# One named place for the feature's limits.
MAX_CHANGES = 50  # each change's own effect costs one scoring run
MAX_NEW_INITIATIVE_LINKS = 10
MAX_NAME_LENGTH = 120
MAX_RATIONALE_LENGTH = 2000


class ChangeType(models.TextChoices):
    LINK = "link", _("Link an initiative to a goal")
    UNLINK = "unlink", _("Unlink an initiative from a goal")
    INITIATIVE_STATUS = "initiative_status", _("Change an initiative's status")
    RETIRE_TOOL = "retire_tool", _("Retire a tool")
    PRIORITY = "priority", _("Set or clear a goal's priority rank")
    NEW_INITIATIVE = "new_initiative", _("Add a hypothetical initiative")


class Scenario(models.Model):
    """A named draft of changes, private to its author until shared."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="scenarios")
    name = models.CharField(max_length=MAX_NAME_LENGTH)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="scenarios")
    shared = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["organization", "-updated_at"])]
        constraints = [models.CheckConstraint(condition=~Q(name=""), name="scenario_named")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_applied(self) -> bool:
        return self.applied_at is not None


class ScenarioChange(models.Model):
    """One change of a scenario. Which fields it uses depends on its type:

    - link: initiative, goal, contribution, rationale;
    - unlink: initiative, goal;
    - initiative_status: initiative, status;
    - retire_tool: tool;
    - priority: goal, rank (1-3, or empty to clear it);
    - new_initiative: name, monthly_cost, one_time_cost, links
      ([{"goal": id, "contribution": ..., "rationale": ...}, ...]).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="changes")
    type = models.CharField(max_length=20, choices=ChangeType.choices)
    initiative = models.ForeignKey("initiatives.Initiative", on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    goal = models.ForeignKey("goals.Goal", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    tool = models.ForeignKey("initiatives.Tool", on_delete=models.SET_NULL, null=True,
                             blank=True, related_name="+")
    contribution = models.CharField(max_length=10, choices=Contribution.choices, blank=True)
    rationale = models.TextField(blank=True, max_length=MAX_RATIONALE_LENGTH)
    status = models.CharField(max_length=12, choices=InitiativeStatus.choices, blank=True)
    rank = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(3)])
    name = models.CharField(max_length=160, blank=True)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    one_time_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    links = models.JSONField(default=list, blank=True)
    # What the change said when it was added ("Link “A” to “B” (primary)"), in its author's
    # language. The pages word a change afresh for each reader from the fields above
    # (intake.describe_stored) and show this only once a record it names has been deleted.
    description = models.CharField(max_length=400)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["scenario", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=ChangeType.values),
                                   name="scenario_change_type_valid"),
            models.CheckConstraint(
                condition=Q(rank__isnull=True) | Q(rank__gte=1, rank__lte=3),
                name="scenario_change_rank_1_to_3"),
            models.CheckConstraint(
                condition=(Q(monthly_cost__isnull=True) | Q(monthly_cost__gte=0))
                & (Q(one_time_cost__isnull=True) | Q(one_time_cost__gte=0)),
                name="scenario_change_costs_not_negative"),
        ]

    def __str__(self) -> str:
        return self.description
