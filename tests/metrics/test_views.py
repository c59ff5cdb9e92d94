"""Every metrics view: roles, tenancy, the Log values page, import confirmation, exports."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from alignment_portal.notifications import services as notifications
from alignment_portal.notifications.rules import Kind
from metrics.models import Metric, MetricValue, MetricValueRevision, ValueImport
from metrics.periods import period_label, period_start
from tests.factories import MetricFactory, MetricValueFactory

ROLES = ["viewer", "staff", "consultant", "owner"]


@pytest.fixture
def metric(tenancy):
    return MetricFactory(organization=tenancy.org, name="Wait time", unit="minutes",
                         frequency="weekly", owner=tenancy.user("staff"))


@pytest.fixture
def other_metric(tenancy):
    return MetricFactory(organization=tenancy.other_org, name="Their metric")


def _views(metric, value):
    """(url name, kwargs, method, weakest role)"""
    m = {"metric_id": metric.pk}
    return [
        ("metrics:list", {}, "get", "viewer"),
        ("metrics:todo", {}, "get", "viewer"),
        ("metrics:export_values", {}, "get", "viewer"),
        ("metrics:export_definitions", {}, "get", "viewer"),
        ("metrics:detail", m, "get", "viewer"),
        ("metrics:value", {**m, "value_id": value.pk}, "get", "viewer"),
        ("metrics:log", {}, "get", "staff"),
        ("metrics:import", {}, "get", "staff"),
        ("metrics:log_value", m, "post", "staff"),
        ("metrics:create", {}, "get", "consultant"),
        ("metrics:library", {}, "get", "consultant"),
        ("metrics:edit", m, "get", "consultant"),
        ("metrics:archive", m, "post", "consultant"),
    ]


def test_views_answer_by_role(tenancy, metric):
    value = MetricValueFactory(metric=metric, period=date(2026, 1, 5))
    for name, kwargs, method, weakest in _views(metric, value):
        url = reverse(name, kwargs={"org_slug": tenancy.org.slug, **kwargs})
        for role in ROLES:
            if method == "post" and ROLES.index(role) >= ROLES.index(weakest):
                continue  # the allowed POSTs are exercised by their own tests
            response = getattr(tenancy.client(role), method)(url)
            expected = 200 if ROLES.index(role) >= ROLES.index(weakest) else 403
            assert response.status_code == expected, (name, role, response.status_code)


def test_outsiders_and_other_organizations_ids_get_404(tenancy, metric, other_metric):
    value = MetricValueFactory(metric=metric, period=date(2026, 1, 5))
    other_value = MetricValueFactory(metric=other_metric, period=date(2026, 1, 5))
    for name, kwargs, method, _ in _views(metric, value):
        url = reverse(name, kwargs={"org_slug": tenancy.org.slug, **kwargs})
        assert getattr(tenancy.client_for(tenancy.users["outsider"]), method)(url).status_code \
            == 404
        assert getattr(tenancy.client("owner", tenancy.other_org), method)(url).status_code \
            == 404
        if kwargs:
            foreign = {k: (other_metric.pk if k == "metric_id" else other_value.pk)
                       for k in kwargs}
            url = reverse(name, kwargs={"org_slug": tenancy.org.slug, **foreign})
            assert getattr(tenancy.client("owner"), method)(url).status_code == 404, name
    assert MetricValue.objects.filter(metric=other_metric).count() == 1


def test_staff_can_log_but_cannot_edit_definitions(tenancy, metric):
    client = tenancy.client("staff")
    response = client.post(reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
                           {"period": timezone.localdate(), "value": "7"})
    assert response.status_code == 302
    assert MetricValue.objects.get(metric=metric).value == 7
    assert client.post(reverse("metrics:edit", args=[tenancy.org.slug, metric.pk]),
                       {"name": "Renamed"}).status_code == 403
    assert client.post(reverse("metrics:create", args=[tenancy.org.slug]),
                       {"name": "New"}).status_code == 403
    assert client.post(reverse("metrics:archive", args=[tenancy.org.slug, metric.pk])
                       ).status_code == 403
    assert client.post(reverse("metrics:library", args=[tenancy.org.slug]),
                       {"key": "nps"}).status_code == 403
    metric.refresh_from_db()
    assert metric.name == "Wait time" and metric.archived_at is None


def test_viewers_can_neither_log_nor_edit(tenancy, metric):
    client = tenancy.client("viewer")
    assert client.post(reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
                       {"period": timezone.localdate(), "value": "7"}).status_code == 403
    assert client.post(reverse("metrics:edit", args=[tenancy.org.slug, metric.pk]),
                       {"name": "Renamed"}).status_code == 403
    upload = SimpleUploadedFile("v.csv", b"metric,date,value\nWait time,2026-01-05,3\n")
    assert client.post(reverse("metrics:import", args=[tenancy.org.slug]),
                       {"file": upload}).status_code == 403
    assert not MetricValue.objects.exists()


def test_consultant_creates_edits_and_archives_a_metric(tenancy):
    client = tenancy.client("consultant")
    data = {"name": "Queue length", "definition": "People waiting at 8am.", "kind": "KPI",
            "nature": "outcome", "level": "operational", "unit": "count",
            "direction": "lower", "frequency": "weekly", "owner": tenancy.user("staff").pk,
            "source": "form"}
    response = client.post(reverse("metrics:create", args=[tenancy.org.slug]), data)
    metric = Metric.objects.get(organization=tenancy.org, name="Queue length")
    assert response.status_code == 302
    response = client.post(reverse("metrics:edit", args=[tenancy.org.slug, metric.pk]),
                           {**data, "kind": "KVI"})
    metric.refresh_from_db()
    assert metric.kind == "KVI"
    client.post(reverse("metrics:archive", args=[tenancy.org.slug, metric.pk]))
    metric.refresh_from_db()
    assert metric.is_archived


def test_owner_must_be_a_member(tenancy):
    outsider = tenancy.users["outsider"]
    response = tenancy.client("owner").post(reverse("metrics:create", args=[tenancy.org.slug]), {
        "name": "X", "kind": "KPI", "nature": "outcome", "level": "operational",
        "unit": "count", "direction": "higher", "frequency": "weekly", "owner": outsider.pk,
        "source": "form"})
    assert response.status_code == 200
    assert not Metric.objects.filter(name="X").exists()


def test_library_adds_in_one_click_with_htmx(tenancy):
    client = tenancy.client("consultant")
    response = client.post(reverse("metrics:library", args=[tenancy.org.slug]),
                           {"key": "wait_time_peak"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Added" in body and "<html" not in body
    metric = Metric.objects.get(organization=tenancy.org, library_key="wait_time_peak")
    assert (metric.unit, metric.direction) == ("minutes", "lower")


def test_log_row_saves_through_htmx_and_reports_in_place(tenancy, metric):
    client = tenancy.client("staff")
    url = reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk])
    today = timezone.localdate()
    response = client.post(url, {"period": today, "value": "12,5"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-result="created"' in body and 'role="status"' in body and "<html" not in body
    response = client.post(url, {"period": today, "value": "-3"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-result="error"' in body and 'aria-invalid="true"' in body
    assert f'aria-describedby="m{metric.pk}-value_error"' in body and "negative" in body
    response = client.post(url, {"period": today, "value": "9"}, HTTP_HX_REQUEST="true")
    assert 'data-result="replaced"' in response.content.decode()
    assert MetricValue.objects.get(metric=metric).value == 9
    assert MetricValueRevision.objects.get(metric=metric).value == 12.5


def test_saving_an_earlier_period_reports_that_value_and_keeps_the_latest(tenancy, metric):
    today = timezone.localdate()
    MetricValueFactory(metric=metric, period=period_start("weekly", today), value=30)
    earlier = period_start("weekly", today) - timedelta(weeks=3)
    response = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"period": earlier + timedelta(days=2), "value": "12"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'data-result="created"' in body
    assert f"Saved 12 for {period_label('weekly', earlier)}." in body
    assert f"Last: 30 minutes, {period_label('weekly', period_start('weekly', today))}" in body
    assert MetricValue.objects.get(metric=metric, period=earlier).value == 12


def test_a_saved_value_becomes_the_last_one_shown(tenancy, metric):
    today = timezone.localdate()
    MetricValueFactory(metric=metric, period=period_start("weekly", today) - timedelta(weeks=1),
                       value=30)
    body = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"period": today, "value": "7"}, HTTP_HX_REQUEST="true").content.decode()
    label = period_label("weekly", period_start("weekly", today))
    assert f"Saved 7 for {label}." in body and f"Last: 7 minutes, {label}" in body


def test_logging_a_value_takes_the_same_queries_however_many_values_exist(
        tenancy, metric, django_assert_max_num_queries):
    client = tenancy.client("staff")
    url = reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk])
    monday = period_start("weekly", timezone.localdate())
    with django_assert_max_num_queries(10) as few:
        client.post(url, {"period": monday, "value": "1"}, HTTP_HX_REQUEST="true")
    for week in range(1, 60):
        MetricValueFactory(metric=metric, period=monday - timedelta(weeks=week))
    MetricFactory.create_batch(20, organization=tenancy.org)
    with django_assert_max_num_queries(10) as many:
        response = client.post(url, {"period": monday - timedelta(weeks=70), "value": "2"},
                               HTTP_HX_REQUEST="true")
    assert 'data-result="created"' in response.content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(("value", "period", "words"), [
    ("", None, "empty"), ("NaN", None, "not a number you can measure"),
    ("Infinity", None, "not a number you can measure"), ("abc", None, "not a number"),
    ("1e20", None, "too large"), ("5", "2099-01-01", "not started yet"),
    ("-1", None, "negative"),
])
def test_log_form_refuses_bad_input_with_a_clear_message(tenancy, metric, value, period, words):
    response = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"period": period or timezone.localdate(), "value": value}, HTTP_HX_REQUEST="true")
    assert words in response.content.decode()
    assert not MetricValue.objects.exists()


def test_log_form_refuses_a_percentage_above_100_and_archived_metrics(tenancy):
    rate = MetricFactory(organization=tenancy.org, unit="%")
    client = tenancy.client("staff")
    url = reverse("metrics:log_value", args=[tenancy.org.slug, rate.pk])
    assert "outside 0-100" in client.post(url, {"period": timezone.localdate(), "value": "101"},
                                          HTTP_HX_REQUEST="true").content.decode()
    rate.archived_at = timezone.now()
    rate.save()
    assert "archived" in client.post(url, {"period": timezone.localdate(), "value": "50"},
                                     HTTP_HX_REQUEST="true").content.decode()
    assert not MetricValue.objects.exists()


def test_log_values_prefills_the_current_period_and_lists_due_first(tenancy, metric):
    done = MetricFactory(organization=tenancy.org, name="Aaa done", frequency="monthly")
    MetricValueFactory(metric=done, period=period_start("monthly", timezone.localdate()))
    body = tenancy.client("staff").get(reverse("metrics:log", args=[tenancy.org.slug])
                                       ).content.decode()
    current = period_start("weekly", timezone.localdate()).isoformat()
    assert f'value="{current}"' in body
    assert body.index("Wait time") < body.index("Aaa done")
    assert "js/log-values.js" in body and "<script>" not in body


def test_log_values_lists_only_this_organizations_metrics_after_another_ones(
        tenancy, metric, other_metric):
    """Its query is compiled once per process: the next organization's page runs it anew."""
    theirs = tenancy.client("staff", tenancy.other_org).get(
        reverse("metrics:log", args=[tenancy.other_org.slug])).content.decode()
    ours = tenancy.client("staff").get(reverse("metrics:log", args=[tenancy.org.slug])
                                       ).content.decode()
    assert "Their metric" in theirs and "Wait time" not in theirs
    assert "Wait time" in ours and "Their metric" not in ours


