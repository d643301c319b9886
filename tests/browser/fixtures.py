"""Browser tests: Playwright (sync API) driving Debian's Chromium against ``live_server``.

Without /usr/bin/chromium the tests skip, unless ``CI=true``, where they fail: CI must run
them (``.ci/run`` installs the package).
"""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio loop in the test thread; Django's ORM (fixtures,
# pytest-django's flush after each transactional test) would otherwise refuse to run there.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: Where each test leaves a screenshot of its last page, for a human to look at: the
#: project's var/screenshots/ (gitignored), or BROWSER_SCREENSHOT_DIR.
SCREENSHOT_DIR = Path(
    os.environ.get(
        "BROWSER_SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "var" / "screenshots"
    )
)


def _require_chromium():
    if CHROMIUM.exists():
        return
    message = (
        f"Browser tests need Debian's Chromium at {CHROMIUM} "
        "(apt-get install chromium fonts-noto-cjk); it is not installed."
    )
    if os.environ.get("CI") == "true":
        pytest.fail(message + " CI=true: browser tests must run in CI.", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser):
    """``new_page(**context_options)``: a page in a fresh browser context (own cookies),
    Chinese locale and Shanghai time like the district's staff; closed after the test.

    ``page.problems`` collects JavaScript errors, console errors and responses of 400 or more
    (a missing static file, a failing htmx request) for the test to assert on.
    """
    contexts = []

    def make(**options):
        options.setdefault("locale", "zh-CN")
        options.setdefault("timezone_id", "Asia/Shanghai")
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        page.on("pageerror", lambda error: page.problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                message.type == "error"
                and page.problems.append(f"console error: {message.text} at {message.location}")
            ),
        )
        page.on(
            "response",
            lambda response: (
                response.status >= 400
                and page.problems.append(f"HTTP {response.status}: {response.url}")
            ),
        )
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_path():
    """``screenshot_path(name)``: where a test saves its screenshot."""

    def path(name):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        return str(SCREENSHOT_DIR / f"{name}.png")

    return path
