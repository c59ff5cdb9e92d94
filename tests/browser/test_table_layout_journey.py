"""Tables as a German reader sees them on a phone and a laptop: names in table cells keep their
words whole (no "Automat|ed nurture emails", no "Bearbeite|n" beside "Verknüpfung lösen"), and
each stacked cell's label fits the label column beside its value."""

import pytest

from alignment_portal.organizations.models import Role
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import (
    PASSWORD,
    AlignmentLinkFactory,
    CycleFactory,
    InitiativeFactory,
    MembershipFactory,
    OrganizationFactory,
    ToolFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

# Visible links in table cells whose longest word is wider than the link's widest line box:
# that word was broken across lines. Visually hidden text (screen-reader context) is left out.
BROKEN_WORDS_JS = """() => {
  const canvas = document.createElement('canvas').getContext('2d'); const broken = [];
  document.querySelectorAll('table td a').forEach(a => {
    if (!a.offsetParent) return;
    const copy = a.cloneNode(true);
    copy.querySelectorAll('.visually-hidden').forEach(e => e.remove());
    const words = copy.textContent.trim().split(/\\s+/).filter(Boolean);
    if (!words.length) return;
    const style = getComputedStyle(a);
    canvas.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const widest = Math.max(...[...a.getClientRects()].map(r => r.width));
    const longest = Math.max(...words.map(w => canvas.measureText(w).width));
    if (longest > widest + 2) broken.push(copy.textContent.trim());
  });
  return broken;
}"""

# Stacked cells whose label has a word wider than the label column it sits in.
CRAMPED_LABELS_JS = """() => {
  const canvas = document.createElement('canvas').getContext('2d'); const cramped = [];
  document.querySelectorAll('table.stack td[data-label]').forEach(td => {
    if (!td.offsetParent) return;
    const label = getComputedStyle(td, '::before');
    canvas.font = `${label.fontWeight} ${label.fontSize} ${label.fontFamily}`;
    const column = parseFloat(label.width);
    for (const word of td.dataset.label.split(/\\s+/))
      if (canvas.measureText(word).width > column + 1) cramped.push(word);
  });
  return [...new Set(cramped)];
}"""


@pytest.fixture
def agency():
    organization = OrganizationFactory(name="Brightside", slug="brightside", currency="GBP")
    MembershipFactory(organization=organization, role=Role.OWNER, user__username="ada-owner")
    cycle = CycleFactory(organization=organization, state="active")
    tool = ToolFactory(organization=organization, name="ActiveCampaign")
    nurture = InitiativeFactory(organization=organization, name="Automated nurture emails",
                                department="Marketing")
    nurture.tools.add(tool)
    for name in ("Client newsletter drip", "Social post scheduling"):
        InitiativeFactory(organization=organization, name=name, department="Marketing")
    AlignmentLinkFactory(initiative=nurture, goal__cycle=cycle,
                         goal__title="Raise marketing-qualified leads to 45 a week",
                         expected_effect="+10 leads a week")
    return organization, nurture


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_german_reader_sees_table_names_whole_and_labels_in_their_column(journey, agency,
                                                                          viewport):
    organization, nurture = agency
    person = journey(viewport)
    page = person.page
    page.context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    person.go("/accounts/login/")
    page.get_by_label("Benutzername").fill("ada-owner")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    for path in (f"/o/{organization.slug}/initiatives/",
                 f"/o/{organization.slug}/initiatives/{nurture.pk}/",
                 f"/o/{organization.slug}/initiatives/tools/audit/"):
        person.go(path)
        assert page.evaluate(BROKEN_WORDS_JS) == [], path
        assert page.evaluate(CRAMPED_LABELS_JS) == [], path
    if viewport == DESKTOP:  # the list fits its card: no last column cut at the card's edge
        person.go(f"/o/{organization.slug}/initiatives/")
        widths = page.evaluate("() => { const t = document.querySelector('table.initiative-table');"
                               " const w = t.closest('.table-wrap') || t.parentElement;"
                               " return [w.scrollWidth, w.clientWidth]; }")
        assert widths[0] <= widths[1], widths
    assert not person.console_errors, person.console_errors