def test_log_values_escapes_a_metric_name_in_every_sentence_of_its_row(tenancy):
    MetricFactory(organization=tenancy.org, name="<b>Fish & chips</b>", unit="minutes")
    body = tenancy.client("staff").get(reverse("metrics:log", args=[tenancy.org.slug])
                                       ).content.decode()
    escaped = "&lt;b&gt;Fish &amp; chips&lt;/b&gt;"
    assert "<b>Fish" not in body
    assert f'<span class="visually-hidden"> of {escaped}</span>' in body
    assert f'<span class="visually-hidden"> for {escaped}</span>' in body
    assert f"Save<span class=\"visually-hidden\"> {escaped}</span>" in body


def _make_metrics(organization, n):
    start = Metric.objects.filter(organization=organization).count()
    for i in range(start, start + n):
        metric = MetricFactory(organization=organization, name=f"Bulk {i}")
        MetricValueFactory(metric=metric, period=date(2026, 1, 1))


def test_log_values_query_count_does_not_grow_with_metrics(tenancy,
                                                           django_assert_max_num_queries):
    client = tenancy.client("staff")
    url = reverse("metrics:log", args=[tenancy.org.slug])
    _make_metrics(tenancy.org, 3)
    with django_assert_max_num_queries(5) as small:
        assert client.get(url).status_code == 200
    _make_metrics(tenancy.org, 40)
    with django_assert_max_num_queries(5) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_metric_list_query_count_does_not_grow(tenancy, django_assert_max_num_queries):
    _make_metrics(tenancy.org, 30)
    client = tenancy.client("viewer")
    with django_assert_max_num_queries(8):
        body = client.get(reverse("metrics:list", args=[tenancy.org.slug])).content.decode()
    assert body.count("Stale") >= 30


