"""The CSV preview says what will happen (issue 15, item 5): how many values replace one
already logged, with the old beside the new, the parsed numbers in plain view, and a warning
(not a refusal) for values far outside the metric's history."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from metrics.import_checks import History, import_checks
from metrics.services import ValueRow
from tests.factories import MetricFactory, MetricValueFactory


def _weeks(n):
    return [date(2026, 10, 5) + timedelta(days=7 * k) for k in range(n)]


def test_the_preview_counts_replacements_shows_the_values_and_warns_of_far_ones(tenancy):
    metric = MetricFactory(organization=tenancy.org, name="Wait time", unit="minutes",
                           frequency="weekly")
    weeks = _weeks(5)
    for week, value in zip(weeks[:4], [6.2, 7.1, 6.5, 6.9], strict=True):
        MetricValueFactory(metric=metric, period=week, value=value)
    csv = ("metric,date,value,note\n"
           f"Wait time,{weeks[0]},6.2,\n"     # the same: unchanged
           f"Wait time,{weeks[1]},7.4,\n"     # replaces 7.1
           f"Wait time,{weeks[2]},6.0,\n"     # replaces 6.5
           f"Wait time,{weeks[3]},150,\n"     # replaces 6.9, far outside the history
           f"Wait time,{weeks[4]},6.8,\n")    # new
    response = tenancy.client("staff").post(
        reverse("metrics:import", args=[tenancy.org.slug]),
        {"file": SimpleUploadedFile("v.csv", csv.encode())})
    html = response.content.decode()
    assert "1 new, 3 will replace a value already logged" in html
    assert "1 far outside its metric's history" in html
    assert "150 is far outside this metric" in html
    assert "<details><summary>The first" not in html  # the values are not folded away
    assert ">7.1<" in html and ">7.4<" in html


def test_far_outside_needs_a_history_and_a_real_departure():
    history = History(low=5, high=9, count=6)
    assert history.is_far(150) and history.is_far(1234.5)
    assert not history.is_far(12) and not history.is_far(4)
    assert not History(low=5, high=9, count=2).is_far(150)  # too little history to say


def test_import_checks_run_in_two_queries_whatever_the_rows(tenancy,
                                                             django_assert_num_queries):
    metric = MetricFactory(organization=tenancy.org)
    rows = [ValueRow(metric_id=metric.pk, period=week, value=k)
            for k, week in enumerate(_weeks(40))]
    with django_assert_num_queries(2):
        import_checks(tenancy.org, rows)


def test_log_values_saves_a_far_value_with_a_warning(tenancy):
    metric = MetricFactory(organization=tenancy.org, unit="minutes", frequency="weekly")
    for week, value in zip(_weeks(4), [6.2, 7.1, 6.5, 6.9], strict=True):
        MetricValueFactory(metric=metric, period=week, value=value)
    response = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"value": "150", "period": str(_weeks(5)[-1]), "note": ""}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert "Saved 150" in html
    assert "150 is far outside this metric" in html
    ordinary = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"value": "6.6", "period": str(_weeks(6)[-1]), "note": ""}, HTTP_HX_REQUEST="true")
    assert "far outside" not in ordinary.content.decode()
