from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from alignment_portal.lib.text import DESCRIPTION_MAX_LENGTH, bounded_text, single_line
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import rules
from goals.models import Goal
from metrics.models import Metric

ONE_TO_FIVE = [MinValueValidator(1), MaxValueValidator(5)]
MAX_RAMP_UP_PERIODS = 26


class ToolCategory(models.TextChoices):
    CRM = "crm", _("CRM")
    EMAIL_MARKETING = "email_marketing", _("Email marketing")
    SOCIAL_MEDIA = "social_media", _("Social media")
    ACCOUNTING = "accounting", _("Accounting")
    INVOICING = "invoicing", _("Invoicing")
    POS = "pos", _("Point of sale")
    INVENTORY = "inventory", _("Inventory")
    ECOMMERCE = "ecommerce", _("E-commerce")
    SCHEDULING = "scheduling", _("Scheduling")
    HELPDESK = "helpdesk", _("Helpdesk")
    ANALYTICS = "analytics", _("Analytics")
    ERP = "erp", _("ERP")
    PROJECT_MANAGEMENT = "project_management", _("Project management")
    OTHER = "other", _("Other")


class Integration(models.TextChoices):
    STANDALONE = "standalone", _("Standalone")
    MANUAL_EXPORT = "manual_export", _("Manual export")
    API = "api", _("Integrated via API")


