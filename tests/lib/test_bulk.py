"""lib/bulk.py: many rows in one statement (COPY on PostgreSQL), constraints intact."""

from datetime import UTC, datetime, timedelta
from datetime import timezone as fixed_zone
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alignment_portal.lib.bulk import insert_rows
from alignment_portal.scoring.models import Flag, OrganizationScore
from metrics.models import MetricValue
from tests.factories import MetricFactory, OrganizationFactory

VALUE_COLUMNS = ("organization_id", "metric_id", "period", "value", "note", "entered_by_id",
                 "entered_at", "source")


@pytest.fixture
def metric(db):
    return MetricFactory(organization=OrganizationFactory())


def _value(metric, day, value, note=""):
    return (metric.organization_id, metric.pk, day, Decimal(value), note, None, timezone.now(),
            "csv")


def test_rows_are_inserted_in_one_statement_with_their_types(metric):
    days = [timezone.localdate().replace(day=1).replace(year=2020 + n) for n in range(5)]
    with CaptureQueriesContext(connection) as queries:
        insert_rows(MetricValue, VALUE_COLUMNS,
                    (_value(metric, day, f"{n}.25", note=f"<b>{n}</b>")
                     for n, day in enumerate(days)))
    assert len(queries) == 1  # COPY (counted by hand) or one INSERT
    stored = list(MetricValue.objects.filter(metric=metric).order_by("period")
                  .values_list("period", "value", "note"))
    assert stored == [(day, Decimal(f"{n}.25"), f"<b>{n}</b>") for n, day in enumerate(days)]


def test_nothing_to_insert_sends_nothing(metric):
    with CaptureQueriesContext(connection) as queries:
        insert_rows(MetricValue, VALUE_COLUMNS, iter(()))
    assert len(queries) == 0


def test_json_columns_round_trip(db):
    organization = OrganizationFactory()
    explanation = {"rung": 2, "next": {"unmet": [{"label": "D2 “Alignment”", "now": 62.5}]}}
    insert_rows(OrganizationScore,
                ("organization_id", "computed_at", "d1_goals", "d2_alignment", "d3_measurement",
                 "d4_feedback", "d5_integration", "rung", "misaligned_spend",
                 "misaligned_spend_share", "explanation", "open_flags"),
                [(organization.pk, timezone.now(), 1.0, 62.5, 0.0, 0.0, 0.0, 2,
                  Decimal("10.50"), 5.0, explanation, {"high": 1})])
    score = OrganizationScore.objects.get(organization=organization)
    assert score.explanation == explanation and score.open_flags == {"high": 1}


def test_a_row_breaking_a_constraint_inserts_nothing(metric):
    day = timezone.localdate().replace(day=1, year=2021)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(MetricValue, VALUE_COLUMNS, [_value(metric, day, "1"), _value(metric, day,
                                                                                   "2")])
    assert not MetricValue.objects.filter(metric=metric).exists()


def test_timestamps_keep_their_instant_and_a_missing_one_stays_null(db):
    organization = OrganizationFactory()
    seen = datetime(2026, 3, 29, 1, 30, 15, 123456, tzinfo=UTC)
    # The same instant twice, written in another zone; a repeated value is formatted once.
    elsewhere = seen.astimezone(fixed_zone(timedelta(hours=5, minutes=30)))
    insert_rows(Flag, ("organization_id", "code", "severity", "subject_type", "subject_id",
                       "subject_label", "params", "first_seen_at", "resolved_at"),
                [(organization.pk, "MISALIGNED", "high", "initiative", str(n), "X", {}, moment,
                  resolved)
                 for n, (moment, resolved) in enumerate([(seen, None), (elsewhere, seen),
                                                         (seen, elsewhere)])])
    stored = list(Flag.objects.filter(organization=organization).order_by("subject_id")
                  .values_list("first_seen_at", "resolved_at"))
    assert stored == [(seen, None), (seen, seen), (seen, seen)]
