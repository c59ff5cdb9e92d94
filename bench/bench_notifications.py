"""The hourly notification pass over 50 size-M organizations (issue 20's target: <= 10 s on
one worker, a fixed number of queries whatever the number of organizations).

Each M organization (seed_load, without its scores) gets two staff members who own its
metrics in turn and two high flags; about 15 % of the metrics are stale, so the first pass
sends overdue emails to the staff, escalations to the owner and the consultant (who belongs
to all 50), high flags, and the week's digests. Emails go to Django's in-memory backend (the
figure is the pass's own work, not an SMTP server's). Measured:

- "first": the pass that sends everything (messages sent, seconds, queries);
- "again": the pass right after, the hourly steady state: nothing new, so it only reads
  (seconds, queries), run 5 times, the median reported;
- the steady pass's queries for 10 and for 50 organizations (must be equal).
"""

import statistics
import sys
import time

M_ORGS = 50
TARGET_SECONDS = 10.0


def _timed_queries(function, *args, **kwargs):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()  # the log keeps 9,000: count from empty
    with CaptureQueriesContext(connection) as captured:
        started, cpu = time.perf_counter(), time.process_time()
        result = function(*args, **kwargs)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    _timed_queries.cpu = cpu  # this process's CPU seconds: what a busy machine does not inflate
    return seconds, len(captured), result


def _flags(organizations):
    """Two high flags per organization, first seen an hour ago (the seed skips the scoring,
    the slow part of seeding; the pass only reads the flags)."""
    from datetime import timedelta

    from django.utils import timezone

    from alignment_portal.scoring.models import Flag

    seen = timezone.now() - timedelta(hours=1)
    Flag.objects.bulk_create([
        Flag(organization=organization, code=code, severity="high", subject_type="initiative",
             subject_id=str(k), subject_label=f"Initiative {k}", message="Live, no link to an "
             "active goal.", suggested_fix="Link it to the goal it serves.", first_seen_at=seen)
        for organization in organizations for k, code in ((1, "MISALIGNED"), (2, "WORSENED"))])


def _staff(organizations):
    """Two staff members per organization, owning its metrics in turn."""
    from django.contrib.auth import get_user_model

    from alignment_portal.organizations.models import Membership, Role
    from metrics.models import Metric

    User = get_user_model()
    for organization in organizations:
        people = []
        for k in (1, 2):
            user, _ = User.objects.get_or_create(
                username=f"{organization.slug}-staff-{k}",
                defaults={"email": f"{organization.slug}-staff-{k}@load.example"})
            Membership.objects.get_or_create(user=user, organization=organization,
                                             defaults={"role": Role.STAFF})
            people.append(user)
        for i, metric in enumerate(Metric.objects.filter(organization=organization)
                                   .order_by("pk")):
            metric.owner = people[i % 2]
            metric.save(update_fields=["owner"])


def run():
    from django.core import mail
    from django.core.management import call_command
    from django.test.utils import override_settings

    from alignment_portal.notifications import events, services
    from alignment_portal.notifications.models import Notification
    from alignment_portal.organizations.models import Organization

    seed_seconds = time.perf_counter()
    call_command("seed_load", size="M", orgs=M_ORGS, no_scores=True, verbosity=0,
                 stdout=_Null())
    seed_seconds = time.perf_counter() - seed_seconds
    organizations = list(Organization.objects.filter(slug__startswith="load-m-")
                         .order_by("pk"))
    _staff(organizations)
    _flags(organizations)

    with override_settings(MAILERS={"default": {
            "BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}):
        mail.outbox = []
        # The planning reads for 10 organizations, then for all 50.
        ids = [o.pk for o in organizations]
        _, plan_queries_10, _ = _timed_queries(events.plan, organization_ids=ids[:10])
        _, plan_queries_50, _ = _timed_queries(events.plan, organization_ids=ids)

        first_seconds, first_queries, report = _timed_queries(services.run_pass)
        first_cpu = _timed_queries.cpu
        sent = len(report)
        emails = len(mail.outbox)
        again = []
        for _ in range(5):
            seconds, again_queries, report_again = _timed_queries(services.run_pass)
            again.append((seconds, _timed_queries.cpu))
            assert report_again == [], report_again
        failed = Notification.objects.filter(status="failed").count()

    again_s = statistics.median(seconds for seconds, _ in again)
    again_cpu = statistics.median(cpu for _, cpu in again)
    per_message = (first_queries - again_queries) / sent if sent else 0
    import os

    return [
        (f"seed M ({M_ORGS} orgs, 2 high flags each)", f"{seed_seconds:.1f} s"),
        (f"first pass: {sent} messages ({emails} emails, {failed} failed)",
         _verdict(first_seconds)),
        ("first pass: CPU of this process", f"{first_cpu:.3f} s"),
        ("first pass: queries", f"{first_queries} ({per_message:.1f} per message sent)"),
        ("again (nothing new, median of 5)", _verdict(again_s)),
        ("again: CPU of this process", f"{again_cpu:.3f} s"),
        ("again: queries", f"{again_queries}"),
        ("planning queries: 10 / 50 organizations",
         f"{plan_queries_10} / {plan_queries_50}"
         + (" (equal)" if plan_queries_10 == plan_queries_50 else " (NOT EQUAL)")),
        ("machine load average (1 min) at the end",
         f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"),
    ]


def _verdict(seconds: float) -> str:
    return f"{seconds:.3f} s (target <= {TARGET_SECONDS:g} s: " \
           f"{'met' if seconds <= TARGET_SECONDS else 'MISSED'})"


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["bench_notifications"]))