def test_metric_page_shows_chart_freshness_values_and_history(tenancy, metric):
    from tests.factories import GoalFactory

    GoalFactory(cycle__organization=tenancy.org, metric=metric, baseline_value=12,
                target_value=6)
    for i in range(30):
        MetricValueFactory(metric=metric, period=date(2025, 1, 6).fromordinal(
            date(2025, 1, 6).toordinal() + 7 * i), value=10 + i)
    client = tenancy.client("viewer")
    url = reverse("metrics:detail", args=[tenancy.org.slug, metric.pk])
    body = client.get(url).content.decode()
    assert "chart-data" in body and "plotly/plotly.min.js" in body and "target" in body
    assert "Page 1 of 2" in body and "Stale" in body
    fragment = client.get(url + "?page=2&part=values", HTTP_HX_REQUEST="true").content.decode()
    assert "Page 2 of 2" in fragment and "<html" not in fragment


def test_metric_page_query_count_does_not_grow_with_values_goals_or_history(
        tenancy, metric, django_assert_max_num_queries):
    """The page with its chart, values table and history reads a fixed number of queries
    (the chart's points also count the values table: no COUNT of its own)."""
    from tests.factories import GoalFactory

    client, staff = tenancy.client("viewer"), tenancy.client("staff")
    url = reverse("metrics:detail", args=[tenancy.org.slug, metric.pk])

    def replace(week):
        staff.post(reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
                   {"period": date(2025, 1, 6) + timedelta(weeks=week), "value": "99"})

    MetricValueFactory(metric=metric, period=date(2025, 1, 6), value=1)
    replace(0)
    cycle = GoalFactory(cycle__organization=tenancy.org, metric=metric, baseline_value=12,
                        target_value=6).cycle
    with django_assert_max_num_queries(13) as few:
        assert client.get(url).status_code == 200
    for i in range(1, 104):
        MetricValueFactory(metric=metric, period=date(2025, 1, 6) + timedelta(weeks=i),
                           value=10 + i)
    GoalFactory.create_batch(2, cycle=cycle, metric=metric, baseline_value=3, target_value=9)
    for week in range(1, 5):
        replace(week)
    assert MetricValueRevision.objects.filter(metric=metric).count() == 5
    with django_assert_max_num_queries(13) as many:
        body = client.get(url).content.decode()
    assert "104 values from" in body and "Page 1 of 5" in body
    assert len(many.captured_queries) == len(few.captured_queries)


