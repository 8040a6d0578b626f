"""Accessibility: axe-core (axe-playwright-python) finds no serious or critical violation on the
blueprint, upload and lane pages; every control works from the keyboard."""

import pytest

from tests.web.browser.conftest import ADMIN, sign_in
from tests.web.browser.data import small_blueprint


@pytest.fixture(scope="module")
def owned(server) -> dict:
    return small_blueprint(server, name="Accessible service")


def serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}" for v in found]


@pytest.mark.parametrize("path", ["/blueprints/{id}", "/upload", "/blueprints/{id}/lanes", "/",
                                  "/blueprints/{id}/edit"])
def test_axe_finds_no_serious_violation(page, server, owned, path, artifacts):
    sign_in(page, server.url + path.format(id=owned["blueprint"]), ADMIN)
    if path == "/blueprints/{id}":
        page.locator("#picture g.step").first.click()  # the details panel too
    assert serious(page) == []


def test_the_sign_in_form_has_no_serious_violation(page, server):
    page.goto(f"{server.url}/")
    page.wait_for_selector("#signin:not([hidden])")
    assert serious(page) == []


def focused(page) -> dict:
    return page.evaluate("() => { const e = document.activeElement; return {id: e.id, tag: e.tagName, "
                         "kind: e.dataset ? e.dataset.kind : null, label: e.getAttribute('aria-label'), "
                         "text: e.tagName === 'BUTTON' ? e.textContent : null}; }")


def dry_run(response) -> bool:
    return response.url.endswith("/lanes/dry-run")


def tab_to(page, test, limit: int = 80) -> dict:
    """Press Tab until the focused element passes `test` (a dict -> bool); its description."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if test(now):
            return now
    raise AssertionError("not reached with Tab")


def test_the_blueprint_works_from_the_keyboard(page, server, owned):
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}", ADMIN)
    first = tab_to(page, lambda f: f["kind"] == "step")
    page.keyboard.press("Enter")
    title = page.inner_text("#details h2")
    assert title == page.locator(f"#{first['id']} title").text_content()
    page.keyboard.press("Escape")
    assert page.inner_text("#details h2") == "Details"
    second = tab_to(page, lambda f: f["kind"] == "step")
    assert second["id"] != first["id"]
    page.keyboard.press(" ")
    assert page.inner_text("#details h2") == page.locator(f"#{second['id']} title").text_content()
    # From the step's details to one of its flows, by keyboard.
    tab_to(page, lambda f: f["tag"] == "BUTTON" and page.evaluate(
        "() => document.activeElement.closest('.flow-list') !== null"))
    page.keyboard.press("Enter")
    assert "→" in page.inner_text("#details h2")
    # The controls above the picture: the thresholds form submits with Enter.
    page.focus("#step-share")
    page.fill("#step-share", "50")
    page.keyboard.press("Enter")
    page.locator("#folded", has_text="steps and").wait_for()
    assert page.locator("#picture g.step").count() < 4


def test_the_lane_screen_works_from_the_keyboard(page, server, owned):
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}/lanes", ADMIN)
    page.locator("#rest h3", has_text="Unmapped").wait_for()  # the page's first count is in
    before = page.locator("#rules li.rule").count()
    tab_to(page, lambda f: f["id"] == "add-rule")
    with page.expect_response(dry_run):  # the new rule is counted while its value has the focus
        page.keyboard.press("Enter")
    assert page.locator("#rules li.rule").count() == before + 1
    value = f"Rule {before + 1}, condition 1: value"
    assert focused(page)["label"] == value  # the new rule's value, ready to type, after the count too
    page.keyboard.type("Ship")
    with page.expect_response(dry_run):
        page.keyboard.press("Tab")
    page.locator(f"#rule-{before} .count", has_text="takes no events").wait_for()  # 'Ship' went to an earlier rule
    assert focused(page)["text"] == "and another condition"  # the next control, where Tab put it
    assert page.input_value(f"[aria-label='{value}']") == "Ship"
    tab_to(page, lambda f: page.evaluate("() => document.activeElement.classList.contains('accept')"))
    page.keyboard.press(" ")
    assert page.locator(".suggestion.accepted").count() == 1


def test_the_upload_screen_works_from_the_keyboard(page, server):
    sign_in(page, f"{server.url}/upload", ADMIN)
    tab_to(page, lambda f: f["id"] == "source")
    tab_to(page, lambda f: f["id"] == "file")
    tab_to(page, lambda f: f["id"] == "send")
