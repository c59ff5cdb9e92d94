"""The profile page, the logo as served, and the report printed under the firm's name."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from alignment_portal.consultants.models import ConsultantProfile
from alignment_portal.consultants.services import profile_save
from goals.services import cycle_close, cycle_review_record, cycle_transition
from tests.consultants.conftest import image_bytes
from tests.consultants.test_logo import SVG, upload
from tests.factories import CycleFactory, GoalFactory, UserFactory

PROFILE = "/consultant/profile/"


@pytest.fixture
def profile(tenancy):
    return profile_save(user=tenancy.users["consultant"], firm_name="Northwind Advisory",
                        contact_line="jo@northwind.example · +44 20 7946 0000",
                        logo=upload(image_bytes()))


def test_the_profile_page_saves_firm_contact_and_logo(tenancy):
    client = tenancy.client_for(tenancy.users["consultant"])
    assert client.get(PROFILE).status_code == 200
    response = client.post(PROFILE, {"firm_name": "Northwind Advisory",
                                     "contact_line": "jo@northwind.example",
                                     "logo_upload": upload(image_bytes("JPEG"), "l.jpg")})
    assert response.status_code == 302
    profile = ConsultantProfile.objects.get(user=tenancy.users["consultant"])
    assert profile.firm_name == "Northwind Advisory"
    assert profile.logo.name.startswith("logos/") and profile.logo.name.endswith(".png")


@pytest.mark.parametrize("data, name, message", [
    (SVG, "logo.svg", "SVG logos are refused"),
    (b"hello, not an image", "logo.png", "This is not an image"),
])
def test_a_refused_logo_says_why_on_the_form_and_saves_nothing(tenancy, data, name, message):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(PROFILE, {"firm_name": "Northwind", "logo_upload": upload(data, name)})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ConsultantProfile.objects.exists()


def test_a_refused_logo_keeps_the_old_one(tenancy, profile):
    client = tenancy.client_for(tenancy.users["consultant"])
    old = profile.logo.name
    client.post(PROFILE, {"firm_name": "Renamed", "logo_upload": upload(SVG, "x.svg")})
    profile.refresh_from_db()
    assert (profile.firm_name, profile.logo.name) == ("Northwind Advisory", old)


def test_an_upload_over_the_request_limit_is_refused(tenancy, settings):
    settings.MAX_UPLOAD_BYTES = 2000
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(PROFILE, {"firm_name": "Northwind",
                                     "logo_upload": upload(b"\x89PNG" + b"0" * 5000)})
    assert response.status_code == 413
    assert not ConsultantProfile.objects.exists()


def test_a_firm_name_with_a_line_break_is_refused(tenancy):
    client = tenancy.client_for(tenancy.users["consultant"])
    response = client.post(PROFILE, {"firm_name": "North\r\nwind"})
    assert response.status_code == 400
    assert not ConsultantProfile.objects.exists()


def test_removing_the_logo(tenancy, profile):
    client = tenancy.client_for(tenancy.users["consultant"])
    client.post(PROFILE, {"firm_name": "Northwind Advisory", "remove_logo": "on"})
    profile.refresh_from_db()
    assert not profile.logo


def test_the_logo_is_served_as_a_png_that_cannot_run(tenancy, profile):
    client = tenancy.client("viewer")  # a member of a client of the consultant
    response = client.get(reverse("consultants:logo", args=[profile.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_the_logo_is_404_to_people_who_share_no_client(tenancy, profile):
    url = reverse("consultants:logo", args=[profile.pk])
    assert tenancy.client_for(tenancy.users["outsider"]).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # sign in first


# The report -----------------------------------------------------------------------------------

def report_url(org, cycle):
    return reverse("dashboards:report", args=[org.slug, cycle.pk])


def close(cycle, user):
    goal = GoalFactory(cycle=cycle)
    cycle_transition(cycle=cycle, to="review")
    cycle_review_record(cycle=cycle, outcomes={goal.pk: ("achieved", "")}, user=user)
    cycle_close(cycle=cycle, user=user, today=date(2027, 1, 5))


def test_a_closed_cycles_report_carries_the_firm_of_who_closed_it(tenancy, profile):
    cycle = CycleFactory(organization=tenancy.org, state="active")
    close(cycle, tenancy.users["consultant"])
    body = tenancy.client("owner").get(report_url(tenancy.org, cycle)).content.decode()
    assert "Prepared by</span> <strong>Northwind Advisory</strong>" in body
    assert "jo@northwind.example · +44 20 7946 0000" in body
    assert reverse("consultants:logo", args=[profile.pk]) in body
    # The logo that the report shows is served to that reader.
    assert tenancy.client("owner").get(
        reverse("consultants:logo", args=[profile.pk])).status_code == 200


def test_a_report_closed_by_someone_without_a_profile_carries_none(tenancy, profile):
    cycle = CycleFactory(organization=tenancy.org, state="active")
    close(cycle, tenancy.user("owner"))
    body = tenancy.client_for(tenancy.users["consultant"]).get(
        report_url(tenancy.org, cycle)).content.decode()
    assert "Northwind" not in body and "Prepared by" not in body


def test_an_open_cycles_report_carries_the_planner_reading_it(tenancy, profile):
    cycle = CycleFactory(organization=tenancy.org, state="active")
    mine = tenancy.client_for(tenancy.users["consultant"]).get(report_url(tenancy.org, cycle))
    assert "Northwind Advisory" in mine.content.decode()
    assert str(mine.context["prepared_by"]) == "Prepared by Northwind Advisory (consultant-both)"
    staff = tenancy.client("staff").get(report_url(tenancy.org, cycle))
    assert staff.context["prepared_by"] is None


def test_another_consultants_firm_never_lands_on_my_report(tenancy, profile):
    other = UserFactory(username="other-consultant")
    profile_save(user=other, firm_name="Rival Partners")
    cycle = CycleFactory(organization=tenancy.org, state="active")
    body = tenancy.client_for(tenancy.users["consultant"]).get(
        report_url(tenancy.org, cycle)).content.decode()
    assert "Rival Partners" not in body
