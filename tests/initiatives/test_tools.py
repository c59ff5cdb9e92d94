"""The tool inventory and the technology audit."""

import pytest
from django.urls import reverse

from initiatives.models import Tool
from tests.factories import InitiativeFactory, ToolFactory

VALID = {"name": "Mailblast", "vendor": "Mailblast Inc", "category": "email_marketing",
         "monthly_cost": "49", "seats": "3", "integration": "api", "status": "active"}


def test_consultant_adds_edits_and_deletes_a_tool(tenancy):
    client = tenancy.client("consultant")
    slug = tenancy.org.slug
    response = client.post(reverse("initiatives:tool_create", args=[slug]),
                           {**VALID, "owner": tenancy.user("staff").pk})
    assert response.status_code == 302
    tool = Tool.objects.get(organization=tenancy.org, name="Mailblast")
    assert client.post(reverse("initiatives:tool_edit", args=[slug, tool.pk]),
                       {**VALID, "monthly_cost": "59"}).status_code == 302
    page = client.get(reverse("initiatives:tool_detail", args=[slug, tool.pk])).content.decode()
    assert "Monthly cost: 49.00 → 59.00" in page
    assert client.post(reverse("initiatives:tool_delete", args=[slug, tool.pk])).status_code == 302
    assert not Tool.objects.filter(pk=tool.pk).exists()


@pytest.mark.parametrize(("field", "value", "message"), [
    ("monthly_cost", "-10", "cannot be negative"),
    ("seats", "-1", "greater than or equal to 0"),
    ("category", "spaceships", "not one of the available choices"),
])
def test_bad_tool_input_is_refused(tenancy, field, value, message):
    response = tenancy.client("consultant").post(
        reverse("initiatives:tool_create", args=[tenancy.org.slug]), {**VALID, field: value})
    assert response.status_code == 200 and message in response.content.decode()
    assert not Tool.objects.filter(name="Mailblast").exists()


def test_a_duplicate_tool_name_is_refused(tenancy):
    ToolFactory(organization=tenancy.org, name="Mailblast")
    ToolFactory(organization=tenancy.other_org, name="Other")
    response = tenancy.client("consultant").post(
        reverse("initiatives:tool_create", args=[tenancy.org.slug]), {**VALID,
                                                                       "name": "mailblast"})
    assert "has a tool of this name already" in response.content.decode()
    # The same name in another organization is fine.
    assert tenancy.client("consultant").post(
        reverse("initiatives:tool_create", args=[tenancy.org.slug]),
        {**VALID, "name": "Other"}).status_code == 302


def test_tool_owner_must_be_a_member(tenancy):
    response = tenancy.client("consultant").post(
        reverse("initiatives:tool_create", args=[tenancy.org.slug]),
        {**VALID, "owner": tenancy.user("owner", tenancy.other_org).pk})
    assert "not one of the available choices" in response.content.decode()


def test_the_audit_groups_by_category_and_marks_overlap_and_shelfware(tenancy):
    used = ToolFactory(organization=tenancy.org, name="Mailblast", category="email_marketing",
                       monthly_cost=40)
    ToolFactory(organization=tenancy.org, name="Sendy", category="email_marketing",
                monthly_cost=20)
    ToolFactory(organization=tenancy.org, name="Old list", category="email_marketing",
                monthly_cost=5, status="retired")
    ToolFactory(organization=tenancy.org, name="Books", category="accounting", monthly_cost=30)
    InitiativeFactory(organization=tenancy.org, name="Newsletter").tools.add(used)
    ToolFactory(organization=tenancy.other_org, name="Their tool", category="accounting")
    response = tenancy.client("viewer").get(
        reverse("initiatives:tool_audit", args=[tenancy.org.slug]))
    categories = {c.category: c for c in response.context["categories"]}
    assert categories["email_marketing"].monthly_cost == 60
    assert categories["email_marketing"].overlapping
    assert not categories["accounting"].overlapping
    assert {t.name for t in response.context["shelfware"]} == {"Sendy", "Books"}
    text = response.content.decode()
    assert "Overlap: 2 active tools" in text and "Shelfware: no active initiative" in text
    assert "Their tool" not in text and "Newsletter" in text


@pytest.mark.parametrize("n", [2, 20])
def test_audit_query_count_does_not_grow(tenancy, django_assert_max_num_queries, n):
    for i in range(n):
        InitiativeFactory(organization=tenancy.org).tools.add(
            ToolFactory(organization=tenancy.org, category=["crm", "pos"][i % 2]))
    client = tenancy.client("viewer")
    with django_assert_max_num_queries(8):
        client.get(reverse("initiatives:tool_audit", args=[tenancy.org.slug]))
