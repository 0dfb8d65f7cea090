"""Browser tests: Playwright for Python (sync API) driving the machine's Chromium, headless, against
pytest-django's live_server (docs/decisions/0050).

- Chromium is /usr/bin/chromium (CHROMIUM_PATH overrides). It is never downloaded by Playwright; when
  it is missing the tests fail with the install command: CI forbids skipping browser tests.
- Each test gets fresh browser contexts (no cookies, no storage) of a launch that has its own
  temporary profile (Playwright's launch() makes a new user-data-dir and removes it on close).
- The browser may reach only the live server: any other request is aborted and fails the test
  (nothing loads from a CDN), and so does any JavaScript error on the page.
- `screenshot(page, name)` writes docs/screens/<name>.png; `assert_accessible(page)` runs axe-core
  (bundled with the pinned axe-playwright-python wheel, so it works offline) and fails on serious
  or critical findings.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP = {"width": 1366, "height": 768}  # the front desk's PC
TABLET = {"width": 1280, "height": 800}  # the doctor's tablet, landscape
SCREENS = Path(settings.BASE_DIR) / "docs" / "screens"
INSTALL_HINT = (
    "Install it with `apt-get update && apt-get install -y chromium` (or set CHROMIUM_PATH). "
    "Browser tests are never skipped."
)
PASSWORD = "pass-Word-123"  # tests.factories.UserFactory
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_FAILING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


# Per module, not per session: Playwright's sync API keeps an asyncio loop running on this thread
# while it lives, and later tests that use async_to_sync (Channels) would fail beside it.
@pytest.fixture(scope="module")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}. " + INSTALL_HINT,
            pytrace=False,
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `make install` (requirements/local.txt)", pytrace=False)

    # Playwright's sync API keeps an asyncio loop on this thread; Django would then refuse the
    # test's own ORM calls as "async-unsafe". The test thread and the live server's thread each use
    # their own connection, so this is safe here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def live_site(live_server, settings, transactional_db):
    """The live server with the plain-HTTP settings a test browser needs, whatever DEBUG says."""
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    return live_server


class PageProblems:
    """What went wrong in the browser: requests that left the live server, JavaScript errors."""

    def __init__(self):
        self.external_requests: list[str] = []
        self.js_errors: list[str] = []
        self.failed_resources: list[str] = []
        self.request_urls: list[str] = []
        self.expected_failures: list[str] = []

    def expect_failure(self, url_part: str) -> None:
        """A test that provokes a 4xx on purpose (a refused page) names it here."""
        self.expected_failures.append(url_part)

    def on_response(self, response) -> None:
        if response.status >= 400 and not any(part in response.url for part in self.expected_failures):
            self.failed_resources.append(f"{response.status} {response.request.resource_type} {response.url}")

    def on_console(self, message) -> None:
        # A failed response is reported (with its URL) by on_response; the console line says less.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.js_errors.append(message.text)


@pytest.fixture
def new_page(browser, live_site):
    """A factory of pages, each in a fresh context: new_page(viewport=DESKTOP) -> Page."""
    contexts = []
    problems = PageProblems()
    origin = urlsplit(live_site.url)

    def route(route_, request):
        url = urlsplit(request.url)
        if url.scheme in ("data", "blob") or (url.hostname, url.port) == (origin.hostname, origin.port):
            route_.continue_()
        else:
            problems.external_requests.append(request.url)
            route_.abort()

    def make(viewport=DESKTOP):
        context = browser.new_context(
            viewport=viewport,
            base_url=live_site.url,
            locale="en-IN",
            timezone_id="Asia/Kolkata",
            has_touch=viewport == TABLET,
        )
        context.set_default_timeout(10_000)
        context.route("**/*", route)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.js_errors.append(str(error)))
        page.on("console", problems.on_console)
        page.on("response", problems.on_response)
        page.on("request", lambda request: problems.request_urls.append(request.url))
        page.problems = problems
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems.external_requests, f"requests left the live server: {problems.external_requests}"
    assert not problems.js_errors, f"JavaScript errors on the page: {problems.js_errors}"
    assert not problems.failed_resources, f"requests that failed: {problems.failed_resources}"


@pytest.fixture
def page_as(new_page, live_site):
    """A page whose browser is already signed in as `user` (a session cookie, no form)."""

    def make(user, viewport=DESKTOP):
        page = new_page(viewport)
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_site.url}]
        )
        return page

    return make


@pytest.fixture
def front_desk_page(page_as, front_desk_a):
    return page_as(front_desk_a)


@pytest.fixture
def doctor_tablet_page(page_as, doctor_a):
    return page_as(doctor_a, viewport=TABLET)


@pytest.fixture
def admin_page(page_as, admin_user):
    return page_as(admin_user)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the real staff login form."""
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def screenshot(page, name: str, *, full_page: bool = False) -> Path:
    """Write docs/screens/<name>.png (fonts loaded, animations settled) and return the path."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    path = SCREENS / f"{name}.png"
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(path), full_page=full_page, animations="disabled", caret="hide")
    return path


def assert_accessible(page, *, context=None) -> None:
    """axe-core on the page as it is now; serious or critical violations fail the test."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options)
    failing = [v for v in results.response["violations"] if v["impact"] in AXE_FAILING_IMPACTS]
    if failing:
        lines = [f"axe-core: {len(failing)} serious/critical violation(s) on {page.url}"]
        for violation in failing:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"][:5]:
                lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')}")
        pytest.fail("\n".join(lines), pytrace=False)
