"""Writing values: idempotent per metric and period, history kept, safe under concurrency."""

import threading
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from metrics import services
from metrics.library import LIBRARY
from metrics.models import Metric, MetricValue, MetricValueRevision
from tests.factories import MetricFactory, OrganizationFactory, UserFactory

TODAY = date(2026, 11, 18)


@pytest.fixture
def metric(db):
    return MetricFactory(unit="minutes", frequency="weekly")


def test_recording_a_value_snaps_it_to_its_period(metric):
    result = services.metric_value_record(metric=metric, period=date(2026, 11, 13), value="7,5",
                                          today=TODAY)
    assert result.outcome == "created"
    assert result.value.period == date(2026, 11, 9)
    assert result.value.value == Decimal("7.5")


def test_recording_the_same_value_again_changes_nothing(metric):
    services.metric_value_record(metric=metric, period=TODAY, value="7", today=TODAY)
    with mock.patch("metrics.services.request_recompute") as recompute:
        result = services.metric_value_record(metric=metric, period=TODAY, value="7.000",
                                              today=TODAY)
    assert result.outcome == "unchanged"
    recompute.assert_not_called()
    assert MetricValue.objects.count() == 1
    assert MetricValueRevision.objects.count() == 0


def test_a_different_value_replaces_and_keeps_the_old_one_in_the_history(metric):
    first_user, second_user = UserFactory(), UserFactory()
    services.metric_value_record(metric=metric, period=TODAY, value="7", note="first",
                                 user=first_user, today=TODAY)
    result = services.metric_value_record(metric=metric, period=date(2026, 11, 20), value="9",
                                          user=second_user, today=TODAY)
    assert result.outcome == "replaced"
    assert MetricValue.objects.get().value == 9
    revision = MetricValueRevision.objects.get()
    assert (revision.value, revision.note, revision.entered_by, revision.replaced_by) == (
        7, "first", first_user, second_user)


def test_each_write_asks_for_one_recompute(metric):
    with mock.patch("metrics.services.request_recompute") as recompute:
        services.metric_value_record(metric=metric, period=TODAY, value="7", today=TODAY)
    recompute.assert_called_once_with(metric.organization_id)


def test_invalid_values_write_nothing(metric):
    with pytest.raises(ValidationError):
        services.metric_value_record(metric=metric, period=TODAY, value="-4", today=TODAY)
    assert not MetricValue.objects.exists()


def test_bulk_writes_new_replaced_and_unchanged_values_with_one_recompute(metric):
    services.metric_value_record(metric=metric, period=date(2026, 11, 2), value="5",
                                 today=TODAY)
    services.metric_value_record(metric=metric, period=date(2026, 11, 9), value="6",
                                 today=TODAY)
    rows = [services.ValueRow(metric.pk, date(2026, 11, 2), Decimal("5")),
            services.ValueRow(metric.pk, date(2026, 11, 9), Decimal("8")),
            services.ValueRow(metric.pk, date(2026, 11, 16), Decimal("9"))]
    with mock.patch("metrics.services.request_recompute") as recompute:
        result = services.metric_values_record_bulk(organization=metric.organization, rows=rows)
    assert (result.created, result.replaced, result.unchanged) == (1, 1, 1)
    recompute.assert_called_once()
    assert MetricValueRevision.objects.get().value == 6
    assert sorted(MetricValue.objects.values_list("value", flat=True)) == [5, 8, 9]


def test_bulk_refuses_metrics_of_another_organization(metric):
    other = MetricFactory(organization=OrganizationFactory())
    with pytest.raises(ValidationError):
        services.metric_values_record_bulk(
            organization=metric.organization,
            rows=[services.ValueRow(other.pk, date(2026, 11, 2), Decimal(1))])
    assert not MetricValue.objects.exists()


def test_the_library_has_at_least_twenty_complete_definitions():
    assert len(LIBRARY) >= 20
    names = {item.name for item in LIBRARY}
    for wanted in ["Customer satisfaction (CSAT)", "Net Promoter Score (NPS)",
                   "Customer churn rate", "Customer acquisition cost", "Conversion rate",
                   "Customer wait time at peak", "Customer lifetime value",
                   "Revenue per employee", "Inventory turnover", "Invoice processing time"]:
        assert wanted in names
    for item in LIBRARY:
        assert item.kind and item.nature and item.unit and item.direction and item.definition


def test_adding_from_the_library_copies_once(db):
    organization = OrganizationFactory()
    first = services.metric_add_from_library(organization=organization, key="nps")
    again = services.metric_add_from_library(organization=organization, key="nps")
    assert first.pk == again.pk
    assert (first.unit, first.kind, first.library_key) == ("score", "KPI", "nps")
    with pytest.raises(ValidationError):
        services.metric_add_from_library(organization=organization, key="no-such-thing")


def test_archived_metrics_refuse_values_and_can_be_restored(metric):
    services.metric_archive(metric=metric)
    with pytest.raises(ValidationError, match="archived"):
        services.metric_value_record(metric=metric, period=TODAY, value="1", today=TODAY)
    services.metric_archive(metric=metric, archived=False)
    assert services.metric_value_record(metric=metric, period=TODAY, value="1",
                                        today=TODAY).outcome == "created"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_of_one_period_store_one_value_and_one_revision():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real row locks")
    metric = MetricFactory(unit="count", frequency="weekly")
    barrier = threading.Barrier(4)
    outcomes, errors = [], []

    def submit(value):
        try:
            barrier.wait()
            outcomes.append(services.metric_value_record(
                metric=Metric.objects.get(pk=metric.pk), period=timezone.localdate(),
                value=value).outcome)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(v,)) for v in ("5", "5", "6", "7")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert MetricValue.objects.filter(metric=metric).count() == 1
    assert outcomes.count("created") == 1
    final = MetricValue.objects.get(metric=metric).value
    revisions = MetricValueRevision.objects.filter(metric=metric).count()
    written = [o for o in outcomes if o != "unchanged"]
    # Each write but the first moved exactly one old value to the history: none lost or doubled.
    assert revisions == len(written) - 1
    assert final in {5, 6, 7}
