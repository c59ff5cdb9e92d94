"""The demo's story, as the README tells it: one pass emails the bakery's staff member the
value they owe and escalates it to the owner; a second pass sends nothing new; the
consultant's weekly digest covers all four clients."""

from datetime import UTC, datetime
from io import StringIO

import time_machine
from django.core import mail
from django.core.management import call_command

WEDNESDAY = datetime(2026, 11, 18, 9, 5, tzinfo=UTC)


def test_the_demo_pass_tells_the_bakery_story_once(db):
    with time_machine.travel(WEDNESDAY, tick=False):
        call_command("seed_demo", stdout=StringIO())
        first = StringIO()
        call_command("notify", stdout=first)
        second = StringIO()
        call_command("notify", stdout=second)
    lines = first.getvalue().splitlines()
    assert any(line.split()[:2] == ["value_overdue", "bakery-staff@demo.example"]
               for line in lines)
    assert any(line.split()[:2] == ["value_escalated", "bakery-owner@demo.example"]
               for line in lines)
    staff = next(m for m in mail.outbox if m.to == ["bakery-staff@demo.example"]
                 and "overdue" in m.subject)
    assert "Average order value" in staff.body and "/o/bakery/metrics/log/?metrics=" in \
        staff.body
    digest = next(m for m in mail.outbox if m.to == ["consultant@demo.example"]
                  and m.subject.startswith("Weekly digest"))
    for name in ("Main Street Bakery", "Brightside Marketing Agency", "Thread & Needle Boutique",
                 "Ledgerly"):
        assert f"== {name} ==" in digest.body
    assert second.getvalue().strip() == "0 notifications sent."
