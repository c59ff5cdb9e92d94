"""The playbook document is validated whenever it is read: every problem is named."""

import pytest

from alignment_portal.playbooks.choices import model_choices
from alignment_portal.playbooks.document import PlaybookDocumentError, load, name_key


def doc(**parts):
    base = {"format": "alignment-portal-playbook", "version": 1, "includes_money": False,
            "metrics": [{"name": "Orders", "unit": "count"}],
            "tools": [{"name": "Till", "category": "pos"}],
            "initiatives": [{"name": "Online orders", "tools": ["till"]}],
            "goals": [{"title": "Grow orders", "metric": "orders"}],
            "alignment_links": [{"initiative": "Online orders", "goal": "Grow orders",
                                 "rationale": "People order from their phones."}],
            "measurement_links": [{"initiative": "Online orders", "metric": "Orders"}]}
    base.update(parts)
    return base


def problems(document) -> str:
    with pytest.raises(PlaybookDocumentError) as caught:
        load(document, model_choices())
    return " | ".join(caught.value.problems)


def test_a_valid_document_is_normalised():
    out = load(doc(), model_choices())
    assert out["metrics"][0]["frequency"] == "monthly"
    assert out["initiatives"][0]["tools"] == ["till"]
    assert out["goals"][0]["metric"] == "orders"
    assert "monthly_cost" not in out["tools"][0]


def test_names_match_ignoring_case_and_spacing():
    assert name_key("  Online   STORE ") == name_key("online store")


@pytest.mark.parametrize("document, message", [
    ([], "not a JSON object"),
    ({"format": "csv"}, "not a playbook"),
    (doc(version=2), "newer portal"),
    (doc(version="1"), "not a playbook version"),
    (doc(metrics=[{"name": "Orders", "unit": "litres"}]), "“unit” is 'litres'"),
    (doc(metrics=[{"name": ""}]), "“name” is empty"),
    (doc(metrics=[{"name": "A\nB"}]), "line break"),
    (doc(metrics="Orders"), "metrics: must be a list"),
    (doc(metrics=[{"name": "Orders"}, {"name": " ORDERS "}]), "appears twice"),
    (doc(goals=[{"title": "Grow", "metric": "Visits"}]), "does not have"),
    (doc(initiatives=[{"name": "X", "tools": ["Nope"]}], alignment_links=[],
         measurement_links=[]), "tool “Nope”"),
    (doc(initiatives=[{"name": "X", "impact": 9}], alignment_links=[], measurement_links=[]),
     "from 1 to 5"),
    (doc(alignment_links=[{"initiative": "Online orders", "goal": "Grow orders",
                           "rationale": ""}]), "“rationale” is empty"),
    (doc(alignment_links=[{"initiative": "Online orders", "goal": "Other",
                           "rationale": "Because."}]), "goal “Other”"),
    (doc(includes_money=True, tools=[{"name": "Till", "monthly_cost": "NaN"}]),
     "must be a number"),
    (doc(includes_money=True, tools=[{"name": "Till", "monthly_cost": -5}]),
     "must be a number"),
    (doc(metrics=[{"name": "x" * 121}]), "longer than 120"),
    (doc(surprise=[]), "unknown part"),
    (doc(metrics=[{"name": "m"}] * 501), "at most 500"),
])
def test_a_broken_document_is_refused_naming_the_problem(document, message):
    assert message in problems(document)


def test_money_is_read_only_when_the_document_includes_it():
    out = load(doc(includes_money=True, tools=[{"name": "Till", "monthly_cost": 12.5}]),
               model_choices())
    assert out["tools"][0]["monthly_cost"] == "12.50"
    out = load(doc(tools=[{"name": "Till", "monthly_cost": 12.5}]), model_choices())
    assert "monthly_cost" not in out["tools"][0]
