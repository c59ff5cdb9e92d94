"""Each form field is one box: its label, help and control together, so a grid of fields keeps
every label above its own control (issue 15, item 1). The browser check measures the boxes;
this one checks the markup every form page is built from."""

import re

from django.urls import reverse

from tests.factories import CycleFactory


def _field_boxes(html: str) -> list[str]:
    return re.findall(r'<div class="field[^"]*">(.*?)</div>\s*(?=<div class="field|</div>)',
                      html, flags=re.S)


def test_goal_form_puts_each_label_in_the_box_of_its_own_control(tenancy):
    CycleFactory(organization=tenancy.org)
    response = tenancy.client("owner").get(reverse("goals:create", args=[tenancy.org.slug]))
    html = response.content.decode()
    grid = html.split('<h2 class="form-section">Measure</h2>')[1]
    for name in ("metric", "baseline_value", "target_value", "start_date", "due_date",
                 "confidence"):
        box = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}"(.*?)'
                        rf'(<div class="field|</fieldset>)', grid, flags=re.S)
        assert box, f"no field box starts with the label of {name}"
        controls = re.findall(r'<(?:input|select|textarea)[^>]* id="id_(\w+)"', box.group(1))
        assert controls == [name], f"the box of {name}'s label holds {controls}"


def test_a_field_with_an_error_is_marked_in_its_box(tenancy):
    CycleFactory(organization=tenancy.org)
    response = tenancy.client("owner").post(reverse("goals:create", args=[tenancy.org.slug]),
                                            {"title": ""})
    html = response.content.decode()
    assert re.search(r'<div class="field field-invalid">\s*<label for="id_title"', html)


def test_a_name_over_its_limit_is_refused_with_a_message_not_cut_by_the_browser(tenancy):
    url = reverse("organization_settings", args=[tenancy.org.slug])
    client = tenancy.client("owner")
    assert "maxlength" not in client.get(url).content.decode()  # the browser would cut it
    response = client.post(url, {"name": "x" * 200, "fiscal_year_start_month": 1,
                                 "currency": "EUR"})
    assert "at most 120 characters (it has 200)" in response.content.decode()
    tenancy.org.refresh_from_db()
    assert tenancy.org.name != "x" * 200
