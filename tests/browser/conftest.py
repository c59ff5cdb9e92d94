"""Browser journeys: Playwright drives Debian's Chromium against a live server.

A failing journey saves a full-page screenshot under test-artifacts/ and prints its path, for
the person reading the CI log. Every page a journey visits is checked with axe-core: no
`serious` or `critical` violation.
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
PHONE = {"width": 375, "height": 740}

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

    def __init__(self, page, base_url: str):
        self.page = page
        self.base_url = base_url
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

    def audit(self, *, again: bool = False):
        """axe-core on the page as it is now: no serious or critical violation. A page already
        audited is skipped unless `again` (after an htmx change that matters)."""
        from axe_playwright_python.sync_playwright import Axe

        path = self.page.url.split("?")[0]
        if path in self.audited and not again:
            return
        self.audited.add(path)
        results = Axe().run(self.page)
        bad = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
        assert not bad, f"accessibility violations on {path}: {bad}"


@pytest.fixture
def journey(chromium, live_server, request):
    """Returns a function making a Journey, at desktop size or phone size."""
    contexts = []

    def start(viewport=None) -> Journey:
        context = chromium.new_context(viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        return Journey(context.new_page(), live_server.url)

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
