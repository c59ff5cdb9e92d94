"""The benefit ledger (DOMAIN.md, "Benefit ledger"): what each initiative returned, month by
month, and what the recompute made of it.

A `BenefitEntry` is one month's realised benefit of one initiative (hours saved and/or money
gained). One per initiative and month: entering it again replaces it, and the old entry is kept
as a `BenefitEntryRevision` (like metric values). `BenefitScore` is written by the scoring
engine only (alignment_portal/scoring/benefits.py computes it).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alignment_portal.lib.staged import StagedUpload
from alignment_portal.organizations.models import Organization
from metrics.models import ReplacedEntry, Source


class BenefitEntry(models.Model):
    """The realised benefit of an initiative in one month (`month` is its first day)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE,
                                     related_name="benefit_entries")
    initiative = models.ForeignKey("initiatives.Initiative", on_delete=models.CASCADE,
                                   related_name="benefit_entries")
    month = models.DateField(help_text=_("The first day of the month the benefit was realised in."))
    hours_saved = models.DecimalField(max_digits=10, decimal_places=1, null=True, blank=True)
    money_gained = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                   null=True, blank=True, related_name="+")
    source = models.CharField(max_length=4, choices=Source.choices, default=Source.FORM)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "month"],
                                    name="benefit_entry_one_per_month"),
            models.CheckConstraint(
                condition=Q(hours_saved__isnull=False) | Q(money_gained__isnull=False),
                name="benefit_entry_hours_or_money"),
            models.CheckConstraint(
                condition=(Q(hours_saved__isnull=True) | Q(hours_saved__gte=0))
                & (Q(money_gained__isnull=True) | Q(money_gained__gte=0)),
                name="benefit_entry_not_negative"),
            models.CheckConstraint(condition=Q(month__day=1), name="benefit_entry_first_of_month"),
        ]
        indexes = [models.Index(fields=["organization", "initiative", "month"])]

    def __str__(self) -> str:
        return f"initiative {self.initiative_id} {self.month:%Y-%m}"


class BenefitEntryRevision(ReplacedEntry):
    """An entry that a later one for the same initiative and month replaced."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    initiative = models.ForeignKey("initiatives.Initiative", on_delete=models.CASCADE,
                                   related_name="benefit_revisions")
    month = models.DateField()
    hours_saved = models.DecimalField(max_digits=10, decimal_places=1, null=True)
    money_gained = models.DecimalField(max_digits=14, decimal_places=2, null=True)

    class Meta(ReplacedEntry.Meta):
        indexes = [models.Index(fields=["initiative", "month"])]

    def __str__(self) -> str:
        return f"initiative {self.initiative_id} {self.month:%Y-%m} (replaced)"


class BenefitImport(StagedUpload):
    """An uploaded CSV of realised benefits between its preview and its confirmation
    (alignment_portal/lib/staged.py)."""


class PaybackStatus(models.TextChoices):
    PAID_BACK = "paid_back", _("Paid back")  # cumulative benefit has reached cumulative cost
    PROJECTED = "projected", _("Projected")  # will at the last 3 months' rate
    NOT_AT_THIS_RATE = "not_at_this_rate", _("Not at this rate")
    UNKNOWN = "", _("Not known yet")  # not live, no cost, or money figures hidden


class BenefitScore(models.Model):
    """An initiative's ledger as of the last recompute (scoring/benefits.py says what each
    number means). Money is in the organization's currency; None where it cannot be said
    (money from hours without an hour value, a ratio over nothing)."""

    # No database constraint: see scoring.models.SCORE_ORGANIZATION_FK.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+",
                                     db_constraint=False)
    initiative = models.OneToOneField("initiatives.Initiative", on_delete=models.CASCADE,
                                      related_name="benefit_score")
    months_live = models.PositiveIntegerField(null=True)  # whole months since go-live/start
    basis = models.CharField(max_length=6)  # "money", "hours" or "" (mixed, no hour value)
    expected_monthly = models.FloatField(null=True)  # money per month
    expected_hours_monthly = models.FloatField()
    expected_money_monthly = models.FloatField()
    cost_to_date = models.FloatField()
    realised_hours = models.FloatField()
    realised_money = models.FloatField()
    realised_to_date = models.FloatField(null=True)  # money
    entries = models.PositiveIntegerField()
    realisation = models.FloatField(null=True)  # fraction, 1.0 = as expected
    net = models.FloatField(null=True)
    roi = models.FloatField(null=True)  # fraction of cost
    recent_rate = models.FloatField(null=True)  # money per month, the last 3 months
    payback_status = models.CharField(max_length=16, choices=PaybackStatus.choices,
                                      blank=True)
    payback_month = models.DateField(null=True)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"initiative {self.initiative_id}: net {self.net}"

    @property
    def costs_more_than_it_returns(self) -> bool:
        return self.net is not None and self.net < 0
