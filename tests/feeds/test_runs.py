"""Pull runs end to end against the local server: what is stored, replaced, left unchanged
and refused, the run's record, FEED_FAILING, and what a run must never do."""

import json
from decimal import Decimal
from unittest import mock

import pytest
from django.db import DatabaseError

from alignment_portal.feeds import services
from alignment_portal.feeds.models import Feed, FeedRun, RunStatus
from alignment_portal.scoring import engine
from alignment_portal.scoring.models import Flag
from metrics.models import MetricValue, MetricValueRevision
from tests.feeds.conftest import monday, pull_feed


def long_csv(rows) -> str:
    return "metric,date,value,note\n" + "".join(f"{m},{d},{v},\n" for m, d, v in rows)


def wide_csv(header, rows) -> str:
    return ",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows)


def run(feed):
    return services.run_now(feed=Feed.objects.get(pk=feed.pk))


def values(metric):
    return {v.period: v.value for v in MetricValue.objects.filter(metric=metric)}


def test_a_long_csv_is_stored_and_the_run_recorded(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([
        ("Loaves wasted", monday(1), 27), ("Customer wait time at peak", monday(1), "\"6,5\""),
        ("Loaves wasted", monday(0), 24)]))
    feed = pull_feed(bakery["org"], url)
    result = run(feed)
    assert (result.status, result.stored, result.refused) == (RunStatus.OK, 3, 0), result.error
    assert values(bakery["waste"]) == {monday(1): Decimal(27), monday(0): Decimal(24)}
    assert MetricValue.objects.filter(metric=bakery["waste"]).first().source == "feed"
    assert result.http_status == 200 and result.bytes_read > 0 and result.finished_at


def test_a_json_list_is_stored(feed_server, bakery):
    url = feed_server.serve("/till.json", json.dumps([
        {"metric": "Loaves wasted", "date": str(monday(1)), "value": 30, "note": "rainy"},
        {"metric": "Customer wait time at peak", "date": str(monday(1)), "value": "7.5"}]),
        content_type="application/json")
    result = run(pull_feed(bakery["org"], url))
    assert (result.status, result.stored) == (RunStatus.OK, 2)
    assert MetricValue.objects.get(metric=bakery["waste"]).note == "rainy"


def test_a_second_run_answered_304_stores_nothing(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    feed = pull_feed(bakery["org"], url)
    run(feed)
    again = run(feed)
    assert again.status == RunStatus.NOT_MODIFIED and again.http_status == 304
    assert (again.stored, again.replaced, again.unchanged) == (0, 0, 0)
    assert MetricValue.objects.filter(metric=bakery["waste"]).count() == 1


def test_the_same_body_without_an_etag_is_not_read_again(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]),
                            etag=False)
    feed = pull_feed(bakery["org"], url)
    run(feed)
    with mock.patch("alignment_portal.feeds.services.read_body") as read_body:
        again = run(feed)
    assert again.status == RunStatus.NOT_MODIFIED and not read_body.called


def test_a_changed_value_replaces_and_keeps_the_old_one_in_the_history(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27),
                                                   ("Loaves wasted", monday(2), 20)]))
    feed = pull_feed(bakery["org"], url)
    run(feed)
    feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 28),
                                             ("Loaves wasted", monday(2), 20)]))
    result = run(feed)
    assert (result.stored, result.replaced, result.unchanged) == (0, 1, 1)
    assert MetricValueRevision.objects.get(metric=bakery["waste"]).value == 27


def test_refused_rows_never_stop_the_good_ones(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([
        ("Loaves wasted", monday(1), 27), ("Loaves wasted", monday(2), "NaN"),
        ("Nonexistent metric", monday(1), 5), ("Loaves wasted", monday(3), "=1+1")]))
    result = run(pull_feed(bakery["org"], url))
    assert (result.status, result.stored, result.refused) == (RunStatus.PARTIAL, 1, 3)
    reasons = " ".join(p["reason"] for p in result.problems)
    assert "not a number you can measure" in reasons and "spreadsheet formula" in reasons
    assert "“Nonexistent metric” is not a metric of this organization." in reasons
    assert Feed.objects.get(pk=result.feed_id).consecutive_failures == 0


def test_an_all_or_nothing_feed_stores_nothing_when_a_row_is_refused(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27),
                                                   ("Loaves wasted", monday(2), "-3")]))
    result = run(pull_feed(bakery["org"], url, all_or_nothing=True))
    assert result.status == RunStatus.FAILED and result.stored == 0
    assert "all-or-nothing: nothing was stored" in result.error
    assert not MetricValue.objects.filter(metric=bakery["waste"]).exists()


