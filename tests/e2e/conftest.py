"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

Without Chromium the journeys skip locally; with E2E_REQUIRED=1 (as .ci/run sets) they fail."""

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).parent / "screenshots"

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# itself (setting up data, checking results) are still ordinary synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def production_security_headers(settings):
    """Every journey runs with production's security headers (config.settings.production):
    the CSP on, X-Frame-Options DENY, nosniff. HSTS stays off: the live server is plain HTTP."""
    settings.CSP_ENABLED = True
    settings.CSP_REPORT_ONLY = False
    settings.X_FRAME_OPTIONS = "DENY"
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture(scope="session", autouse=True)
def static_files_like_whitenoise():
    """The live server serves static files with Django's handler; production serves them with
    WhiteNoise, which adds `Access-Control-Allow-Origin: *` to every static file. Add the same
    header here, so that a journey sees what production serves (the sandboxed H5P player, an
    opaque origin, loads its fonts over CORS)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandlerMixin

    original = StaticFilesHandlerMixin.serve

    def serve(self, request):
        response = original(self, request)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    StaticFilesHandlerMixin.serve = serve
    yield
    StaticFilesHandlerMixin.serve = original


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    page.goto("about:blank")  # the page's last calls (xAPI, heartbeat, beacons) leave now
    context.close()
    _wait_for_live_server_requests()


def _wait_for_live_server_requests(timeout: float = 10.0):
    """Wait until the live server has finished every request: the flush that ends a
    transactional test must not race a request thread still writing (on the shared in-memory
    SQLite database it fails with a foreign key error)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = [
            thread
            for thread in threading.enumerate()
            if getattr(getattr(thread, "_target", None), "__name__", "") == "process_request_thread"
        ]
        if not busy:
            return
        time.sleep(0.05)


@pytest.fixture
def screenshot(page):
    """Save a screenshot under tests/e2e/screenshots/ (to look at what a journey shows)."""

    def take(name: str):
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


def sign_in(page, email: str, password: str = "pw-for-tests-1"):
    page.goto("/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


# Accessibility: axe-core (npm, node_modules/axe-core) run in the page the journey is on.
AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_FAILING_IMPACTS = ("serious", "critical")


def axe_violations(page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe-core finds on the page as it is now, serious and
    critical only: [{id, impact, help, nodes: [target, …]}]. axe is evaluated through the
    DevTools protocol, so the page's strict CSP stays on and nothing is added to the site."""
    if not AXE_SCRIPT.exists():
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(f"{AXE_SCRIPT} is missing: run `npm ci --ignore-scripts`")
        pytest.skip("axe-core not installed (npm ci --ignore-scripts)")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    result = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]};
            const result = await window.axe.run(document, options);
            const summary = n => (n.failureSummary || "").split("\\n").slice(1).join(" ");
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map(n => n.target.join(" ") + " :: " + summary(n))}));
        }""",
        AXE_TAGS,
    )
    return [violation for violation in result if violation["impact"] in AXE_FAILING_IMPACTS]


def assert_accessible(page, label: str = ""):
    """Fail with a readable list when axe-core finds a serious or critical WCAG 2.1 AA violation
    on the current page (call it after the page has settled, on every page a journey shows)."""
    violations = axe_violations(page)
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(v["nodes"][:5]) for v in violations
    )
    assert not violations, f"axe-core on {label or page.url}:\n{report}"
