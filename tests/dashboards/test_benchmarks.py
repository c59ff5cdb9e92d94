"""Benchmarks across a person's clients on the dashboard: percentiles only over the
organizations the viewer belongs to, only with at least 3 of them, n said, queries flat."""

import pytest
from django.urls import reverse

from alignment_portal.dashboards.benchmarks import QUERIES, percentile_rank
from alignment_portal.organizations.models import Role
from alignment_portal.scoring.models import OrganizationScore
from tests.factories import (
    InitiativeFactory,
    MembershipFactory,
    OrganizationFactory,
    ToolFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _scored(org, d2, *, rung=2, share=10.0, tools=(), initiatives=1):
    OrganizationScore.objects.create(
        organization=org, d1_goals=50, d2_alignment=d2, d3_measurement=50, d4_feedback=50,
        d5_integration=50, rung=rung, misaligned_spend=0, misaligned_spend_share=share)
    for cost in tools:
        ToolFactory(organization=org, monthly_cost=cost)
    for _ in range(initiatives):
        InitiativeFactory(organization=org, status="live")
    return org


def _url(org):
    return reverse("dashboards:benchmarks", args=[org.slug])


def _row(html: str, label: str) -> str:
    start = html.index(label)
    return html[start:html.index("</tr>", start)]


def test_percentile_rank_counts_those_beaten_and_ties_half():
    assert percentile_rank(80, [60, 70, 90], higher_is_better=True) == pytest.approx(66.7)
    assert percentile_rank(80, [80, 90], higher_is_better=True) == 25.0
    assert percentile_rank(5, [10, 20], higher_is_better=False) == 100.0


def test_a_consultant_sees_where_a_client_stands_among_their_own_clients(tenancy):
    consultant = tenancy.users["consultant"]
    _scored(tenancy.org, 90, rung=3, share=5, tools=[100, 100], initiatives=4)
    _scored(tenancy.other_org, 60, rung=2, share=20, tools=[300], initiatives=1)
    third = _scored(OrganizationFactory(slug="third"), 70, rung=2, share=15, tools=[100],
                    initiatives=2)
    MembershipFactory(user=consultant, organization=third, role=Role.CONSULTANT)
    html = tenancy.client_for(consultant).get(_url(tenancy.org)).content.decode()
    assert "among the 3 organizations you belong to (n = 3" in html
    d2 = _row(html, "D2 Alignment")
    assert ">90<" in d2 and "70" in d2 and "<strong>100</strong>" in d2  # median 70, best
    assert "better than 2 of 2" in d2
    spend = _row(html, "Misaligned spend")
    assert "<strong>100</strong>" in spend  # 5 % is the lowest: best
    per_initiative = _row(html, "Tool spend per active initiative")
    assert "$50.00" in per_initiative  # 200 ÷ 4, lowest of 50 / 300 / 50: ties half
    assert "<strong>75</strong>" in per_initiative


def test_fewer_than_three_organizations_say_not_enough_clients_yet(tenancy):
    _scored(tenancy.org, 90)
    _scored(tenancy.other_org, 60)
    html = tenancy.client_for(tenancy.users["consultant"]).get(_url(tenancy.org)
                                                               ).content.decode()
    assert "Not enough clients to compare yet" in html
    assert "you belong to 2" in html
    assert "Percentile" not in html


def test_percentiles_use_only_the_viewers_own_organizations(tenancy):
    """The owner of acme belongs to acme only: however many organizations exist (and however
    they score), acme is compared with nothing."""
    _scored(tenancy.org, 90)
    for n in range(4):
        _scored(OrganizationFactory(slug=f"elsewhere-{n}"), 10 * n)
    owner_page = tenancy.client("owner").get(_url(tenancy.org)).content.decode()
    assert "Not enough clients to compare yet" in owner_page
    # A consultant of acme and two of those: n = 3, and the rest never count.
    consultant = UserFactory(username="three-clients")
    MembershipFactory(user=consultant, organization=tenancy.org, role=Role.CONSULTANT)
    for slug in ("elsewhere-0", "elsewhere-3"):
        MembershipFactory(user=consultant, organization=OrganizationFactory._meta.model
                          .objects.get(slug=slug), role=Role.CONSULTANT)
    html = tenancy.client_for(consultant).get(_url(tenancy.org)).content.decode()
    assert "n = 3" in html
    d2 = _row(html, "D2 Alignment")
    assert "better than 2 of 2" in d2
    assert 'data-label="Median" class="num">30<' in d2  # the median of 90, 0 and 30
    # Organizations the viewer does not belong to appear nowhere on the page.
    assert "elsewhere-1" not in html and "elsewhere-2" not in html


def test_money_compares_only_clients_in_the_same_currency(tenancy):
    consultant = tenancy.users["consultant"]
    _scored(tenancy.org, 90, tools=[100], initiatives=1)
    _scored(tenancy.other_org, 60, tools=[300], initiatives=1)
    euro = OrganizationFactory(slug="euro", currency="EUR")
    _scored(euro, 70, tools=[10], initiatives=1)
    MembershipFactory(user=consultant, organization=euro, role=Role.CONSULTANT)
    html = tenancy.client_for(consultant).get(_url(tenancy.org)).content.decode()
    per_initiative = _row(html, "Tool spend per active initiative")
    assert "not enough clients to compare yet" in per_initiative
    assert "<strong>" not in _row(html, "Tool spend") and ">2<" in per_initiative


def test_the_benchmarks_read_in_a_fixed_number_of_queries(tenancy, django_assert_num_queries):
    from alignment_portal.dashboards.benchmarks import benchmarks

    consultant = tenancy.users["consultant"]
    _scored(tenancy.org, 90)
    _scored(tenancy.other_org, 60)
    for n in range(12):
        org = _scored(OrganizationFactory(slug=f"c{n}"), 5 * n, tools=[10, 20])
        MembershipFactory(user=consultant, organization=org, role=Role.CONSULTANT)
    with django_assert_num_queries(QUERIES):
        result = benchmarks(user=consultant, organization=tenancy.org)
    assert result.organizations == 14


def test_outsiders_get_404_and_the_dashboard_loads_the_section_lazily(tenancy):
    assert tenancy.client_for(tenancy.users["outsider"]).get(_url(tenancy.org)
                                                             ).status_code == 404
    dashboard = tenancy.client("viewer").get(reverse("dashboard", args=["acme"])
                                             ).content.decode()
    assert f'hx-get="{_url(tenancy.org)}"' in dashboard
    fragment = tenancy.client("viewer").get(_url(tenancy.org), HTTP_HX_REQUEST="true")
    assert fragment.content.decode().lstrip().startswith("<section id=\"benchmarks\"")
