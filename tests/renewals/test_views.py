"""The renewal calendars, their CSV and iCalendar feed, and seats in use, as users see them;
on a fixed clock (time-machine), so every date is known."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from alignment_portal.renewals.models import RenewalFeed, SeatCount, SeatCountRevision
from initiatives.models import Tool
from tests.factories import InitiativeFactory, MembershipFactory, OrganizationFactory, ToolFactory

TODAY = date(2026, 11, 20)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel("2026-11-20 10:00:00+00:00", tick=False):
        yield


def _tool(org, name, *, days, notice=30, used=True, **fields):
    tool = ToolFactory(organization=org, name=name, renewal_date=TODAY + timedelta(days=days),
                       notice_period_days=notice, **fields)
    if used:
        InitiativeFactory(organization=org, status="live").tools.add(tool)
    return tool


def test_the_calendar_lists_the_next_120_days_with_deadlines_and_savings(tenancy):
    _tool(tenancy.org, "ShelfMail", days=25, used=False, monthly_cost=65)
    _tool(tenancy.org, "BigCRM", days=75, notice=60, monthly_cost=800, seats=8, seats_used=3)
    _tool(tenancy.org, "Later", days=121)
    _tool(tenancy.org, "Gone", days=5, status="retired")
    _tool(tenancy.other_org, "Theirs", days=10)
    response = tenancy.client("viewer").get(reverse("renewals:calendar", args=["acme"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "ShelfMail" in html and "BigCRM" in html
    assert "Later" not in html and "Gone" not in html and "Theirs" not in html
    assert "Cancelling it saves 780.00 a year" in html  # 65 × 12, shelfware
    assert "Dropping its 5 unused seats saves 6,000.00 a year" in html
    assert "too late for this term" in html  # ShelfMail: 15 Dec − 30 days has passed
    assert "5 Dec 2026" in html  # BigCRM: renews 3 Feb 2027, 60 days notice


def test_the_calendar_reads_in_german_with_money_as_germans_write_it(tenancy):
    tenancy.org.currency = "EUR"
    tenancy.org.save(update_fields=["currency"])
    _tool(tenancy.org, "BigCRM", days=75, notice=60, monthly_cost=800, seats=8, seats_used=3)
    html = tenancy.client("viewer").get(reverse("renewals:calendar", args=["acme"]),
                                        HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Verlängerungen" in html and "Kündigungsfrist" in html
    assert "1 Verlängerung, " in html and "in 15 Tagen" in html  # 3 Feb 2027 − 60 days
    assert "9.600,00\xa0€" in html  # 800 × 12 a year
    assert "sparen Sie 6.000,00\xa0€ pro Jahr" in html  # 5 unused of 8 seats
    assert "5 Dez. 2026" in html or "5 Dez 2026" in html
    assert "9,600.00" not in html and "renewal, " not in html


def test_sorting_is_by_known_columns_and_anything_else_falls_back(tenancy):
    _tool(tenancy.org, "Alpha", days=90, monthly_cost=10)
    _tool(tenancy.org, "Beta", days=40, monthly_cost=500)
    client = tenancy.client("viewer")
    url = reverse("renewals:calendar", args=["acme"])
    by_cost = client.get(url, {"sort": "cost", "dir": "desc"}).content.decode()
    assert by_cost.index("Beta") < by_cost.index("Alpha")
    by_tool = client.get(url, {"sort": "tool"}).content.decode()
    assert by_tool.index("Alpha") < by_tool.index("Beta")
    fallback = client.get(url, {"sort": "<script>", "dir": "sideways"})
    assert fallback.status_code == 200
    text = fallback.content.decode()
    assert text.index("Beta") < text.index("Alpha")  # by notice deadline
    assert "<script>" not in text.split("<main", 1)[1].split("</main>")[0]


def test_the_calendar_reads_in_a_fixed_number_of_queries(tenancy, django_assert_max_num_queries):
    client = tenancy.client("viewer")
    url = reverse("renewals:calendar", args=["acme"])
    _tool(tenancy.org, "One", days=30)
    client.get(url)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for n in range(15):
        _tool(tenancy.org, f"More {n}", days=20 + n, used=n % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).content.decode().count("More ") >= 15


def test_the_csv_has_every_renewal_and_neutralises_formulas(tenancy):
    _tool(tenancy.org, "=HYPERLINK(\"http://evil\")", days=20, notice=10, used=False,
          monthly_cost=65, vendor="@SUM(A1)")
    response = tenancy.client("viewer").get(reverse("renewals:export", args=["acme"]))
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("organization,tool,vendor")
    assert "'=HYPERLINK" in lines[1] and "'@SUM(A1)" in lines[1]
    assert "780.00" in lines[1] and "cancel" in lines[1] and ",high" in lines[1]


def test_the_calendar_across_clients_shows_only_the_persons_own_organizations(tenancy):
    _tool(tenancy.org, "Ours", days=20)
    _tool(tenancy.other_org, "Rivals", days=20)
    stranger = OrganizationFactory(slug="stranger")
    _tool(stranger, "NotYours", days=20)
    consultant = tenancy.client_for(tenancy.users["consultant"])
    both = consultant.get(reverse("renewals_calendar")).content.decode()
    assert "Ours" in both and "Rivals" in both and "NotYours" not in both
    one = tenancy.client("owner").get(reverse("renewals_calendar")).content.decode()
    assert "Ours" in one and "Rivals" not in one
    csv = b"".join(tenancy.client("owner").get(reverse("renewals_export"))
                   .streaming_content).decode()
    assert "Ours" in csv and "Rivals" not in csv


def test_outsiders_get_404_and_another_organizations_tool_is_404(tenancy):
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.get(reverse("renewals:calendar", args=["acme"])).status_code == 404
    assert outsider.get(reverse("renewals:export", args=["acme"])).status_code == 404
    theirs = _tool(tenancy.other_org, "Theirs", days=20)
    url = reverse("renewals:tool_seats", args=["acme", theirs.pk])
    assert tenancy.client("owner").get(url).status_code == 404
    assert tenancy.client("owner").post(url, {"month": "2026-11", "seats_used": "1"}
                                        ).status_code == 404


def _feed_url(client) -> str:
    client.post(reverse("renewals_feed_rotate"))
    page = client.get(reverse("renewals_calendar")).content.decode()
    start = page.index("/renewals/ical/rc_")
    return page[start:page.index('"', start)]


def test_the_ical_feed_parses_and_carries_the_deadline_and_the_saving(tenancy):
    _tool(tenancy.org, "ShelfMail", days=40, used=False, monthly_cost=65, notice=30)
    _tool(tenancy.other_org, "RivalTool", days=50, monthly_cost=10, notice=0)
    client = tenancy.client_for(tenancy.users["consultant"])
    url = _feed_url(client)
    client.logout()
    response = client.get(url)  # no session: the token is the credential
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = {str(e["summary"]): e for e in calendar.walk("VEVENT")}
    notice = events["Notice deadline: ShelfMail (Acme Bakery)"]
    assert notice.decoded("dtstart") == TODAY + timedelta(days=10)
    assert notice.decoded("dtend") == TODAY + timedelta(days=11)
    assert "Cancelling it saves 780.00 a year" in str(notice["description"])
    assert events["Renews: ShelfMail (Acme Bakery)"].decoded("dtstart") == TODAY + timedelta(40)
    # No notice period: one event, on the renewal date.
    assert "Renews: RivalTool (Rival Agency)" in events
    assert "Notice deadline: RivalTool (Rival Agency)" not in events
    uids = [str(e["uid"]) for e in calendar.walk("VEVENT")]
    assert len(uids) == len(set(uids)) == 3


def test_the_feed_token_is_stored_hashed_and_a_new_one_stops_the_old(tenancy):
    client = tenancy.client("owner")
    first = _feed_url(client)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    stored = RenewalFeed.objects.get(user=tenancy.user("owner"))
    assert token not in (stored.token_hash, stored.token_hint) and len(stored.token_hash) == 64
    # Shown once: the next visit shows only the hint.
    assert token not in client.get(reverse("renewals_calendar")).content.decode()
    second = _feed_url(client)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    client.post(reverse("renewals_feed_revoke"))
    assert client.get(second).status_code == 404
    assert client.get("/renewals/ical/rc_guess.ics").status_code == 404


def test_the_feed_drops_an_organization_the_person_has_left(tenancy):
    _tool(tenancy.org, "Ours", days=20)
    client = tenancy.client_for(tenancy.users["consultant"])
    url = _feed_url(client)
    assert b"Ours" in client.get(url).content
    tenancy.users["consultant"].memberships.filter(organization=tenancy.org).delete()
    assert b"Ours" not in client.get(url).content


def test_staff_log_seats_used_and_a_new_count_for_the_month_keeps_the_old(tenancy):
    tool = _tool(tenancy.org, "BigCRM", days=75, seats=8)
    url = reverse("renewals:tool_seats", args=["acme", tool.pk])
    staff = tenancy.client("staff")
    assert staff.post(url, {"month": "2026-10", "seats_used": "6"}).status_code == 302
    assert staff.post(url, {"month": "2026-11", "seats_used": "4"}).status_code == 302
    assert staff.post(url, {"month": "2026-11", "seats_used": "3",
                            "note": "two left"}).status_code == 302
    tool.refresh_from_db()
    assert tool.seats_used == 3  # the latest month
    assert list(SeatCount.objects.filter(tool=tool).values_list("month", "seats_used")) == [
        (date(2026, 11, 1), 3), (date(2026, 10, 1), 6)]
    assert SeatCountRevision.objects.get(tool=tool).seats_used == 4
    page = tenancy.client("viewer").get(url).content.decode()
    assert "two left" in page and "Replaced counts" in page
    # An earlier month does not move the latest count.
    staff.post(url, {"month": "2026-09", "seats_used": "8"})
    tool.refresh_from_db()
    assert tool.seats_used == 3


@pytest.mark.parametrize(("data", "message"), [
    ({"month": "2026-11", "seats_used": "-2"}, "cannot be negative"),
    ({"month": "2026-11", "seats_used": "2.5"}, "whole numbers"),
    ({"month": "2026-11", "seats_used": "NaN"}, ""),
    ({"month": "2026-11", "seats_used": "=1+1"}, "formula"),
    ({"month": "2026-11", "seats_used": "99999999"}, "more than"),
    ({"month": "2027-01", "seats_used": "2"}, "has not begun"),
    ({"month": "2026-11", "seats_used": "2", "note": "<b>hi</b>"}, "HTML"),
])
def test_bad_seat_counts_are_refused_with_a_message_and_nothing_saved(tenancy, data, message):
    tool = _tool(tenancy.org, "BigCRM", days=75)
    response = tenancy.client("staff").post(
        reverse("renewals:tool_seats", args=["acme", tool.pk]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SeatCount.objects.exists()
    assert Tool.objects.get(pk=tool.pk).seats_used is None


def test_viewers_cannot_log_seats(tenancy):
    tool = _tool(tenancy.org, "BigCRM", days=75)
    url = reverse("renewals:tool_seats", args=["acme", tool.pk])
    assert tenancy.client("viewer").post(url, {"month": "2026-11",
                                               "seats_used": "2"}).status_code == 403
    assert tenancy.client("viewer").get(url).status_code == 200


def test_the_tool_form_saves_the_renewal_terms(tenancy):
    tool = ToolFactory(organization=tenancy.org, name="BigCRM")
    response = tenancy.client("consultant").post(
        reverse("initiatives:tool_edit", args=["acme", tool.pk]),
        {"name": "BigCRM", "category": "crm", "monthly_cost": "800", "seats": "8",
         "integration": "api", "status": "active", "renewal_date": "2027-02-03",
         "billing_period": "annual", "notice_period_days": "60"})
    assert response.status_code == 302
    tool.refresh_from_db()
    assert (tool.renewal_date, tool.billing_period, tool.notice_period_days) == (
        date(2027, 2, 3), "annual", 60)
    refused = tenancy.client("consultant").post(
        reverse("initiatives:tool_edit", args=["acme", tool.pk]),
        {"name": "BigCRM", "category": "crm", "monthly_cost": "800", "seats": "8",
         "integration": "api", "status": "active", "renewal_date": "2027-02-03",
         "billing_period": "weekly", "notice_period_days": "9999"})
    assert refused.status_code == 200
    tool.refresh_from_db()
    assert tool.notice_period_days == 60


def test_a_consultant_in_several_organizations_sees_each_in_the_across_page(tenancy):
    third = OrganizationFactory(name="Third Shop", slug="third")
    MembershipFactory(user=tenancy.users["consultant"], organization=third, role="viewer")
    _tool(third, "ThirdTool", days=20)
    assert "ThirdTool" in tenancy.client_for(tenancy.users["consultant"]).get(
        reverse("renewals_calendar")).content.decode()


def test_a_long_calendar_is_paged_with_its_sort_and_totals_over_every_renewal(tenancy):
    for n in range(55):
        _tool(tenancy.org, f"Tool {n:02d}", days=40 + n, used=False, monthly_cost=10)
    client = tenancy.client("viewer")
    url = reverse("renewals:calendar", args=["acme"])
    first = client.get(url, {"sort": "tool"}).content.decode()
    assert "55 renewals" in first
    assert "Renewals 1–50 of 55 · page 1 of 2" in first
    assert "Tool 49" in first and "Tool 50" not in first
    assert "?sort=tool&amp;dir=asc&amp;page=2" in first
    second = client.get(url, {"sort": "tool", "page": "2"}).content.decode()
    assert "Tool 50" in second and "Tool 54" in second and "Tool 49" not in second
    assert "6,600.00" in second  # the totals cover all 55: 55 × 10 × 12 saved a year
    for page in ("0", "-1", "abc", "999999"):
        assert client.get(url, {"sort": "tool", "page": page}).status_code == 200
    past_the_end = client.get(url, {"sort": "tool", "page": "999999"}).content.decode()
    assert "page 2 of 2" in past_the_end
