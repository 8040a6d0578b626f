"""Browser fixtures: Debian's Chromium through Playwright, a real server per module, pages signed in.

Where Chromium (or Playwright) is missing the browser tests skip, saying why, except under CI=true,
where they fail: CI installs Debian's chromium (.ci/run)."""

from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.web.browser.server import CHROMIUM_ARGS, Server, chromium_path, ci

ARTIFACTS = ROOT / "tests" / "artifacts"
ADMIN = "bpm_browser_admin_key_0123456789abcdef"


def _unavailable(reason: str):
    if ci():
        pytest.fail(f"CI=true but {reason}")
    print(f"\nbrowser tests skipped: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        _unavailable("Chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Uploads over 0.5 MB run in the background, so the upload screen's progress bar follows one.
    running = Server(tmp_path_factory.mktemp("web"), ADMIN, async_upload_mb=0.5).start()
    yield running
    running.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    opened = context.new_page()
    opened.errors = []
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.on("dialog", lambda dialog: (opened.errors.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    yield opened
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


def sign_in(page, url: str, key: str, *, ready: bool = True) -> None:
    """Open `url`, give the key on the sign-in form if the tab keeps none yet, and wait until the page
    has loaded its data (or said why it could not)."""
    page.goto(url)
    page.wait_for_selector("body[data-ready], #signin:not([hidden])", state="attached", timeout=60_000)
    if page.locator("#signin:not([hidden])").count():  # no key kept in this tab's session yet
        page.fill("#key", key)
        page.press("#key", "Enter")
    if ready:
        page.wait_for_selector("body[data-ready]", state="attached", timeout=60_000)


def api(server, key: str = ADMIN):
    import httpx

    return httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=300)

