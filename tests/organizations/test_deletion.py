"""Deleting an organization: asked with its name, 14 days' notice, cancellable, then done by
the periodic task, with mail at each step. On a fixed clock."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from alignment_portal.organizations import deletion
from alignment_portal.organizations.models import (
    Membership,
    Organization,
    SecurityEvent,
    SecurityEventKind,
)
from alignment_portal.organizations.owned_models import organization_models
from alignment_portal.organizations.tasks import delete_due_organizations
from goals.models import Goal
from tests.factories import CycleFactory, GoalFactory

ASKED = datetime(2026, 5, 4, 10, 30, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(ASKED, tick=False) as traveller:
        yield traveller


def _schedule(tenancy):
    return tenancy.client("owner").post(reverse("organization_delete", args=[tenancy.org.slug]),
                                        {"confirm_name": "Acme Bakery"})


def test_asking_schedules_the_deletion_14_days_later_and_tells_the_owners(
        tenancy, clock, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the mail goes after the commit
        _schedule(tenancy)
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for == ASKED + timedelta(days=14)
    assert [m.to for m in mailoutbox] == [[tenancy.user("owner").email]]
    assert "18 May 2026" in mailoutbox[0].subject
    event = SecurityEvent.objects.get(organization=tenancy.org,
                                      kind=SecurityEventKind.DELETION_SCHEDULED)
    assert event.actor == tenancy.user("owner")


def test_every_member_sees_when_it_will_be_deleted(tenancy, clock):
    _schedule(tenancy)
    page = tenancy.client("viewer").get(reverse("dashboard", args=[tenancy.org.slug]))
    body = page.content.decode()
    assert "scheduled for deletion on 18 May 2026" in body
    assert "Cancel the deletion" not in body  # only owners may cancel
    owner_page = tenancy.client("owner").get(reverse("dashboard", args=[tenancy.org.slug]))
    assert "Cancel the deletion" in owner_page.content.decode()


def test_a_wrong_name_schedules_nothing(tenancy, clock, mailoutbox):
    response = tenancy.client("owner").post(
        reverse("organization_delete", args=[tenancy.org.slug]), {"confirm_name": "acme bakery"})
    assert response.status_code == 400 and "exactly to confirm" in response.content.decode()
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for is None and mailoutbox == []


def test_an_owner_cancels_and_nothing_is_deleted(tenancy, clock, mailoutbox,
                                                django_capture_on_commit_callbacks):
    _schedule(tenancy)
    clock.shift(timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        response = tenancy.client("owner").post(
            reverse("organization_delete_cancel", args=[tenancy.org.slug]))
    assert response.status_code == 302
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for is None
    clock.shift(timedelta(days=30))
    assert delete_due_organizations.delay().get() == 0
    assert Organization.objects.filter(pk=tenancy.org.pk).exists()
    assert "cancelled" in mailoutbox[-1].subject
    assert SecurityEvent.objects.filter(organization=tenancy.org,
                                        kind=SecurityEventKind.DELETION_CANCELLED).exists()


def test_the_task_deletes_after_14_days_and_sends_a_final_mail(tenancy, clock, mailoutbox):
    goal = GoalFactory(cycle=CycleFactory(organization=tenancy.org))
    goal.title = "Edited, so it has history"
    goal.save()
    kept = GoalFactory(cycle=CycleFactory(organization=tenancy.other_org))
    _schedule(tenancy)
    clock.shift(timedelta(days=14) - timedelta(minutes=1))
    assert delete_due_organizations.delay().get() == 0
    assert Organization.objects.filter(pk=tenancy.org.pk).exists()
    clock.shift(timedelta(minutes=1))
    assert delete_due_organizations.delay().get() == 1
    assert not Organization.objects.filter(pk=tenancy.org.pk).exists()
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not Membership.objects.filter(organization_id=tenancy.org.pk).exists()
    # Nothing of it is left in any table, history included.
    left = {m._meta.label: m._base_manager.filter(organization_id=tenancy.org.pk).count()
            for m in organization_models()}
    assert not any(left.values()), left
    # Another organization, and the people's accounts, stay.
    assert Goal.objects.filter(pk=kept.pk).exists()
    tenancy.user("owner").refresh_from_db()
    assert mailoutbox[-1].subject == "Acme Bakery is deleted"
    assert mailoutbox[-1].to == [tenancy.user("owner").email]
    # A second run finds nothing to do.
    assert deletion.delete_due() == 0


def test_asking_twice_keeps_the_first_date(tenancy, clock):
    _schedule(tenancy)
    clock.shift(timedelta(days=5))
    response = _schedule(tenancy)
    assert response.status_code == 400 and "already scheduled" in response.content.decode()
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for == ASKED + timedelta(days=14)


@pytest.mark.parametrize("role", ["viewer", "staff", "consultant"])
def test_only_owners_schedule_or_cancel(tenancy, role):
    client = tenancy.client(role)
    slug = tenancy.org.slug
    assert client.post(reverse("organization_delete", args=[slug]),
                       {"confirm_name": "Acme Bakery"}).status_code == 403
    assert client.post(reverse("organization_delete_cancel", args=[slug])).status_code == 403
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for is None


def test_the_owner_of_another_organization_cannot_cancel(tenancy, clock):
    _schedule(tenancy)
    response = tenancy.client("owner", tenancy.other_org).post(
        reverse("organization_delete_cancel", args=[tenancy.org.slug]))
    assert response.status_code == 404
    tenancy.org.refresh_from_db()
    assert tenancy.org.deletion_scheduled_for is not None


def test_each_owner_is_told_in_their_own_language(tenancy, clock, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    from alignment_portal.organizations.models import Membership, Preferences, Role
    from tests.factories import UserFactory

    german = UserFactory(username="acme-owner-de")
    Membership.objects.create(user=german, organization=tenancy.org, role=Role.OWNER)
    Preferences.objects.create(user=german, language="de")
    with django_capture_on_commit_callbacks(execute=True):
        # Asked from an English browser: each owner still reads their own language.
        _schedule(tenancy)
    subjects = {m.to[0]: m.subject for m in mailoutbox}
    assert subjects[tenancy.user("owner").email] == "Acme Bakery will be deleted on " \
        "18 May 2026, 10:30 UTC"
    assert subjects[german.email] == "Acme Bakery wird am 18. Mai 2026, 10:30 UTC gelöscht"
