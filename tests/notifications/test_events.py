"""Each event's timing on a fixed clock, who gets it, and once only."""

from datetime import date, timedelta

import pytest
from django.core import mail

from alignment_portal.notifications import services
from alignment_portal.notifications.models import NotificationEvent, PersonSettings, Preference
from alignment_portal.notifications.tasks import run_pass
from alignment_portal.organizations.models import Membership, Role
from alignment_portal.scoring.models import Flag
from tests.factories import MembershipFactory, MetricValueFactory, UserFactory
from tests.notifications.conftest import at, run, told

STAFF = "acme-staff@example.com"
pytestmark = pytest.mark.usefixtures("no_digests")


def test_nothing_is_sent_while_the_value_is_fresh(weekly):
    assert run(at(date(2026, 11, 10))) == []
    assert mail.outbox == []


def test_value_due_goes_to_the_metric_owner_the_day_before_its_deadline(weekly):
    report = run(at(date(2026, 11, 11)))
    assert told(report) == {("value_due", STAFF, "email")}
    assert "due tomorrow" in mail.outbox[0].body
    assert run(at(date(2026, 11, 12))) == []  # the deadline itself: told already


def test_overdue_goes_to_the_metric_owner_the_day_after_its_deadline(weekly):
    run(at(date(2026, 11, 11)))
    assert run(at(date(2026, 11, 12, ), hour=23)) == []
    report = run(at(date(2026, 11, 13), hour=0))
    assert told(report) == {("value_overdue", STAFF, "email")}
    assert mail.outbox[-1].subject == "1 value overdue in Acme Bakery"
    assert run(at(date(2026, 11, 19))) == []  # still overdue, not escalated: quiet


def test_escalation_reaches_the_owner_owners_and_consultants_but_not_viewers(tenancy, weekly):
    run(at(date(2026, 11, 13)))
    report = run(at(date(2026, 11, 20)))
    assert told(report) == {("value_escalated", f"acme-{role}@example.com", "email")
                            for role in ("staff", "owner", "consultant")} | {
        ("value_escalated", "consultant-both@example.com", "email")}
    assert run(at(date(2026, 11, 21))) == []


def test_an_owner_overdue_and_escalated_at_once_gets_one_email_that_says_both(tenancy,
                                                                              weekly):
    report = run(at(date(2026, 11, 25)))  # the first pass ever, already past escalation
    mine = [s for s in report if s.recipient == STAFF]
    assert [s.kind for s in mine] == ["value_overdue"]
    email = next(m for m in mail.outbox if m.to == [STAFF])
    assert "escalated to the owners and consultants" in email.body
    assert NotificationEvent.objects.filter(recipient=f"user:{tenancy.user('staff').pk}",
                                            kind="value_escalated").count() == 1
    assert run(at(date(2026, 11, 26))) == []


def test_logging_a_value_starts_the_cycle_again(weekly):
    run(at(date(2026, 11, 13)))
    MetricValueFactory(metric=weekly, period=date(2026, 11, 9), value=6)
    assert run(at(date(2026, 11, 17))) == []  # fresh again: counted from 9 Nov
    assert told(run(at(date(2026, 11, 18)))) == {("value_due", STAFF, "email")}
    report = run(at(date(2026, 11, 20)))  # 9 Nov + 11 days
    assert told(report) == {("value_overdue", STAFF, "email")}


def test_a_metric_without_values_counts_from_the_day_it_was_created(tenancy):
    import time_machine

    from tests.factories import MetricFactory

    with time_machine.travel(at(date(2026, 11, 1)), tick=False):
        MetricFactory(organization=tenancy.org, name="New", frequency="weekly",
                      owner=tenancy.user("staff"))
    assert run(at(date(2026, 11, 9))) == []  # deadline 11 Nov
    assert told(run(at(date(2026, 11, 10)))) == {("value_due", STAFF, "email")}
    assert "no value logged yet" in mail.outbox[0].body
    assert told(run(at(date(2026, 11, 12)))) == {("value_overdue", STAFF, "email")}


def test_archived_metrics_and_departed_owners_are_not_told(tenancy, weekly):
    Membership.objects.filter(user=tenancy.user("staff"), organization=tenancy.org).delete()
    assert run(at(date(2026, 11, 13))) == []


def test_a_high_flag_opened_is_told_to_owners_and_consultants_once(tenancy):
    when = at(date(2026, 11, 18))
    Flag.objects.create(organization=tenancy.org, code="MISALIGNED", severity="high",
                        subject_type="initiative", subject_id="1", subject_label="Oven timers",
                        params={"legacy": {"message": "Live, no link to an active goal.",
                                           "suggested_fix": "Link it."}},
                        first_seen_at=when - timedelta(hours=2))
    Flag.objects.create(organization=tenancy.org, code="UNMEASURED", severity="medium",
                        subject_type="initiative", subject_id="1", subject_label="Oven timers",
                        params={"legacy": {"message": "No measurement.",
                                           "suggested_fix": "Measure it."}},
                        first_seen_at=when - timedelta(hours=2))
    report = run(when)
    assert told(report) == {("flag_high", f"acme-{r}@example.com", "email")
                            for r in ("owner", "consultant")} | {
        ("flag_high", "consultant-both@example.com", "email")}
    assert "Oven timers" in mail.outbox[0].body and "UNMEASURED" not in mail.outbox[0].body
    assert run(when + timedelta(hours=1)) == []