def test_html_in_notes_is_shown_as_text(tenancy, metric):
    MetricValueFactory(metric=metric, period=date(2026, 1, 5), note="<b>x</b>")
    body = tenancy.client("viewer").get(
        reverse("metrics:detail", args=[tenancy.org.slug, metric.pk])).content.decode()
    assert "&lt;b&gt;x&lt;/b&gt;" in body


def test_import_previews_then_confirmed_twice_stores_each_value_once(tenancy, metric):
    client = tenancy.client("staff")
    csv = "metric;date;value;note\nWait time;05.01.2026;7,5;\nWait time;12.01.2026;x;\n"
    upload = SimpleUploadedFile("v.csv", ("\ufeff" + csv).encode())
    response = client.post(reverse("metrics:import", args=[tenancy.org.slug]),
                           {"file": upload})
    body = response.content.decode()
    assert "nothing is imported yet" in body and "“x” is not a number" in body
    assert not MetricValue.objects.exists()
    staged = ValueImport.objects.get()
    confirm = reverse("metrics:import_confirm", args=[tenancy.org.slug])
    client.post(confirm, {"import": staged.pk})
    client.post(confirm, {"import": staged.pk})
    assert MetricValue.objects.filter(metric=metric).count() == 1
    assert MetricValue.objects.get().source == "csv"
    # Uploading and confirming the same file again changes nothing either.
    upload = SimpleUploadedFile("v.csv", csv.encode())
    client.post(reverse("metrics:import", args=[tenancy.org.slug]), {"file": upload})
    client.post(confirm, {"import": ValueImport.objects.latest("pk").pk})
    assert MetricValue.objects.count() == 1 and not MetricValueRevision.objects.exists()