def test_a_feed_writes_only_its_own_organizations_metrics(feed_server, bakery, tenancy):
    # The other organization has a metric of the same name, and a forged mapping names it.
    url = feed_server.serve("/till.csv", wide_csv(["Week", "Loaves wasted", "Waste"],
                                                  [(monday(1), 27, 31)]))
    feed = pull_feed(bakery["org"], url)
    Feed.objects.filter(pk=feed.pk).update(metric_map={"Waste": bakery["foreign"].pk})
    result = run(feed)
    assert not MetricValue.objects.filter(organization=tenancy.other_org).exists()
    assert values(bakery["waste"]) == {monday(1): Decimal(27)}
    assert result.stored == 1


def test_a_mapping_naming_another_organizations_metric_is_refused(bakery):
    with pytest.raises(Exception, match="not this organization's"):
        pull_feed(bakery["org"], "http://127.0.0.1:9/x.csv",
                  metric_map={"Waste": bakery["foreign"].pk})


def test_a_mapped_column_ties_a_differently_named_column_to_a_metric(feed_server, bakery):
    url = feed_server.serve("/till.csv", wide_csv(["Week", "Waste (loaves)", "Till float"],
                                                  [(monday(1), 27, 100)]))
    feed = pull_feed(bakery["org"], url, metric_map={"Waste (loaves)": bakery["waste"].pk,
                                                     "Till float": None})
    result = run(feed)
    assert (result.status, result.stored, result.refused) == (RunStatus.OK, 1, 0)
    assert values(bakery["waste"]) == {monday(1): Decimal(27)}


def test_a_column_gone_from_the_sheet_fails_the_run_in_words(feed_server, bakery):
    url = feed_server.serve("/till.csv", wide_csv(["Week", "Wait time", "Loaves wasted"],
                                                  [(monday(1), 6.5, 27)]))
    feed = pull_feed(bakery["org"], url, metric_map={"Wait time": bakery["wait"].pk})
    assert run(feed).status == RunStatus.OK
    feed_server.serve("/till.csv", wide_csv(["Week", "Waiting", "Loaves wasted"],
                                            [(monday(0), 6.1, 22)]))
    result = run(feed)
    assert result.status == RunStatus.FAILED
    assert result.error == "the sheet now has no column 'Wait time'"
    assert result.stored == 1  # the columns still there keep arriving
    assert result.problems == [{"line": 1, "reason": "Column “Waiting” is not a metric of "
                                                     "this organization; its values were "
                                                     "skipped."}]


@pytest.mark.parametrize(("route", "words"), [
    ({"status": 403, "body": "no", "etag": False}, "the server answered 403 (Forbidden)"),
    ({"delay": 6, "body": "metric,date,value\n"}, "timed out after 4 s"),
    ({"body": "just some words"}, "the columns were not recognised"),
    ({"body": ""}, "the file is empty."),
])
def test_a_failed_run_says_why_in_words(feed_server, bakery, route, words):
    url = feed_server.serve("/till.csv", **route)
    result = run(pull_feed(bakery["org"], url))
    assert result.status == RunStatus.FAILED and result.error.startswith(words), result.error


def open_feed_flags(org):
    return Flag.objects.filter(organization=org, code="FEED_FAILING", resolved_at=None)


def test_two_failed_runs_in_a_row_raise_feed_failing_and_a_success_resolves_it(
        feed_server, bakery):
    org = bakery["org"]
    url = feed_server.serve("/till.csv", "no", status=403, etag=False)
    feed = pull_feed(org, url)
    run(feed)
    engine.recompute(org.pk)
    assert not open_feed_flags(org).exists()  # one failure is not yet failing
    run(feed)
    engine.recompute(org.pk)
    flag = open_feed_flags(org).get()
    assert flag.severity == "high" and flag.subject_type == "feed"
    assert flag.subject_id == str(feed.pk) and "the server answered 403" in flag.message
    feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    run(feed)
    engine.recompute(org.pk)
    assert not open_feed_flags(org).exists()
    assert Flag.objects.get(pk=flag.pk).resolved_at is not None


