"""Browser journeys: Playwright drives Debian's Chromium against a live server.

Every page a journey visits is checked with axe-core (no `serious` or `critical` violation)
and for what a person sees (issue 15): the page body never scrolls sideways (wide tables
scroll in their own container), each visible label sits directly above or beside its own
control, and no two controls overlap. A full-page screenshot of every visited page is saved
under test-artifacts/<test>/ on every run, so a person can look through them; a failing
journey also saves its last state and prints the path.
"""

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 740}

# What a person sees, measured in the page: the label of each visible control directly above
# it (nothing between) or beside it, no two controls overlapping, no sideways scroll.
LAYOUT_PROBLEMS_JS = "\n".join(
    line for line in (Path(__file__).parent / "layout_check.js").read_text().splitlines()
    if not line.startswith("//"))

# Playwright's sync API runs an event loop in this thread; the test code's own ORM calls are
# still synchronous, so Django's async-safety guard is told so.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    missing = None
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing = "playwright is not installed"
    if not missing and not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        missing = f"Chromium is not at {CHROMIUM} (apt-get install -y chromium)"
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=missing))


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.journey_failed = report.failed


class Journey:
    """A browser tab for one person, with the checks every journey makes."""

    def __init__(self, page, base_url: str, *, name: str = "journey", person: int = 0):
        self.page = page
        self.base_url = base_url
        self.shots = ARTIFACTS / name
        self.person = person
        self.visits = 0
        self.console_errors: list[str] = []
        self.audited: set[str] = set()
        page.on("console", lambda m: self.console_errors.append(m.text)
                if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def go(self, path: str):
        self.page.goto(self.base_url + path)
        self.audit()

    def sign_in(self, username: str, password: str):
        self.page.goto(self.base_url + "/accounts/login/")
        self.audit()
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def screenshot(self, label: str = ""):
        """A full-page screenshot under test-artifacts/<test>/, numbered in visiting order."""
        self.shots.mkdir(parents=True, exist_ok=True)
        self.visits += 1
        width = self.page.viewport_size["width"] if self.page.viewport_size else 0
        slug = label or self.page.url.split("://", 1)[-1].partition("/")[2].split("?")[0]
        slug = "".join(c if c.isalnum() else "-" for c in slug).strip("-")[:80] or "home"
        self.page.screenshot(path=str(self.shots / f"{self.person}-{self.visits:02d}-{slug}-"
                                                   f"{width}px.png"), full_page=True)

    def check_layout(self):
        """What a person sees: no sideways scroll of the page, every visible label directly
        above or beside its own control, no two controls overlapping."""
        self.page.wait_for_load_state()
        problems = self.page.evaluate(LAYOUT_PROBLEMS_JS)
        width = self.page.viewport_size["width"] if self.page.viewport_size else "?"
        assert not problems, f"layout on {self.page.url} at {width} px: {problems}"

    def audit(self, *, again: bool = False):
        """axe-core on the page as it is now (no serious or critical violation), the layout
        check, and a screenshot. A page already audited is skipped unless `again` (after an
        htmx change that matters); it is screenshotted all the same."""
        from axe_playwright_python.sync_playwright import Axe

        path = self.page.url.split("?")[0]
        self.screenshot()
        if path in self.audited and not again:
            return
        self.audited.add(path)
        self.check_layout()
        results = Axe().run(self.page)
        bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, f"accessibility violations on {path}: {bad}"


@pytest.fixture
def journey(chromium, live_server, request):
    """Returns a function making a Journey, at desktop size or phone size."""
    contexts = []
    shutil.rmtree(ARTIFACTS / request.node.name, ignore_errors=True)  # this run's pictures only

    def start(viewport=None) -> Journey:
        context = chromium.new_context(viewport=viewport or DESKTOP)
        contexts.append(context)
        return Journey(context.new_page(), live_server.url, name=request.node.name,
                       person=len(contexts))

    yield start
    if getattr(request.node, "journey_failed", False):
        ARTIFACTS.mkdir(exist_ok=True)
        for n, context in enumerate(contexts):
            for m, page in enumerate(context.pages):
                path = ARTIFACTS / f"{request.node.name}-{n}-{m}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"\nscreenshot of the failed journey: {path}")
    for context in contexts:
        context.close()