def test_another_organizations_import_cannot_be_confirmed(tenancy, metric):
    staged = ValueImport.objects.create(organization=tenancy.other_org,
                                        content=b"metric,date,value\n")
    response = tenancy.client("owner").post(
        reverse("metrics:import_confirm", args=[tenancy.org.slug]), {"import": staged.pk})
    assert response.status_code == 404


def test_import_refuses_a_file_over_5_mb(tenancy, metric):
    upload = SimpleUploadedFile("big.csv", b"metric,date,value\n" + b"x" * (5 * 1024 * 1024))
    body = tenancy.client("staff").post(reverse("metrics:import", args=[tenancy.org.slug]),
                                        {"file": upload}).content.decode()
    assert "the limit is 5 MB" in body
    assert not ValueImport.objects.exists()


def test_value_export_neutralises_formulas(tenancy, metric):
    MetricValueFactory(metric=metric, period=date(2026, 1, 5), value=-3, note="@evil")
    response = tenancy.client("viewer").get(
        reverse("metrics:export_values", args=[tenancy.org.slug]))
    text = b"".join(response.streaming_content).decode()
    assert "Wait time,2026-01-05,-3,'@evil" in text
    defs = b"".join(tenancy.client("viewer").get(
        reverse("metrics:export_definitions", args=[tenancy.org.slug])).streaming_content)
    assert b"Wait time" in defs and b"Their metric" not in defs


