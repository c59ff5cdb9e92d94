"""Queries compiled once (alignment_portal/lib/compiled.py) read what their queryset reads."""

from datetime import date
from decimal import Decimal

import pytest

from alignment_portal.lib.compiled import CompiledInQuery, CompiledQuery, field_names, instance
from metrics.models import Metric, MetricValue
from metrics.selectors import metric_with_latest, metrics_with_latest
from tests.factories import MetricFactory, MetricValueFactory

pytestmark = pytest.mark.django_db


def _values(organization_id, metric_id):
    return (MetricValue.objects.filter(organization_id=organization_id, metric_id=metric_id)
            .order_by("period").values_list("period", "value", "entered_at", "note"))


def test_it_reads_the_same_typed_rows_as_its_queryset_for_each_set_of_parameters(tenancy):
    query = CompiledQuery(_values, ints=["organization_id", "metric_id"])
    first, second = MetricFactory(organization=tenancy.org), MetricFactory(organization=tenancy.org)
    MetricValueFactory(metric=first, period=date(2026, 1, 5), value=Decimal("5.25"))
    MetricValueFactory(metric=second, period=date(2026, 1, 12), value=7)
    for metric in (first, second):
        rows = query.rows(organization_id=tenancy.org.pk, metric_id=metric.pk)
        assert rows == list(_values(tenancy.org.pk, metric.pk))
        assert isinstance(rows[0][0], date) and isinstance(rows[0][1], Decimal)


def test_it_keeps_organizations_apart(tenancy):
    query = CompiledQuery(_values, ints=["organization_id", "metric_id"])
    theirs = MetricFactory(organization=tenancy.other_org)
    MetricValueFactory(metric=theirs, period=date(2026, 1, 5))
    assert query.rows(organization_id=tenancy.org.pk, metric_id=theirs.pk) == []


def test_it_refuses_a_parameter_that_does_not_reach_the_sql_unchanged(tenancy):
    query = CompiledQuery(lambda name: Metric.objects.filter(name__icontains=name)
                          .values_list("pk"), strs=["name"])
    with pytest.raises(ValueError, match="must appear once"):
        query.rows(name="wait")


def test_a_metric_read_by_the_compiled_query_equals_the_orms(tenancy):
    metric = MetricFactory(organization=tenancy.org)
    MetricValueFactory(metric=metric, period=date(2026, 1, 5), value=3)
    MetricValueFactory(metric=metric, period=date(2026, 2, 2), value=4)
    compiled = metric_with_latest(tenancy.org, metric.pk)
    orm = metrics_with_latest(organization=tenancy.org, archived=None).get(pk=metric.pk)
    assert [getattr(compiled, f) for f in field_names(Metric)] == [
        getattr(orm, f) for f in field_names(Metric)]
    assert (compiled.latest_period, compiled.latest_value) == (date(2026, 2, 2), 4)
    assert metric_with_latest(tenancy.other_org, metric.pk) is None
    assert instance(Metric, [getattr(orm, f) for f in field_names(Metric)]).pk == metric.pk


def test_a_day_parameter_reads_what_the_queryset_reads(tenancy):
    def since(organization_id, day):
        return (MetricValue.objects.filter(organization_id=organization_id, period__gte=day)
                .order_by("period").values_list("period", "value"))

    query = CompiledQuery(since, ints=["organization_id"], dates=["day"])
    metric = MetricFactory(organization=tenancy.org)
    for period in (date(2026, 1, 5), date(2026, 1, 12), date(2026, 1, 19)):
        MetricValueFactory(metric=metric, period=period)
    for day in (date(2026, 1, 1), date(2026, 1, 12), date(2026, 2, 1)):
        assert query.rows(organization_id=tenancy.org.pk, day=day) == list(
            since(tenancy.org.pk, day))
    with pytest.raises(TypeError, match="must be a date"):
        query.rows(organization_id=tenancy.org.pk, day="2026-01-12")


def test_a_list_of_ids_reads_what_the_queryset_reads_whatever_its_length(tenancy):
    def of_metrics(organization_id, ids):
        return (MetricValue.objects.filter(organization_id=organization_id, metric_id__in=ids)
                .order_by("metric_id", "period").values_list("metric_id", "period"))

    query = CompiledInQuery(of_metrics, ints=["organization_id"], max_ids=2)
    metrics = [MetricFactory(organization=tenancy.org) for _ in range(3)]
    theirs = MetricFactory(organization=tenancy.other_org)
    for metric in [*metrics, theirs]:
        MetricValueFactory(metric=metric, period=date(2026, 1, 5))
    for ids in ([metrics[0].pk], [metrics[1].pk, metrics[2].pk],
                [m.pk for m in metrics], [metrics[0].pk, theirs.pk]):
        assert query.rows(organization_id=tenancy.org.pk, ids=ids) == list(
            of_metrics(tenancy.org.pk, ids))
    assert query.rows(organization_id=tenancy.org.pk, ids=[]) == []


def test_a_moment_parameter_reads_what_the_queryset_reads(tenancy):
    from datetime import UTC, datetime

    def entered_since(organization_id, moment):
        return (MetricValue.objects.filter(organization_id=organization_id,
                                           entered_at__gte=moment)
                .order_by("period").values_list("period", "entered_at"))

    query = CompiledQuery(entered_since, ints=["organization_id"], datetimes=["moment"])
    metric = MetricFactory(organization=tenancy.org)
    for day in (5, 12, 19):
        value = MetricValueFactory(metric=metric, period=date(2026, 1, day))
        MetricValue.objects.filter(pk=value.pk).update(
            entered_at=datetime(2026, 1, day, 9, 30, tzinfo=UTC))
    for moment in (datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 12, 9, 30, tzinfo=UTC),
                   datetime(2026, 1, 12, 9, 30, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC)):
        assert query.rows(organization_id=tenancy.org.pk, moment=moment) == list(
            entered_since(tenancy.org.pk, moment))
    with pytest.raises(TypeError, match="must be a datetime"):
        query.rows(organization_id=tenancy.org.pk, moment=date(2026, 1, 12))
