"""The daily reminder: one email per person, opted-out memberships skipped, once a day."""

from datetime import date

import pytest
from django.core import mail

from alignment_portal.organizations.models import Membership
from metrics import services
from metrics.tasks import send_value_reminders
from tests.factories import MetricFactory, MetricValueFactory

TODAY = date(2026, 11, 18)


@pytest.fixture
def owed(tenancy):
    staff = tenancy.user("staff")
    consultant = tenancy.users["consultant"]
    for name in ("Wait time", "Loaves wasted"):
        MetricFactory(organization=tenancy.org, name=name, owner=staff, frequency="weekly")
    done = MetricFactory(organization=tenancy.org, name="Done already", owner=staff,
                         frequency="monthly")
    MetricValueFactory(metric=done, period=date(2026, 11, 1))
    MetricFactory(organization=tenancy.org, name="Acme sales", owner=consultant)
    MetricFactory(organization=tenancy.other_org, name="Rival leads", owner=consultant)
    return tenancy


def test_one_email_per_person_listing_every_due_metric(owed):
    sent = services.reminders_send(today=TODAY)
    assert sent == 2 and len(mail.outbox) == 2
    by_recipient = {m.to[0]: m for m in mail.outbox}
    staff_mail = by_recipient[owed.user("staff").email]
    assert "Wait time" in staff_mail.body and "Loaves wasted" in staff_mail.body
    assert "Done already" not in staff_mail.body
    assert "/o/acme/metrics/log/" in staff_mail.body
    consultant_mail = by_recipient[owed.users["consultant"].email]
    assert "Acme sales" in consultant_mail.body and "Rival leads" in consultant_mail.body
    assert "/o/rival/metrics/log/" in consultant_mail.body


def test_opted_out_memberships_are_skipped(owed):
    Membership.objects.filter(user=owed.users["consultant"], organization=owed.other_org
                              ).update(email_reminders=False)
    Membership.objects.filter(user=owed.user("staff")).update(email_reminders=False)
    services.reminders_send(today=TODAY)
    assert len(mail.outbox) == 1
    assert "Acme sales" in mail.outbox[0].body and "Rival leads" not in mail.outbox[0].body


def test_a_second_run_on_the_same_day_sends_nothing(owed):
    services.reminders_send(today=TODAY)
    assert services.reminders_send(today=TODAY) == 0
    assert len(mail.outbox) == 2


def test_the_beat_task_runs_the_service(owed, settings):
    assert settings.CELERY_BEAT_SCHEDULE["metrics-value-reminders"]["task"] == \
        "metrics.send_value_reminders"
    send_value_reminders.delay()
    assert len(mail.outbox) == 2


def test_a_name_with_a_line_break_stored_before_the_fix_does_not_stop_anyones_reminders(owed):
    """The probe: an organization named "...\\r\\nBcc: ..." made the reminder task raise and
    roll back, so nobody's reminders went out, every day."""
    from alignment_portal.organizations.models import Organization

    Organization.objects.filter(pk=owed.org.pk).update(name="Acme\r\nBcc: victim@example.com")
    assert services.reminders_send(today=TODAY) == 2
    subjects = [m.subject for m in mail.outbox]
    assert any("Acme Bcc: victim@example.com" in s for s in subjects)
    assert all("\n" not in s and "\r" not in s for s in subjects)
    assert not any(m.bcc for m in mail.outbox)


def test_one_failing_recipient_is_recorded_and_the_others_still_get_theirs(owed, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    from metrics.models import ReminderSent

    staff_email = owed.user("staff").email
    real_send = EmailBackend.send_messages

    def refuse_staff(self, messages):
        if messages[0].to == [staff_email]:
            raise ConnectionRefusedError("mailbox unavailable")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", refuse_staff)
    assert services.reminders_send(today=TODAY) == 1
    assert [m.to for m in mail.outbox] == [[owed.users["consultant"].email]]
    failed = ReminderSent.objects.get(user=owed.user("staff"))
    assert failed.failed_at is not None and "mailbox unavailable" in failed.error
    # A later run the same day retries only the failed one.
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert services.reminders_send(today=TODAY) == 1
    assert [m.to for m in mail.outbox][-1] == [staff_email]
    failed.refresh_from_db()
    assert failed.failed_at is None and failed.error == "" and failed.attempts == 2
    assert services.reminders_send(today=TODAY) == 0