def test_todo_lists_my_due_metrics_and_turns_reminders_off(tenancy, metric):
    client = tenancy.client("staff")
    body = client.get(reverse("metrics:todo", args=[tenancy.org.slug])).content.decode()
    assert "Wait time" in body
    client.post(reverse("metrics:reminders", args=[tenancy.org.slug]), {})
    enabled = notifications.preferences_for(user=tenancy.user("staff"),
                                            organization=tenancy.org)
    assert not enabled[Kind.VALUE_DUE] and not enabled[Kind.VALUE_OVERDUE]
    assert enabled[Kind.DIGEST]  # only the reminder kinds
    other = notifications.preferences_for(user=tenancy.user("staff", tenancy.other_org),
                                          organization=tenancy.other_org)
    assert other[Kind.VALUE_DUE]
    body = client.get(reverse("metrics:todo", args=[tenancy.org.slug])).content.decode()
    assert 'id="email_reminders" name="email_reminders">' in body  # shown off


def test_every_log_values_input_has_its_label(tenancy):
    """The inputs are written by hand for speed: each must still be tied to a label."""
    import re

    from django.urls import reverse

    from tests.factories import MetricFactory

    metrics = [MetricFactory(organization=tenancy.org) for _ in range(3)]
    body = tenancy.client("staff").get(
        reverse("metrics:log", args=[tenancy.org.slug])).content.decode()
    labelled = set(re.findall(r'<label for="([^"]+)"', body))
    for metric in metrics:
        for field in ("value", "period", "note"):
            assert f"m{metric.pk}-{field}" in labelled, (metric.name, field)


HUGE = "1e999999999999999999"


