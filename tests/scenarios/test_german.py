"""A scenario in German: the comparison's words and its money in the reader's format."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation


def german_page(tenancy, scenario) -> str:
    """The scenario's page as a consultant whose browser asks for German reads it."""
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("consultant"))
    with translation.override("en"):
        return client.get(reverse("scenarios:detail", args=[tenancy.org.slug, scenario.pk])
                          ).content.decode()


def test_the_scenario_comparison_in_german(tenancy, plan, scenario):
    page = german_page(tenancy, scenario)
    assert "Vorher und nachher" in page and "Nicht ausgerichtete Ausgaben" in page
    assert "Änderung hinzufügen" in page
    currency = tenancy.org.currency
    assert f"{currency} pro Monat" in page
    # the misaligned spend before and after, in dollars as German writes them
    assert len(re.findall(r'<td class="num">(?:<strong>)?\d[\d.]*,\d\d\xa0\$', page)) >= 2


def test_the_dimensions_and_a_changes_effect_read_in_german(tenancy, plan, scenario):
    from alignment_portal.scenarios.views import effect_words

    page = german_page(tenancy, scenario)
    assert "D2 Ausrichtung" in page and "D3 Messung" in page
    assert "D2 Alignment" not in page and "D3 Measurement" not in page
    effect = {"rung": 1, "d1": 0, "d2": 11.38, "d3": 0, "d4": 0, "d5": 0,
              "misaligned_spend": -120.0, "misaligned_share": -2.5, "net_monthly_benefit": 40.0}
    with translation.override("de"):
        words = " · ".join(effect_words(effect, "EUR"))
    assert words.startswith("Stufe +1 · D2 Ausrichtung +11,38")
    assert "-120,00 EUR/Monat" in words and "-2,50 Punkte" in words and "+40,00 EUR" in words
    assert "11.38" not in words and "120.00" not in words
    assert "nicht ausgerichtete Ausgaben" in words and "Nettonutzen" in words
    assert "rung" not in words and "misaligned" not in words and "net benefit" not in words


def test_rung_names_flag_severities_and_statuses_read_in_german(tenancy, plan, scenario):
    """The comparison words the evaluation's codes: the rung as the dashboard names it, each
    flag's severity and each initiative's status as their choice labels."""
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change
    from alignment_portal.scenarios.selectors import plan_of

    frames = plan_of(tenancy.org).frames
    for change in (Change("retire_tool", tool=plan.shelfware.pk),
                   Change("link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
                          contribution="supporting", rationale="It keeps clients informed."),
                   Change("initiative_status", initiative=plan.aligned.pk, status="paused")):
        services.change_add(scenario=scenario, change=change, frames=frames)
    page = german_page(tenancy, scenario)
    assert re.search(r'<td class="num">2 Definiert</td>', page)
    assert "Defined" not in page
    severities = re.findall(r'<span class="severity">([^<]*)</span>', page)
    assert {"Hoch", "Mittel", "Niedrig"} <= set(severities)
    assert not {"High", "Medium", "Low", "high", "medium", "low"} & set(severities)
    assert "Live → Pausiert" in page and "live → paused" not in page


def german_client(tenancy, role: str = "consultant") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user(role))
    return client


def scenario_url(name, tenancy, *args) -> str:
    return reverse(f"scenarios:{name}", args=[tenancy.org.slug, *args])


def test_adding_and_removing_a_change_say_so_in_german(tenancy, plan, scenario):
    client = german_client(tenancy)
    retire = {"type": "retire_tool", "tool": plan.shelfware.pk}
    with translation.override("en"):
        fragment = client.post(scenario_url("change_add", tenancy, scenario.pk), retire,
                               HTTP_HX_REQUEST="true").content.decode()
        page = client.post(scenario_url("change_add", tenancy, scenario.pk),
                           {"type": "retire_tool", "tool": plan.used_tool.pk},
                           follow=True).content.decode()
        change = scenario.changes.first()
        removed = client.post(scenario_url("change_remove", tenancy, scenario.pk, change.pk),
                              follow=True).content.decode()
    for html in (fragment, page):
        assert "Änderung hinzugefügt; die Werte unten sind neu bewertet." in html
        assert "Change added" not in html
    assert "Änderung entfernt; die Werte unten sind neu bewertet." in removed
    assert "Change removed" not in removed


def test_renaming_and_sharing_say_so_in_german(tenancy, plan, scenario):
    client = german_client(tenancy)
    edit = scenario_url("edit", tenancy, scenario.pk)
    with translation.override("en"):
        renamed = client.post(edit, {"name": "Aufräumen"}, follow=True).content.decode()
        shared = client.post(edit, {"action": "share"}, follow=True).content.decode()
        private = client.post(edit, {"action": "unshare"}, follow=True).content.decode()
    assert "Umbenannt." in renamed and "Renamed." not in renamed
    assert "Mit den Mitgliedern der Organisation geteilt." in shared
    assert "Shared with the organization's members." not in shared
    assert "Jetzt nur noch für die Autorin oder den Autor sichtbar." in private
    assert "Now private to its author." not in private


def test_a_change_tried_from_elsewhere_reads_in_german(tenancy, plan):
    from alignment_portal.scenarios.models import Scenario

    client = german_client(tenancy)
    with translation.override("en"):
        page = client.post(scenario_url("try", tenancy),
                           {"type": "link", "initiative": plan.misaligned.pk,
                            "goal": plan.orphan_goal.pk, "contribution": "supporting"},
                           follow=True).content.decode()
    assert "Nicht hinzugefügt: " in page and "Not added" not in page
    assert Scenario.objects.get().name == "Änderungen ausprobieren"


