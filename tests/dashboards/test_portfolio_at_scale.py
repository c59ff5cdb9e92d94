"""A consultant with many clients: the portfolio pages through them with sorting, filtering
and the medians over all of them on the server, and the header's switcher finds a client by
typing. Query counts do not grow with the clients."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment_portal.dashboards.views import PORTFOLIO_PAGE_SIZE
from alignment_portal.organizations.context_processors import SWITCHER_LIMIT
from alignment_portal.organizations.models import Membership, Organization, Role
from alignment_portal.scoring.models import OrganizationScore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _clients(user, n: int, *, start: int = 0) -> list[Organization]:
    orgs = Organization.objects.bulk_create([
        Organization(name=f"Client {k:03d}", slug=f"client-{k:03d}")
        for k in range(start, start + n)])
    Membership.objects.bulk_create([Membership(user=user, organization=o, role=Role.CONSULTANT)
                                    for o in orgs])
    OrganizationScore.objects.bulk_create([
        OrganizationScore(organization=o, d1_goals=k % 100, d2_alignment=50, d3_measurement=50,
                          d4_feedback=50, d5_integration=50, rung=1 + k % 5,
                          misaligned_spend=0, misaligned_spend_share=k % 40)
        for k, o in enumerate(orgs, start=start)])
    return orgs


@pytest.fixture
def consultant(db):
    return UserFactory(username="busy-consultant")


def _client(tenancy, user):
    return tenancy.client_for(user)


def _names(html: str) -> list[str]:
    return [part.split("<", 1)[0] for part in html.split('">Client ')[1:]]


def test_the_portfolio_pages_through_clients_sorted_on_the_server(tenancy, consultant):
    _clients(consultant, PORTFOLIO_PAGE_SIZE + 10)
    client = _client(tenancy, consultant)
    first = client.get(reverse("portfolio")).content.decode()
    table = first.split('id="portfolio-table"', 1)[1]
    assert len(_names(table)) == PORTFOLIO_PAGE_SIZE
    assert f"1–{PORTFOLIO_PAGE_SIZE} of {PORTFOLIO_PAGE_SIZE + 10} matching" in table
    assert "Page 1 of 2" in table and 'rel="next"' in table
    second = client.get(reverse("portfolio"), {"page": "2"}).content.decode()
    assert len(_names(second.split('id="portfolio-table"', 1)[1])) == 10
    # Sorted over every client, not within the page: D1 descending puts Client 099 ... first
    # (D1 = k), and the lowest ones land on page 2.
    by_d1 = client.get(reverse("portfolio"), {"sort": "d1_goals", "dir": "desc"}
                       ).content.decode().split('id="portfolio-table"', 1)[1]
    assert _names(by_d1)[0] == "059"
    last = client.get(reverse("portfolio"), {"sort": "d1_goals", "dir": "desc", "page": 2}
                      ).content.decode().split('id="portfolio-table"', 1)[1]
    assert _names(last)[-1] == "000"


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999999999", "2.5"])
def test_a_page_number_out_of_range_or_malformed_lands_on_a_real_page(tenancy, consultant,
                                                                     page):
    _clients(consultant, PORTFOLIO_PAGE_SIZE + 1)
    response = _client(tenancy, consultant).get(reverse("portfolio"), {"page": page})
    assert response.status_code == 200
    assert "Page " in response.content.decode()


def test_filters_work_over_every_client_and_the_median_stays_over_all(tenancy, consultant):
    _clients(consultant, PORTFOLIO_PAGE_SIZE + 10)
    html = _client(tenancy, consultant).get(reverse("portfolio"), {"q": "Client 05"}
                                            ).content.decode()
    table = html.split('id="portfolio-table"', 1)[1]
    assert sorted(_names(table)) == [f"05{k}" for k in range(10)]
    assert "Median of your clients" in table
    assert f"of {PORTFOLIO_PAGE_SIZE + 10} organizations, beside the median of all" in table


def test_the_portfolio_reads_the_same_number_of_queries_for_10_or_120_clients(
        tenancy, consultant):
    client = _client(tenancy, consultant)
    _clients(consultant, 10)

    def count():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("portfolio")).status_code == 200
        return len(captured)

    few = count()
    _clients(consultant, 110, start=10)
    assert count() == few


def test_the_switcher_lists_a_few_and_finds_the_rest_by_typing(tenancy, consultant):
    orgs = _clients(consultant, SWITCHER_LIMIT + 30)
    client = _client(tenancy, consultant)
    page = client.get(reverse("dashboard", args=[orgs[0].slug])).content.decode()
    switcher = page.split('class="switcher"', 1)[1].split("</details>", 1)[0]
    assert switcher.count('href="/o/client-') == SWITCHER_LIMIT
    assert 'id="switcher-q"' in switcher and 'action="/portfolio/"' in switcher
    found = client.get(reverse("switcher_search"), {"q": "client 04"},
                       HTTP_HX_REQUEST="true").content.decode()
    assert found.count('href="/o/client-') == 2  # Client 040 and 041
    assert "/o/client-040/" in found and "/o/client-041/" in found


def test_the_switcher_search_finds_only_the_persons_own_organizations(tenancy, consultant):
    _clients(consultant, 3)
    Organization.objects.create(name="Client secret", slug="client-secret")
    found = _client(tenancy, consultant).get(reverse("switcher_search"), {"q": "secret"},
                                             HTTP_HX_REQUEST="true").content.decode()
    assert "client-secret" not in found and "No organization of yours matches" in found
    hostile = _client(tenancy, consultant).get(reverse("switcher_search"),
                                               {"q": "<script>x</script>"},
                                               HTTP_HX_REQUEST="true").content.decode()
    assert "<script>" not in hostile


def test_without_javascript_the_switcher_search_goes_to_the_portfolio_filter(tenancy,
                                                                             consultant):
    response = _client(tenancy, consultant).get(reverse("switcher_search"), {"q": "Client 0"})
    assert response.status_code == 302 and response["Location"] == "/portfolio/?q=Client+0"
    assert tenancy.client_for(tenancy.users["outsider"]).get(
        reverse("switcher_search"), {"q": "Acme"}, HTTP_HX_REQUEST="true"
    ).content.decode().count("/o/") == 0