def test_a_run_that_changes_the_failure_state_requests_a_recompute(feed_server, bakery):
    url = feed_server.serve("/till.csv", "no", status=500, etag=False)
    feed = pull_feed(bakery["org"], url)
    with mock.patch("alignment_portal.feeds.services.request_recompute") as request:
        run(feed)
        assert not request.called  # one failure changes no flag
        run(feed)
        assert request.called


def test_a_revoked_feed_raises_no_flag(feed_server, bakery):
    org = bakery["org"]
    feed = pull_feed(org, feed_server.serve("/till.csv", "no", status=403, etag=False))
    run(feed)
    run(feed)
    services.feed_revoke(feed=Feed.objects.get(pk=feed.pk))
    engine.recompute(org.pk)
    assert not open_feed_flags(org).exists()


def test_a_crash_while_writing_leaves_nothing_half_written(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    feed = pull_feed(bakery["org"], url)
    queued = FeedRun.objects.create(organization=bakery["org"], feed=feed, trigger="manual")
    with mock.patch("alignment_portal.feeds.services.FeedRun.save",
                    side_effect=DatabaseError("disk full")):
        with pytest.raises(DatabaseError):
            services.execute_run(queued.pk)
    assert not MetricValue.objects.filter(metric=bakery["waste"]).exists()
    feed.refresh_from_db()
    assert feed.last_run_at is None and feed.consecutive_failures == 0
    services.release_run(queued.pk)  # what the task does before it retries
    assert services.execute_run(queued.pk).status == RunStatus.OK
    assert MetricValue.objects.filter(metric=bakery["waste"]).count() == 1


def test_a_run_is_claimed_once(feed_server, bakery):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    feed = pull_feed(bakery["org"], url)
    queued = FeedRun.objects.create(organization=bakery["org"], feed=feed, trigger="manual")
    assert services.execute_run(queued.pk).status == RunStatus.OK
    assert services.execute_run(queued.pk) is None  # a second delivery does nothing
    assert feed_server.hits["/till.csv"] == 1


def test_due_feeds_are_queued_once_and_move_to_their_next_time(feed_server, bakery,
                                                                django_capture_on_commit_callbacks):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    feed = pull_feed(bakery["org"], url, schedule="hourly")
    with django_capture_on_commit_callbacks(execute=True):
        queued = services.queue_due_feeds()
    assert len(queued) == 1
    assert FeedRun.objects.get(pk=queued[0]).status == RunStatus.OK  # ran in-process
    with django_capture_on_commit_callbacks(execute=True):
        assert services.queue_due_feeds() == []  # not due until the next hour
    feed.refresh_from_db()
    assert feed.next_run_at.minute == 0 and feed.next_run_at > feed.last_run_at


def test_daily_feeds_are_next_due_at_their_hour(bakery):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    feed = Feed(schedule="daily", daily_hour=6)
    at = datetime(2026, 12, 1, 7, 30, tzinfo=ZoneInfo("UTC"))
    assert services.next_run_after(feed, at) == datetime(2026, 12, 2, 6, 0,
                                                          tzinfo=ZoneInfo("UTC"))
    early = datetime(2026, 12, 1, 5, 0, tzinfo=ZoneInfo("UTC"))
    assert services.next_run_after(feed, early).day == 1


def test_metrics_fed_by_a_failing_feed_say_so_beside_their_freshness(feed_server, bakery,
                                                                     tenancy):
    url = feed_server.serve("/till.csv", long_csv([("Loaves wasted", monday(1), 27)]))
    feed = pull_feed(bakery["org"], url)
    run(feed)
    feed_server.serve("/till.csv", "no", status=403, etag=False)
    run(feed)
    run(feed)
    page = tenancy.client("viewer").get(f"/o/{bakery['org'].slug}/metrics/")
    assert "Feed failing: Till export" in page.content.decode()
    detail = tenancy.client("viewer").get(f"/o/{bakery['org'].slug}/metrics/"
                                          f"{bakery['waste'].pk}/")
    assert "Feed failing: Till export" in detail.content.decode()
    other = tenancy.client("viewer").get(f"/o/{bakery['org'].slug}/metrics/"
                                         f"{bakery['wait'].pk}/")
    assert "Feed failing" not in other.content.decode()
    log = tenancy.client("staff").get(f"/o/{bakery['org'].slug}/metrics/log/").content.decode()
    assert (f'<a class="badge bad" href="/o/{bakery["org"].slug}/feeds/{feed.pk}/" title="'
            in log)
    assert log.count("Feed failing: Till export") == 1