def test_a_huge_exponent_in_the_form_is_a_message_not_a_500(tenancy, metric):
    response = tenancy.client("staff").post(
        reverse("metrics:log_value", args=[tenancy.org.slug, metric.pk]),
        {"period": timezone.localdate().isoformat(), "value": HUGE}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "is too large" in response.content.decode()
    assert not MetricValue.objects.exists()


def test_a_huge_exponent_in_a_csv_refuses_that_line_only(tenancy, metric):
    day = period_start("weekly", timezone.localdate())
    before = day - timedelta(days=7)
    csv = f"metric,date,value\nWait time,{before},{HUGE}\nWait time,{day},4\n"
    response = tenancy.client("staff").post(
        reverse("metrics:import", args=[tenancy.org.slug]),
        {"file": SimpleUploadedFile("v.csv", csv.encode())})
    body = response.content.decode()
    assert response.status_code == 200
    assert "is too large" in body and "1 value ready to import" in body


@pytest.mark.parametrize("import_id", ["abc", "1e5", "-1", "9" * 40, ""])
def test_a_malformed_import_id_on_confirm_is_a_message(tenancy, metric, import_id):
    response = tenancy.client("staff").post(
        reverse("metrics:import_confirm", args=[tenancy.org.slug]), {"import": import_id},
        follow=True)
    assert response.status_code == 200
    assert "That import is unknown" in response.content.decode()


def test_a_definition_over_its_limit_is_refused_with_a_message_not_cut(tenancy):
    """The probe stored a 2.4 MB description (and history copied it on every edit)."""
    response = tenancy.client("consultant").post(
        reverse("metrics:create", args=[tenancy.org.slug]),
        {"name": "Long one", "definition": "x" * 4001, "kind": "KPI", "nature": "outcome",
         "level": "operational", "unit": "count", "direction": "higher",
         "frequency": "monthly", "source": "form"})
    assert response.status_code == 200
    assert "at most 4000 characters (it has 4001)" in response.content.decode()
    assert not Metric.objects.filter(name="Long one").exists()


def test_a_metric_name_with_a_line_break_is_refused(tenancy):
    response = tenancy.client("consultant").post(
        reverse("metrics:create", args=[tenancy.org.slug]),
        {"name": "Sales\r\nBcc: x@example.com", "kind": "KPI", "nature": "outcome",
         "level": "operational", "unit": "count", "direction": "higher",
         "frequency": "monthly", "source": "form"})
    assert "keep it on one line" in response.content.decode()
    assert not Metric.objects.filter(name__startswith="Sales").exists()


def test_an_upload_is_refused_from_its_content_length_before_it_is_read(tenancy, metric):
    """The probe: the size was checked only after the whole body had arrived."""
    from django.test import RequestFactory

    from alignment_portal.lib.uploads import UploadLimitMiddleware

    def view(request):
        raise AssertionError("the view must not run")

    request = RequestFactory().post(reverse("metrics:import", args=[tenancy.org.slug]))
    request.META["CONTENT_TYPE"] = "multipart/form-data; boundary=x"
    request.META["CONTENT_LENGTH"] = str(50 * 1024 * 1024)
    request.user = tenancy.user("staff")
    response = UploadLimitMiddleware(view)(request)
    assert response.status_code == 413
    assert "over 5 MB, the limit" in response.content.decode()


def test_an_upload_over_the_limit_gets_413_and_stores_nothing(tenancy, metric, settings):
    settings.MAX_UPLOAD_BYTES = 64 * 1024
    upload = SimpleUploadedFile("big.csv", b"metric,date,value\n" + b"x" * (200 * 1024))
    client = tenancy.client("staff")
    response = client.post(reverse("metrics:import", args=[tenancy.org.slug]),
                           {"file": upload})
    assert response.status_code == 413  # refused from the length the client sent
    assert not ValueImport.objects.exists()


def test_the_streaming_guard_stops_a_body_without_a_length(tenancy):
    from django.core.files.uploadhandler import StopUpload
    from django.test import RequestFactory

    from alignment_portal.lib.uploads import LimitedUploadHandler

    request = RequestFactory().post("/")
    handler = LimitedUploadHandler(request, limit=1000)
    handler.receive_data_chunk(b"x" * 600, 0)
    with pytest.raises(StopUpload):
        handler.receive_data_chunk(b"x" * 600, 600)
    assert "the limit" in request.upload_refused


def test_unconfirmed_imports_are_purged_after_a_day(tenancy, settings):
    from datetime import timedelta as td

    from alignment_portal.lib.staged import purge_unconfirmed
    from metrics.tasks import purge_unconfirmed_imports

    now = timezone.now()
    old = ValueImport.objects.create(organization=tenancy.org, content=b"x" * 100,
                                     uploaded_at=now - td(hours=25))
    fresh = ValueImport.objects.create(organization=tenancy.org, content=b"x",
                                       uploaded_at=now - td(hours=23))
    done = ValueImport.objects.create(organization=tenancy.org, content=b"",
                                      uploaded_at=now - td(days=5), confirmed_at=now)
    assert purge_unconfirmed_imports.delay().get() == 1
    assert set(ValueImport.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert old.pk not in ValueImport.objects.values_list("pk", flat=True)
    assert purge_unconfirmed(ValueImport) == 0  # a second run deletes nothing
    task = settings.CELERY_BEAT_SCHEDULE["metrics-purge-unconfirmed-imports"]["task"]
    assert task == "metrics.purge_unconfirmed_imports"


def test_a_german_reader_downloads_semicolons_and_decimal_commas_that_import_back(tenancy,
                                                                                  metric):
    MetricValueFactory(metric=metric, period=date(2026, 1, 5), value=Decimal("1234.5"),
                       note="1.5 hours; =cmd")
    response = tenancy.client("viewer").get(
        reverse("metrics:export_values", args=[tenancy.org.slug]), HTTP_ACCEPT_LANGUAGE="de")
    text = b"".join(response.streaming_content).decode()
    # The note is text: never re-written; formulas still neutralised; the number localised.
    assert text.splitlines() == ["metric;date;value;note",
                                 'Wait time;2026-01-05;1234,5;"1.5 hours; =cmd"']
    from metrics.csv_import import parse_values_csv

    preview = parse_values_csv(text.encode(), organization=tenancy.org)
    assert [row.value for row in preview.rows] == [Decimal("1234.5")], preview.problems
    english = tenancy.client("viewer").get(
        reverse("metrics:export_values", args=[tenancy.org.slug]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Wait time,2026-01-05,1234.5," in b"".join(english.streaming_content).decode()
