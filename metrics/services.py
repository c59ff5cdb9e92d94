"""Writes for metrics and their values. Every write that changes a value or a definition asks
for the organization's scores to be recomputed, once per transaction."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.lib import staged
from alignment_portal.lib.bulk import insert_rows
from alignment_portal.lib.compiled import CompiledQuery, field_names, instance
from alignment_portal.organizations.models import Organization
from alignment_portal.organizations.recompute import request_recompute
from metrics.library import LIBRARY_BY_KEY
from metrics.models import Metric, MetricValue, MetricValueRevision, Source, ValueImport
from metrics.validation import validate_entry

METRIC_FIELDS = ["name", "definition", "kind", "nature", "level", "unit", "direction",
                 "frequency", "owner", "source"]


def _check_owner(organization: Organization, owner) -> None:
    if owner is not None and not owner.memberships.filter(organization=organization).exists():
        raise ValidationError(
            {"owner": gettext("The owner must be a member of this organization.")})


@transaction.atomic
def metric_create(*, organization: Organization, user=None, **fields) -> Metric:
    """A new metric definition of `organization`."""
    metric = Metric(organization=organization, **fields)
    _check_owner(organization, metric.owner)
    metric.full_clean()
    metric.save()
    request_recompute(organization)
    return metric


@transaction.atomic
def metric_update(*, metric: Metric, user=None, **fields) -> Metric:
    for name, value in fields.items():
        if name not in METRIC_FIELDS:
            raise ValueError(f"{name} is not an editable metric field")
        setattr(metric, name, value)
    _check_owner(metric.organization, metric.owner)
    metric.full_clean()
    metric.save()
    request_recompute(metric.organization)
    return metric


@transaction.atomic
def metric_archive(*, metric: Metric, archived: bool = True) -> Metric:
    """Archive (or restore) a metric: it keeps its values but takes no new ones."""
    metric.archived_at = timezone.now() if archived else None
    metric.save(update_fields=["archived_at"])
    request_recompute(metric.organization)
    return metric


@transaction.atomic
def metric_add_from_library(*, organization: Organization, key: str, owner=None) -> Metric:
    """Copy a library definition into `organization`. Adding it again returns the copy."""
    item = LIBRARY_BY_KEY.get(key)
    if item is None:
        raise ValidationError(gettext("There is no such metric in the library."))
    existing = Metric.objects.filter(organization=organization, library_key=key).first()
    if existing is not None:
        return existing
    if Metric.objects.filter(organization=organization, name__iexact=item.name).exists():
        raise ValidationError(gettext("A metric named “%(name)s” exists already.") % {
            "name": item.name})
    return metric_create(
        organization=organization, name=item.name, definition=item.definition, kind=item.kind,
        nature=item.nature, level=item.level, unit=item.unit, direction=item.direction,
        frequency=item.frequency, owner=owner, library_key=item.key)


@dataclass
class RecordResult:
    value: MetricValue
    outcome: str  # "created", "replaced" or "unchanged"


# Run on every saved value: compiled once (lib/compiled.py).
_LOCK_METRIC = CompiledQuery(
    lambda metric_id: Metric.objects.select_for_update().filter(pk=metric_id)
    .values_list(*field_names(Metric)), ints=["metric_id"])


def _lock_metric(metric: Metric) -> Metric:
    """Lock the metric's row: every write of its values serialises on it, so two submissions
    of the same period cannot both insert, nor both move the old value to the history. The
    metric as it is now, read under the lock."""
    rows = _LOCK_METRIC.rows(metric_id=metric.pk)
    if not rows:
        raise Metric.DoesNotExist("The metric no longer exists.")
    return instance(Metric, rows[0])


@transaction.atomic
def metric_value_record(*, metric: Metric, period: date, value, note: str = "", user=None,
                        source: str = Source.FORM, today: date | None = None) -> RecordResult:
    """Store the value of `metric` for the period containing `period`.

    Idempotent per metric and period: the same value (and no new note) changes nothing; a
    different one replaces it and the old one is kept in MetricValueRevision with who entered
    it, when, and who replaced it. Raises ValidationError (see metrics/validation.py).
    """
    locked = _lock_metric(metric)
    period, number, note = validate_entry(metric=locked, day=period, value=value, note=note,
                                          today=today)
    now = timezone.now()
    current = MetricValue.objects.filter(metric=locked, period=period).first()
    if current is None:
        created = MetricValue.objects.create(
            organization_id=locked.organization_id, metric=locked, period=period, value=number,
            note=note, entered_by=user, entered_at=now, source=source)
        request_recompute(locked.organization_id)
        return RecordResult(created, "created")
    if current.value == number and (not note or note == current.note):
        return RecordResult(current, "unchanged")
    MetricValueRevision.objects.create(**_revision_fields(current, replaced_by=user, now=now))
    current.value, current.note = number, note
    current.entered_by, current.entered_at, current.source = user, now, source
    current.save(update_fields=["value", "note", "entered_by", "entered_at", "source"])
    request_recompute(locked.organization_id)
    return RecordResult(current, "replaced")


def _revision_fields(current: MetricValue, *, replaced_by, now) -> dict:
    return {
        "organization_id": current.organization_id, "metric_id": current.metric_id,
        "period": current.period, "value": current.value, "note": current.note,
        "entered_by_id": current.entered_by_id, "entered_at": current.entered_at,
        "source": current.source, "replaced_at": now, "replaced_by": replaced_by,
    }


@dataclass(frozen=True)
class ValueRow:
    """One validated value ready for a bulk write (period already snapped)."""

    metric_id: int
    period: date
    value: Decimal
    note: str = ""


@dataclass
class BulkResult:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    metric_ids: set = field(default_factory=set)
    # (metric_id, period) -> "created", "replaced" or "unchanged", for callers that answer
    # per row (the API).
    outcomes: dict = field(default_factory=dict)

    @property
    def written(self) -> int:
        return self.created + self.replaced


BATCH = 2000


@transaction.atomic
def metric_values_record_bulk(*, organization: Organization, rows: list[ValueRow], user=None,
                              source: str = Source.CSV) -> BulkResult:
    """Write many validated values in one transaction, in bulk (a few queries per 2,000 rows).

    The same rules as `metric_value_record`: new periods are inserted, changed values replace
    the old ones (kept as revisions), identical ones change nothing. Rows must be validated
    already (metrics/csv_import.py does it with metrics/validation.py) and unique per metric
    and period.
    """
    result = BulkResult()
    if not rows:
        return result
    metric_ids = sorted({row.metric_id for row in rows})
    # Lock the metrics (in id order, so two imports cannot deadlock) and check they belong here
    # and are open: an archive between preview and confirmation refuses the whole import.
    metrics = list(Metric.objects.select_for_update().filter(
        pk__in=metric_ids, organization=organization).order_by("pk"))
    if len(metrics) != len(metric_ids):
        raise ValidationError(gettext("Some metrics of this import no longer exist."))
    archived = [m.name for m in metrics if m.is_archived]
    if archived:
        raise ValidationError(gettext("These metrics were archived since the preview: %(join)s. "
                                      "Nothing was imported.") % {"join": ', '.join(archived)})
    periods = [row.period for row in rows]
    # Plain tuples, not model instances: this is the hot loop of a 100,000-row import.
    existing = {
        (metric_id, period): (pk, value, note, entered_by_id, entered_at, source)
        for pk, metric_id, period, value, note, entered_by_id, entered_at, source
        in MetricValue.objects.filter(
            metric_id__in=metric_ids, period__gte=min(periods), period__lte=max(periods)
        ).values_list("pk", "metric_id", "period", "value", "note", "entered_by_id",
                      "entered_at", "source")
    }
    now = timezone.now()
    user_id = getattr(user, "pk", None)
    new_values, changed, revisions = [], [], []
    for row in rows:
        current = existing.get((row.metric_id, row.period))
        if current is None:
            result.outcomes[(row.metric_id, row.period)] = "created"
            new_values.append(row)
            continue
        pk, value, note, entered_by_id, entered_at, old_source = current
        if value == row.value and (not row.note or row.note == note):
            result.unchanged += 1
            result.outcomes[(row.metric_id, row.period)] = "unchanged"
            continue
        result.outcomes[(row.metric_id, row.period)] = "replaced"
        revisions.append(MetricValueRevision(
            organization_id=organization.pk, metric_id=row.metric_id, period=row.period,
            value=value, note=note, entered_by_id=entered_by_id, entered_at=entered_at,
            source=old_source, replaced_at=now, replaced_by_id=user_id))
        changed.append(MetricValue(pk=pk, value=row.value, note=row.note,
                                   entered_by_id=user_id, entered_at=now, source=source))
    _insert_values(organization.pk, new_values, user_id=user_id, now=now, source=source)
    MetricValueRevision.objects.bulk_create(revisions, batch_size=BATCH)
    MetricValue.objects.bulk_update(changed, ["value", "note", "entered_by", "entered_at",
                                              "source"], batch_size=500)
    result.created, result.replaced = len(new_values), len(changed)
    result.metric_ids = set(metric_ids)
    if result.written:
        request_recompute(organization)
    return result


def _insert_values(organization_id: int, rows: list[ValueRow], *, user_id, now, source) -> None:
    """Insert new values in bulk (PostgreSQL's COPY: a 100,000-row import in about a second
    instead of tens of seconds through the ORM)."""
    insert_rows(MetricValue, ("organization_id", "metric_id", "period", "value", "note",
                              "entered_by_id", "entered_at", "source"),
                ((organization_id, row.metric_id, row.period, row.value, row.note, user_id, now,
                  source) for row in rows), batch_size=BATCH)


def value_import_stage(*, organization: Organization, user, filename: str,
                       content: bytes) -> ValueImport:
    """Keep an uploaded file until its preview is confirmed."""
    return staged.stage(ValueImport, organization=organization, user=user, filename=filename,
                        content=content)


@transaction.atomic
def value_import_confirm(*, value_import: ValueImport, user, today: date | None = None):
    """Import the valid rows of a staged file, once. Returns (preview, BulkResult), or
    (None, None) when it was confirmed before.

    The import row is locked and marked confirmed in the same transaction as the values, so a
    second confirmation (a double click, a reload) imports nothing; and it would change
    nothing anyway, since recording the same value again is a no-op.
    """
    from metrics.csv_import import parse_values_csv

    locked = staged.claim(value_import)
    if locked is None:
        return None, None
    preview = parse_values_csv(bytes(locked.content), organization=locked.organization,
                               today=today)
    if preview.error:
        raise ValidationError(preview.error)
    result = metric_values_record_bulk(organization=locked.organization, rows=preview.rows,
                                       user=user, source=Source.CSV)
    staged.mark_confirmed(locked, result=result, refused=preview.refused)
    return preview, result