def test_the_suggested_scenario_is_named_in_german(tenancy, plan):
    from alignment_portal.scenarios.models import Scenario

    with translation.override("en"):
        german_client(tenancy).post(scenario_url("suggest", tenancy))
    assert Scenario.objects.get().name == "Was würde Stufe 3 erreichen?"


def test_the_matrix_cells_hidden_words_in_german():
    from alignment_portal.scenarios.views import scenario_cell_html

    def cell(link=None, pending=None):
        return scenario_cell_html(cell_base="/c/", goal_id=1, initiative_id=2, link=link,
                                  pending=pending)

    class Link:
        contribution = "primary"

    with translation.override("de"):
        new, linked, unlinked = cell(), cell(pending=("link", "primary")), \
            cell(Link(), ("unlink", ""))
    assert "im Szenario verknüpfen" in new and "link in the scenario" not in new
    assert "(im Szenario)" in linked and "in the scenario" not in linked
    assert "(im Szenario gelöst)" in unlinked and "unlinked" not in unlinked


def test_each_change_is_worded_for_its_reader_not_as_stored(tenancy, plan, scenario):
    """A change added by an English reader reads in German to a German one: worded afresh
    from its own fields, its codes as their labels."""
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change, NewLink

    with translation.override("en"):
        for change in (
                Change("link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
                       contribution="supporting", rationale="It keeps clients informed."),
                Change("retire_tool", tool=plan.shelfware.pk),
                Change("initiative_status", initiative=plan.aligned.pk, status="in_progress"),
                Change("new_initiative", name="Renewal calls", monthly_cost=1200.5,
                       links=(NewLink(plan.orphan_goal.pk, "primary", "Calls keep clients."),))):
            services.change_add(scenario=scenario, change=change)
    assert scenario.changes.first().description.startswith("Link “Newsletter”")
    page = german_page(tenancy, scenario)
    assert "„Newsletter“ mit „Keep 90 % of clients through renewal“ verknüpfen (Unterstützend)" \
        in page
    assert "Das Tool „CRM B“ ausmustern" in page
    assert "„Queue kiosk“ auf In Arbeit setzen" in page
    assert "„Renewal calls“ hinzufügen (1.200,50 USD/Monat, 0,00 USD einmalig), das „Keep 90 % " \
        "of clients through renewal“ (Primär) dient" in page
    for english in ("Link “Newsletter”", "Retire the tool", "in progress", "(supporting)",
                    "Add “Renewal calls”", "(primary)"):
        assert english not in page
    client = german_client(tenancy)
    with translation.override("en"):
        apply_page = client.get(scenario_url("apply", tenancy, scenario.pk)).content.decode()
    assert "<li>Das Tool „CRM B“ ausmustern</li>" in apply_page
    assert "Retire the tool" not in apply_page


def test_a_change_whose_record_is_gone_keeps_what_it_said(tenancy, plan, scenario):
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change

    with translation.override("en"):
        services.change_add(scenario=scenario, change=Change("retire_tool",
                                                             tool=plan.shelfware.pk))
    plan.shelfware.delete()
    page = german_page(tenancy, scenario)
    assert "Retire the tool “CRM B”" in page and "„?“" not in page


def test_the_initiative_choices_keep_the_status_label_as_written(tenancy, plan, scenario):
    """German capitalises nouns: "In Arbeit", never "in arbeit"."""
    from tests.factories import InitiativeFactory

    InitiativeFactory(organization=tenancy.org, name="Pilot", status="in_progress")
    page = german_page(tenancy, scenario)
    assert "Pilot (In Arbeit)" in page and "(in arbeit)" not in page


def test_a_changes_rationale_is_quoted_the_german_way(tenancy, plan, scenario):
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change

    services.change_add(scenario=scenario, change=Change(
        "link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
        contribution="supporting", rationale="It keeps clients informed."))
    page = german_page(tenancy, scenario)
    assert "„It keeps clients informed.“" in page and "“It keeps clients informed.”" not in page


def test_applying_is_refused_with_reasons_in_german(tenancy, plan, scenario):
    """A change added in English and refused on apply is named in the reader's words."""
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change
    from initiatives.models import AlignmentLink

    with translation.override("en"):
        services.change_add(scenario=scenario, change=Change(
            "link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
            contribution="primary", rationale="It keeps them close."))
    AlignmentLink.objects.create(organization=tenancy.org, initiative=plan.misaligned,
                                 goal=plan.orphan_goal, contribution="primary",
                                 rationale="Made by hand meanwhile.")
    with translation.override("en"):
        response = german_client(tenancy).post(scenario_url("apply", tenancy, scenario.pk))
    page = response.content.decode()
    assert response.status_code == 409
    assert "<li>„Newsletter“ mit „Keep 90 % of clients through renewal“ verknüpfen (Primär): " \
        in page
    assert "Link “Newsletter”" not in page


def test_an_empty_scenario_is_refused_in_german(tenancy, plan, scenario):
    from alignment_portal.scenarios import services

    with translation.override("de"), pytest.raises(services.ScenarioRefused) as refused:
        services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    assert refused.value.reasons == ["Das Szenario hat keine Änderung, die angewendet werden "
                                     "könnte."]