def test_an_old_flag_is_not_announced(tenancy):
    when = at(date(2026, 11, 18))
    Flag.objects.create(organization=tenancy.org, code="MISALIGNED", severity="high",
                        subject_type="initiative", subject_id="1", subject_label="Old",
    params={"legacy": {"message": "m",
                       "suggested_fix": "f"}}, first_seen_at=when - timedelta(days=9))
    assert run(when) == []


def test_a_duplicated_task_sends_each_event_once(weekly, django_capture_on_commit_callbacks):
    import time_machine

    with time_machine.travel(at(date(2026, 11, 13)), tick=False):
        first = run_pass.delay().get()
        second = run_pass.apply().get()
    assert first >= 1 and second == 0
    assert [m.to for m in mail.outbox].count([STAFF]) == 1


def test_two_passes_planned_at_once_send_each_event_once(weekly):
    """Two workers plan the same pass; the unique constraint lets only one claim it."""
    from django.core.mail import mailers

    from alignment_portal.notifications import events

    when = at(date(2026, 11, 13))
    plan_a, plan_b = events.plan(when), events.plan(when)
    overdue = [m for m in plan_a + plan_b if m.kind == "value_overdue"]
    assert len(overdue) == 2
    sent = [services._send_email(m, when.date(), mailers.default) for m in overdue]
    assert [s is not None for s in sent] == [True, False]
    assert len([m for m in mail.outbox if "overdue" in m.subject]) == 1


def test_opted_out_kinds_are_not_sent_and_other_kinds_still_are(tenancy, weekly):
    Preference.objects.create(user=tenancy.user("staff"), organization=tenancy.org,
                              kind="value_overdue", enabled=False)
    assert run(at(date(2026, 11, 13))) == []
    report = run(at(date(2026, 11, 20)))
    assert ("value_escalated", STAFF, "email") in told(report)


def test_quiet_weekends_hold_emails_until_monday(tenancy, weekly):
    PersonSettings.objects.create(user=tenancy.user("staff"), quiet_weekends=True)
    assert run(at(date(2026, 11, 14))) == []  # Saturday 14 Nov: overdue, held
    assert run(at(date(2026, 11, 15))) == []
    assert told(run(at(date(2026, 11, 16)))) == {("value_overdue", STAFF, "email")}


def test_a_person_without_an_email_address_is_skipped(tenancy, weekly):
    user = tenancy.user("staff")
    user.email = ""
    user.save()
    assert run(at(date(2026, 11, 13))) == []


def test_dry_run_records_and_sends_nothing(weekly):
    report = run(at(date(2026, 11, 13)), dry_run=True)
    assert told(report) == {("value_overdue", STAFF, "email")}
    assert mail.outbox == [] and not NotificationEvent.objects.exists()
    assert told(run(at(date(2026, 11, 13)))) == {("value_overdue", STAFF, "email")}


def test_a_failing_email_is_recorded_and_the_others_still_go(tenancy, weekly, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    from alignment_portal.notifications.models import Notification

    original = EmailBackend.send_messages

    def refuse_staff(self, messages):
        if messages[0].to == [STAFF]:
            raise ConnectionRefusedError("mail server down")
        return original(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_staff)
    report = run(at(date(2026, 11, 20)))  # staff overdue+escalated, the others escalated
    statuses = {s.recipient: s.status for s in report}
    assert statuses[STAFF] == "failed"
    assert {statuses[f"acme-{r}@example.com"] for r in ("owner", "consultant")} == {"sent"}
    failed = Notification.objects.get(status="failed")
    assert "mail server down" in failed.error
    assert len(mail.outbox) == 3
    assert run(at(date(2026, 11, 21))) == []  # recorded: not retried into a duplicate


def test_the_pass_reads_a_fixed_number_of_queries_whatever_the_organizations(
        tenancy, weekly, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from alignment_portal.notifications import events
    from tests.factories import MetricFactory, OrganizationFactory

    when = at(date(2026, 11, 13))

    def plan_queries():
        with CaptureQueriesContext(connection) as captured:
            events.plan(when)
        return len(captured)

    small = plan_queries()
    for n in range(6):
        organization = OrganizationFactory(slug=f"more-{n}")
        owner = UserFactory(username=f"more-{n}-owner")
        MembershipFactory(user=owner, organization=organization, role=Role.OWNER)
        for k in range(5):
            metric = MetricFactory(organization=organization, frequency="weekly", owner=owner)
            MetricValueFactory(metric=metric, period=date(2026, 10, 5 + k))
        Preference.objects.create(user=owner, organization=organization, kind="digest",
                                  enabled=False)
    assert plan_queries() == small
    with django_assert_max_num_queries(small):
        events.plan(when + timedelta(days=1))


def test_beat_runs_the_pass_every_hour_and_the_old_daily_reminder_is_gone(settings):
    from celery.schedules import crontab

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["notifications-hourly-pass"]["task"] == run_pass.name
    assert isinstance(schedule["notifications-hourly-pass"]["schedule"], crontab)
    assert schedule["notifications-hourly-pass"]["schedule"].hour == set(range(24))
    assert "metrics-value-reminders" not in schedule