class ToolStatus(models.TextChoices):
    TRIAL = "trial", _("Trial")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class Tool(models.Model):
    """One entry of the technology inventory, with its subscription's renewal terms
    (DOMAIN.md, "Renewals": the notice deadline is the renewal date minus the notice period).
    `seats_used` is the latest count logged (alignment_portal/renewals keeps its history)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="tools")
    name = models.CharField(max_length=120, validators=[single_line])
    vendor = models.CharField(max_length=120, blank=True, validators=[single_line])
    category = models.CharField(max_length=20, choices=ToolCategory.choices,
                                default=ToolCategory.OTHER)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    seats = models.PositiveIntegerField(default=1, verbose_name=_("seats paid"))
    seats_used = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The latest count of seats in use (logged with its "
                                         "month on the tool's page)."))
    renewal_date = models.DateField(
        null=True, blank=True, help_text=_("When the subscription renews next (or last renewed: "
                                         "later renewals follow from the billing period)."))
    billing_period = models.CharField(max_length=10, choices=BillingPeriod.choices,
                                      default=BillingPeriod.MONTHLY)
    notice_period_days = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(730)], verbose_name=_("notice period (days)"),
        help_text=_("Days before the renewal by which the vendor must be told to cancel."))
    integration = models.CharField(max_length=15, choices=Integration.choices,
                                   default=Integration.STANDALONE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="owned_tools")
    status = models.CharField(max_length=10, choices=ToolStatus.choices,
                              default=ToolStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="tool_name_unique"),
            models.CheckConstraint(condition=Q(monthly_cost__gte=0), name="tool_cost_not_negative"),
            models.CheckConstraint(condition=Q(notice_period_days__lte=730),
                                   name="tool_notice_period_at_most_730"),
        ]

    def __str__(self) -> str:
        return self.name


class InitiativeStatus(models.TextChoices):
    IDEA = "idea", _("Idea")
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    LIVE = "live", _("Live")
    PAUSED = "paused", _("Paused")
    RETIRED = "retired", _("Retired")


STATUS_LABELS = dict(InitiativeStatus.choices)

# Which statuses are active is a rule (scoring/rules.py); the list keeps the choices' order.
ACTIVE_INITIATIVE_STATUSES = [s for s in InitiativeStatus
                              if rules.initiative_is_active(s.value)]


def active_initiative_q(prefix: str = "") -> Q:
    """Filter: the initiative (or, with `prefix` "initiative__", the related one) is active."""
    return Q(**{f"{prefix}status__in": sorted(rules.ACTIVE_INITIATIVE_STATUSES)})


def active_tool_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}status__in": sorted(rules.ACTIVE_TOOL_STATUSES)})


class AutomationLevel(models.IntegerChoices):
    ASSISTED = 1, _("1 Assisted")
    TASK = 2, _("2 Task automation")
    WORKFLOW = 3, _("3 Process workflow")
    INTEGRATED = 4, _("4 Integrated across systems")
    ADAPTIVE = 5, _("5 Adaptive")


class InitiativeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active_initiative_q())


class Initiative(models.Model):
    """A piece of automation or technology the business runs or plans."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="initiatives")
    name = models.CharField(max_length=160, validators=[single_line])
    description = models.TextField(blank=True, **bounded_text(DESCRIPTION_MAX_LENGTH))
    process = models.CharField(max_length=160, blank=True, validators=[single_line],
                               help_text=_("The business process it changes."))
    department = models.CharField(max_length=80, blank=True, validators=[single_line])
    tools = models.ManyToManyField(Tool, blank=True, related_name="initiatives")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                              blank=True, related_name="owned_initiatives")
    status = models.CharField(max_length=12, choices=InitiativeStatus.choices,
                              default=InitiativeStatus.IDEA)
    start_date = models.DateField(null=True, blank=True)
    go_live_date = models.DateField(null=True, blank=True)
    # Impact evidence leaves this many periods (of each outcome metric's frequency) after the
    # go-live date out of the comparison, while the change settles in.
    ramp_up_periods = models.PositiveSmallIntegerField(
        default=0, validators=[MaxValueValidator(MAX_RAMP_UP_PERIODS)],
        help_text=_("Periods after go-live left out of the before/after comparison while the "
                  "change settles in (0 to 26)."))
    one_time_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    monthly_cost = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    hours_saved_per_month = models.DecimalField(max_digits=8, decimal_places=1, default=0)
    # The benefit ledger: money it is expected to bring in (or save) per month, besides hours.
    expected_money_per_month = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    impact = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    effort = models.PositiveSmallIntegerField(default=3, validators=ONE_TO_FIVE)
    automation_level = models.PositiveSmallIntegerField(choices=AutomationLevel.choices,
                                                        default=AutomationLevel.TASK)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords(m2m_fields=[tools])
    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(one_time_cost__gte=0, monthly_cost__gte=0,
                                               hours_saved_per_month__gte=0,
                                               expected_money_per_month__gte=0),
                                   name="initiative_costs_not_negative"),
            models.CheckConstraint(condition=Q(impact__gte=1, impact__lte=5,
                                               effort__gte=1, effort__lte=5),
                                   name="initiative_impact_effort_1_to_5"),
            models.CheckConstraint(condition=Q(automation_level__gte=1, automation_level__lte=5),
                                   name="initiative_automation_level_1_to_5"),
            models.CheckConstraint(condition=Q(ramp_up_periods__lte=MAX_RAMP_UP_PERIODS),
                                   name="initiative_ramp_up_at_most_26"),
            models.CheckConstraint(
                condition=Q(go_live_date__isnull=True) | Q(start_date__isnull=True)
                | Q(go_live_date__gte=F("start_date")),
                name="initiative_go_live_after_start",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return rules.initiative_is_active(self.status)


class Contribution(models.TextChoices):
    PRIMARY = "primary", _("Primary")
    SUPPORTING = "supporting", _("Supporting")
    INDIRECT = "indirect", _("Indirect")


# {code: label} of the choices (lazy labels: each reader's language), for code that shows a
# stored code without its model instance at hand.
CONTRIBUTION_LABELS = dict(Contribution.choices)


class AlignmentLink(models.Model):
    """An initiative serves a goal: how much, and how it will move the goal."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE,
                                   related_name="alignment_links")
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="alignment_links")
    contribution = models.CharField(max_length=10, choices=Contribution.choices,
                                    default=Contribution.PRIMARY)
    rationale = models.TextField(help_text=_("How will this move the goal?"),
                                 **bounded_text(DESCRIPTION_MAX_LENGTH))
    expected_effect = models.CharField(max_length=200, blank=True, validators=[single_line],
                                       help_text=_("Expected effect on the goal's metric."))
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "goal"], name="alignment_link_unique"),
            models.CheckConstraint(condition=~Q(rationale=""), name="alignment_link_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.initiative_id} serves {self.goal_id} ({self.contribution})"


class MetricRole(models.TextChoices):
    OUTCOME = "outcome", _("Outcome")
    ACTIVITY = "activity", _("Activity")


ROLE_LABELS = dict(MetricRole.choices)


class MeasurementLink(models.Model):
    """A metric that measures an initiative, as its outcome or as its activity."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE,
                                   related_name="measurement_links")
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="measurement_links")
    role = models.CharField(max_length=10, choices=MetricRole.choices, default=MetricRole.OUTCOME)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["initiative", "metric"],
                                    name="measurement_link_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} measures {self.initiative_id} ({self.role})"
