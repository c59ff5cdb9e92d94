"""Writes of the benefit ledger: realised entries (form, CSV, API) and the staged CSV imports.
Every write that changes an entry asks for the organization's recompute, once per call."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.benefits.models import BenefitEntry, BenefitEntryRevision, BenefitImport
from alignment_portal.benefits.validation import validate_benefit
from alignment_portal.lib import staged
from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import request_recompute
from initiatives.models import Initiative
from metrics.models import Source


@dataclass(frozen=True)
class BenefitRow:
    """One validated entry ready to write (month already snapped to its first day)."""

    initiative_id: int
    month: date
    hours_saved: Decimal | None
    money_gained: Decimal | None
    note: str = ""


@dataclass
class BenefitResult:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    # (initiative_id, month) -> "created", "replaced" or "unchanged"
    outcomes: dict = field(default_factory=dict)
    entries: dict = field(default_factory=dict)  # (initiative_id, month) -> BenefitEntry

    @property
    def written(self) -> int:
        return self.created + self.replaced


@transaction.atomic
def benefit_entries_record(*, organization: Organization, rows: list[BenefitRow], user=None,
                           source: str = Source.FORM) -> BenefitResult:
    """Write validated entries (unique per initiative and month) in one transaction.

    Idempotent per initiative and month: the same figures (and no new note) change nothing;
    different ones replace the entry and the old one is kept as a BenefitEntryRevision with who
    entered it and who replaced it. The initiatives are locked (in id order) so two submissions
    for one month cannot both insert. Refuses an initiative of another organization."""
    result = BenefitResult()
    if not rows:
        return result
    keys = [(row.initiative_id, row.month) for row in rows]
    if len(set(keys)) != len(keys):
        raise ValueError("rows must be unique per initiative and month")
    initiative_ids = sorted({row.initiative_id for row in rows})
    locked = list(Initiative.objects.select_for_update().filter(
        pk__in=initiative_ids, organization=organization).order_by("pk").values_list(
        "pk", flat=True))
    if len(locked) != len(initiative_ids):
        raise ValidationError(gettext("Some initiatives of these entries are not in this "
                                      "organization."))
    existing = {(e.initiative_id, e.month): e for e in BenefitEntry.objects.filter(
        initiative_id__in=initiative_ids, month__in={row.month for row in rows})}
    now = timezone.now()
    new, changed, revisions = [], [], []
    for row in rows:
        key = (row.initiative_id, row.month)
        current = existing.get(key)
        if current is None:
            entry = BenefitEntry(organization=organization, initiative_id=row.initiative_id,
                                 month=row.month, hours_saved=row.hours_saved,
                                 money_gained=row.money_gained, note=row.note,
                                 entered_by=user, source=source, created_at=now,
                                 updated_at=now)
            entry.full_clean(validate_unique=False, validate_constraints=False)
            new.append(entry)
            result.outcomes[key], result.entries[key] = "created", entry
            continue
        if (current.hours_saved == row.hours_saved and current.money_gained == row.money_gained
                and (not row.note or row.note == current.note)):
            result.unchanged += 1
            result.outcomes[key], result.entries[key] = "unchanged", current
            continue
        revisions.append(BenefitEntryRevision(
            organization=organization, initiative_id=current.initiative_id,
            month=current.month, hours_saved=current.hours_saved,
            money_gained=current.money_gained, note=current.note,
            entered_by_id=current.entered_by_id, source=current.source,
            entered_at=current.updated_at, replaced_at=now, replaced_by=user))
        current.hours_saved, current.money_gained = row.hours_saved, row.money_gained
        current.note = row.note or current.note
        current.entered_by, current.source, current.updated_at = user, source, now
        current.full_clean(validate_unique=False, validate_constraints=False)
        changed.append(current)
        result.outcomes[key], result.entries[key] = "replaced", current
    BenefitEntry.objects.bulk_create(new, batch_size=1000)
    BenefitEntryRevision.objects.bulk_create(revisions, batch_size=1000)
    BenefitEntry.objects.bulk_update(changed, ["hours_saved", "money_gained", "note",
                                               "entered_by", "source", "updated_at"],
                                     batch_size=500)
    result.created, result.replaced = len(new), len(changed)
    if result.written:
        request_recompute(organization)
    return result


def benefit_entry_record(*, initiative: Initiative, month, hours_saved=None, money_gained=None,
                         note: str = "", user=None, source: str = Source.FORM,
                         today: date | None = None) -> tuple[BenefitEntry, str]:
    """Validate and store one month's realised benefit of `initiative`: (entry, outcome), the
    outcome "created", "replaced" or "unchanged". Raises ValidationError keyed by field
    (benefits/validation.py)."""
    month, hours, money, note = validate_benefit(
        month=month, hours_saved=hours_saved, money_gained=money_gained, note=note, today=today)
    result = benefit_entries_record(
        organization=initiative.organization,
        rows=[BenefitRow(initiative.pk, month, hours, money, note)], user=user, source=source)
    key = (initiative.pk, month)
    return result.entries[key], result.outcomes[key]


def benefit_import_stage(*, organization: Organization, user, filename: str,
                         content: bytes) -> BenefitImport:
    """Keep an uploaded file until its preview is confirmed."""
    return staged.stage(BenefitImport, organization=organization, user=user,
                        filename=filename, content=content)


@transaction.atomic
def benefit_import_confirm(*, benefit_import: BenefitImport, user, today: date | None = None):
    """Import the valid rows of a staged file, once, in one transaction: (preview, result), or
    (None, None) when it was confirmed before (a double click, a reload)."""
    from alignment_portal.benefits.csv_import import parse_benefits_csv

    locked = staged.claim(benefit_import)
    if locked is None:
        return None, None
    preview = parse_benefits_csv(bytes(locked.content), organization=locked.organization,
                                 today=today)
    if preview.error:
        raise ValidationError(preview.error)
    result = benefit_entries_record(organization=locked.organization, rows=preview.rows,
                                    user=user, source=Source.CSV)
    staged.mark_confirmed(locked, result=result, refused=len(preview.problems))
    return preview, result
