"""A feed failing (FEED_FAILING: two runs in a row failed) is told once per failing streak to
the owners, the consultants and whoever set the feed up; the weekly digest lists failing feeds
and what the automation did (impact evidence, with its n's and p)."""

from datetime import date, timedelta

import pytest
from django.core import mail

from alignment_portal.feeds.models import Feed
from alignment_portal.scoring.models import Flag, ImpactEvidence
from tests.factories import InitiativeFactory, MetricFactory
from tests.notifications.conftest import at, run
from tests.notifications.test_webhooks import _connect, chat  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

WHEN = at(date(2026, 11, 18))
CONSULTANTS = {"acme-owner@example.com", "acme-consultant@example.com",
               "consultant-both@example.com"}


@pytest.fixture
def feed(tenancy):
    return Feed.objects.create(
        organization=tenancy.org, name="Till export", kind="pull",
        url="https://example.com/till.csv", created_by=tenancy.user("staff"),
        consecutive_failures=1, last_error="HTTP 500 from example.com",
        last_success_at=WHEN - timedelta(days=3))


def _feed_messages(report):
    return {(s.recipient, s.channel) for s in report if s.kind == "feed_failing"}


def test_one_failed_run_tells_nobody(no_digests, feed):
    assert _feed_messages(run(WHEN)) == set()


def test_two_failed_runs_tell_owners_consultants_and_the_feeds_creator_once(no_digests, feed):
    feed.consecutive_failures = 2
    feed.save()
    report = run(WHEN)
    assert _feed_messages(report) == {(email, "email") for email in
                                      CONSULTANTS | {"acme-staff@example.com"}}
    email = next(m for m in mail.outbox if m.to == ["acme-owner@example.com"])
    assert "Till export" in email.body and "HTTP 500 from example.com" in email.body
    assert f"/o/{feed.organization.slug}/feeds/" in email.body
    assert f"/o/{feed.organization.slug}/feeds/{feed.pk}/" in email.alternatives[0][0]
    assert email.extra_headers["List-Unsubscribe"]
    assert run(WHEN + timedelta(hours=1)) == []


def test_the_feeds_high_flag_is_not_told_twice_as_a_flag(tenancy, no_digests, feed):
    feed.consecutive_failures = 2
    feed.save()
    Flag.objects.create(organization=tenancy.org, code="FEED_FAILING", severity="high",
                        subject_type="feed", subject_id=str(feed.pk), subject_label=feed.name,
                        params={"legacy": {"message": "Two runs in a row failed.",
                                           "suggested_fix": "Check it."}},
                        first_seen_at=WHEN - timedelta(hours=1))
    kinds = {s.kind for s in run(WHEN)}
    assert kinds == {"feed_failing"}


def test_a_feed_that_recovers_and_fails_again_is_told_again(no_digests, feed):
    feed.consecutive_failures = 2
    feed.save()
    assert _feed_messages(run(WHEN))
    feed.consecutive_failures, feed.last_success_at = 0, WHEN + timedelta(hours=2)
    feed.save()
    assert _feed_messages(run(WHEN + timedelta(hours=3))) == set()
    feed.consecutive_failures = 2
    feed.save()
    assert _feed_messages(run(WHEN + timedelta(hours=6)))


def test_a_revoked_feed_and_an_opted_out_person_are_not_told(tenancy, no_digests, feed):
    from alignment_portal.notifications.models import Preference

    feed.consecutive_failures = 3
    feed.save()
    Preference.objects.create(user=tenancy.user("staff"), organization=tenancy.org,
                              kind="feed_failing", enabled=False)
    assert ("acme-staff@example.com", "email") not in _feed_messages(run(WHEN))
    other = Feed.objects.create(organization=tenancy.org, name="Old sheet", kind="pull",
                                url="https://example.com/old.csv", consecutive_failures=5,
                                revoked_at=WHEN - timedelta(days=1))
    assert not any(other.name in m.body for m in mail.outbox)


def test_the_organizations_channel_gets_it_when_the_owner_chose_it(tenancy, no_digests, feed,
                                                                   chat):  # noqa: F811
    _connect(tenancy, chat, kinds=("feed_failing",))
    feed.consecutive_failures = 2
    feed.save()
    assert (f"{tenancy.org.slug} channel", "slack") in _feed_messages(run(WHEN))
    (body,) = chat.received
    assert body["text"] == f"{tenancy.org.name}: 1 feed failing"
    assert "Till export: 2 runs in a row failed" in body["blocks"][1]["text"]["text"]
    assert body["blocks"][2]["elements"][0]["url"].endswith(f"/o/{tenancy.org.slug}/feeds/")


def test_the_digest_lists_failing_feeds_and_what_the_automation_did(tenancy, feed):
    feed.consecutive_failures = 2
    feed.save()
    metric = MetricFactory(organization=tenancy.org, name="Wait at peak", unit="minutes",
                           frequency="weekly", direction="lower")
    common = {"organization": tenancy.org, "metric": metric, "n_before": 9, "n_after": 12,
              "detrended": False, "go_live_date": date(2026, 8, 3),
              "after_start": date(2026, 8, 3), "before_median": 7.5, "after_median": 5.7}
    ImpactEvidence.objects.create(
        initiative=InitiativeFactory(organization=tenancy.org, name="Queue tickets"),
        verdict="improved", tau=0.7, p=0.004, effect=-1.8, effect_pct=-24.0, **common)
    ImpactEvidence.objects.create(
        initiative=InitiativeFactory(organization=tenancy.org, name="Oven timers"),
        verdict="no clear change", tau=0.1, p=0.6, effect=-0.1, effect_pct=-1.0, **common)
    monday = at(date(2026, 11, 16), hour=8)
    report = run(monday, digests=True)
    assert any(s.kind == "digest" and s.recipient == "acme-owner@example.com" for s in report)
    digest = next(m for m in mail.outbox if m.to == ["acme-owner@example.com"]
                  and "digest" in m.subject.lower())
    text, html = digest.body, digest.alternatives[0][0]
    assert "Feeds failing: 1" in text and "Till export" in text
    assert ("What the automation did: 1 initiative improved, 1 with no clear change, "
            "0 worsened, 0 with not enough data yet") in text
    assert "Queue tickets: Wait at peak fell by 1.8 minutes (−24 %)" in text
    assert "p = 0.004, 9 weeks before, 12 after" in text
    assert "Oven timers:" not in text  # no change to tell, only counted
    assert "Queue tickets" in html and "Till export" in html
