from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment_portal.dashboards.setup import setup_checklist
from alignment_portal.organizations.models import Membership, Organization, Role
from alignment_portal.scoring.models import Flag, OrganizationScore
from goals.models import Goal
from initiatives.models import Initiative
from metrics.models import MetricValue

SMALL = {"goals": 4, "initiatives": 8, "tools": 3, "metrics": 5, "values_per_metric": 12}


def test_seed_load_makes_scored_organizations_with_their_people(db):
    out = StringIO()
    call_command("seed_load", size="M", orgs=2, password="load-pass-123", stdout=out, **SMALL)
    orgs = Organization.objects.filter(slug__startswith="load-m-").order_by("slug")
    assert [o.slug for o in orgs] == ["load-m-1", "load-m-2"]
    org = orgs[0]
    assert Goal.objects.filter(organization=org).count() == 4
    assert Initiative.objects.filter(organization=org).count() == 8
    assert MetricValue.objects.filter(organization=org).count() == 5 * 12
    assert Membership.objects.get(organization=org, user__username="load-m-1-owner").role \
        == Role.OWNER
    assert Membership.objects.filter(user__username="load-consultant").count() == 2
    owner = Membership.objects.get(user__username="load-m-1-owner").user
    assert owner.check_password("load-pass-123")
    assert OrganizationScore.objects.filter(organization__in=orgs).count() == 2
    assert Flag.objects.filter(organization=org).exists()
    assert "load-m-1: scored in" in out.getvalue()


def test_a_seeded_organization_is_one_in_use_whose_dashboard_is_cached(db, client):
    """Its set-up checklist is complete (a dashboard showing it is never cached, so the
    benchmarks' "cached" dashboard would be the uncached one)."""
    call_command("seed_load", size="M", orgs=1, stdout=StringIO(), **SMALL)
    organization = Organization.objects.get(slug="load-m-1")
    assert setup_checklist(organization=organization).complete
    client.force_login(Membership.objects.get(user__username="load-m-1-owner").user)
    path = reverse("dashboard", args=[organization.slug])
    first = client.get(path)
    with CaptureQueriesContext(connection) as again:
        second = client.get(path)
    assert first.status_code == second.status_code == 200
    with CaptureQueriesContext(connection) as fresh:
        client.get(path + "?severity=high")  # another cache key: rendered
    assert len(again.captured_queries) < len(fresh.captured_queries)


def test_seed_load_again_rebuilds_the_same_organization(db):
    call_command("seed_load", size="M", orgs=1, stdout=StringIO(), no_scores=True, **SMALL)
    first = list(Goal.objects.values_list("title", flat=True).order_by("title"))
    call_command("seed_load", size="M", orgs=1, stdout=StringIO(), **SMALL)
    assert Organization.objects.filter(slug="load-m-1").count() == 1
    assert list(Goal.objects.values_list("title", flat=True).order_by("title")) == first


def test_recompute_scores_prints_time_and_rung(db):
    call_command("seed_load", size="M", orgs=2, stdout=StringIO(), no_scores=True, **SMALL)
    out = StringIO()
    call_command("recompute_scores", org=["load-m-2"], stdout=out)
    assert "load-m-2: " in out.getvalue() and " s, rung " in out.getvalue()
    assert not OrganizationScore.objects.filter(organization__slug="load-m-1").exists()
    out = StringIO()
    call_command("recompute_scores", all=True, stdout=out)
    assert "2 organization(s)" in out.getvalue()
    assert OrganizationScore.objects.count() == 2


def test_recompute_scores_refuses_an_unknown_slug(db):
    with pytest.raises(CommandError, match="nope"):
        call_command("recompute_scores", org=["nope"], stdout=StringIO())
