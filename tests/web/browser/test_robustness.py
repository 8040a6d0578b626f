"""The pages as an impatient person drives them: a double click or a second Enter sends once, an answer
that comes back late does not undo a newer one or what is being typed, and the focus is not dropped on
the page's top when a list is redrawn.

Late answers are made by holding one request of the real server in the browser (page.route) and
letting it go at a chosen moment: the tests wait on responses and selectors, never on the clock."""

import pytest

from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.data import CSV, LANES, small_blueprint


@pytest.fixture(scope="module")
def owned(server) -> dict:
    return small_blueprint(server, name="Robust service")


def another_blueprint(server, owned, name: str) -> int:
    with api(server) as client:
        made = client.post("/v1/blueprints", json={"name": name, "sources": [owned["source"]], "lanes": LANES})
        assert made.status_code == 201, made.text
        return made.json()["id"]


class Held:
    """The next `count` requests whose path ends with `path` wait in the browser until let go; the
    requests after them go on at once."""

    def __init__(self, page, path: str, count: int = 1) -> None:
        self.page, self.path, self.left, self.routes = page, path, count, []

        def route(handle):
            if self.left > 0:
                self.left -= 1
                self.routes.append(handle)
            else:
                handle.continue_()

        page.route(self.matches, route)

    def matches(self, url) -> bool:
        return str(url).split("?")[0].endswith(self.path)

    def hold(self, action, count: int = 1) -> None:
        """Do `action`, holding the next `count` requests it sends (seen sent when this returns)."""
        self.left += count
        with self.page.expect_request(lambda r: self.matches(r.url)):
            action()

    def release(self) -> None:
        """Let the held requests go; back when their answers have come to the page."""
        assert self.routes, "no request was held"
        for handle in self.routes:
            with self.page.expect_response(lambda r, url=handle.request.url: r.url == url):
                handle.continue_()
        self.routes = []


def round_trip(page) -> None:
    """One more request from the page, answered: by then the page has handled the answers that came
    before it (they were queued to it first)."""
    page.evaluate("() => fetch('/static/js/dom.js').then((r) => r.text())")


def requests_of(page, method: str, path: str) -> list:
    sent = []
    page.on("request", lambda r: r.method == method and r.url.split("?")[0].endswith(path) and sent.append(r.url))
    return sent


def focused_label(page) -> str | None:
    return page.evaluate("() => document.activeElement.getAttribute('aria-label')")


def test_a_second_enter_on_the_sign_in_form_starts_the_page_once(page, server, owned, tmp_path):
    """Two submits before /v1/me answered started the page twice: every control was wired twice, so
    one file chosen was previewed twice (and one click on Upload sent it twice)."""
    log = tmp_path / "log.csv"
    log.write_text(CSV)
    asked, previews = requests_of(page, "GET", "/v1/me"), requests_of(page, "POST", "/v1/uploads/preview")
    page.goto(f"{server.url}/upload")
    page.fill("#key", ADMIN)
    page.evaluate("() => { const form = document.getElementById('signin-form'); form.requestSubmit(); "
                  "form.requestSubmit(); }")
    page.wait_for_selector("body[data-ready=true]", state="attached")
    assert len(asked) == 1
    page.set_input_files("#file", log)
    page.wait_for_selector("#preview table")
    round_trip(page)
    assert len(previews) == 1
    assert page.errors == []


def test_a_double_click_uploads_once(page, server, owned, tmp_path):
    log = tmp_path / "log.csv"
    log.write_text(CSV)
    sent = requests_of(page, "POST", f"/v1/sources/{owned['source']}/uploads")
    sign_in(page, f"{server.url}/upload", ADMIN)
    page.select_option("#source", str(owned["source"]))
    page.set_input_files("#file", log)
    page.wait_for_selector("#preview table")
    page.dblclick("#send")
    page.wait_for_selector("#upload-outcome")
    assert "Stored 0 events of 3 cases (10 already stored" in page.inner_text("#upload-outcome")
    assert len(sent) == 1
    assert page.get_attribute("#send", "aria-disabled") is None  # ready for the next file
    assert page.errors == []


def test_the_file_chosen_last_is_the_one_previewed_and_checked(page, server, owned, tmp_path):
    """A slow preview of the first file answering after the second's showed (and mapped) the first
    file's columns while the upload would send the second."""
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(CSV)
    second.write_text("case_id,activity,timestamp\nx,Start,2024-01-01 10:00:00\nx,End,2024-01-01 11:00:00\n")
    sign_in(page, f"{server.url}/upload", ADMIN)
    page.select_option("#source", "new")
    held = Held(page, "/v1/uploads/preview", count=0)
    held.hold(lambda: page.set_input_files("#file", first))  # only the first file's preview is slow
    page.set_input_files("#file", second)
    page.locator("#preview thead", has_text="timestamp").wait_for()
    held.release()  # the first file's answer comes last
    page.click("#check")
    page.wait_for_selector("#checked table")
    assert "timestamp" in page.inner_text("#preview thead") and "role" not in page.inner_text("#preview thead")
    assert page.locator("#checked tbody tr").count() == 2
    assert page.inner_text("#status") == "The mapping reads every previewed row."


def test_a_double_click_creates_one_blueprint(page, server, owned):
    created = requests_of(page, "POST", "/v1/blueprints")
    sign_in(page, f"{server.url}/blueprints/new?source={owned['source']}", ADMIN)
    page.fill("#name", "Made once")
    page.dblclick("#save")
    page.wait_for_url("**/lanes")
    assert len(created) == 1


def test_a_late_picture_does_not_replace_a_newer_one_nor_what_is_typed(page, server, owned):
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}", ADMIN)
    layout = Held(page, f"/v1/blueprints/{owned['blueprint']}/layout", count=0)
    page.fill("#step-share", "50")
    layout.hold(lambda: page.press("#step-share", "Enter"))  # this answer will come last
    page.fill("#step-share", "0")  # then everything, answered at once
    page.press("#step-share", "Enter")
    page.locator("#folded", has_text="Every step and flow is shown.").wait_for()
    shown = page.locator("#picture g.step").count()
    page.fill("#flow-share", "25")  # typed, not sent yet
    layout.release()
    round_trip(page)
    assert page.inner_text("#folded") == "Every step and flow is shown."
    assert page.locator("#picture g.step").count() == shown
    assert page.input_value("#flow-share") == "25"
    # A query answering while the thresholds are being typed leaves them as typed.
    layout.hold(lambda: page.click("#query button[type=submit]"))
    page.fill("#step-share", "30")
    layout.release()
    page.locator("#status", has_text="flows shown").wait_for()
    assert page.input_value("#step-share") == "30"
    assert page.errors == []


def test_two_edited_conditions_of_a_rule_are_both_kept_and_saved_once(page, server, owned):
    """Each condition row edited the rule from its own copy of the conditions taken when the list was
    drawn, so editing the second condition undid the edit of the first."""
    bp = another_blueprint(server, owned, "Two conditions")
    saves = requests_of(page, "PUT", f"/v1/blueprints/{bp}")
    sign_in(page, f"{server.url}/blueprints/{bp}/lanes", ADMIN)
    page.locator("#rest h3", has_text="Unmapped").wait_for()
    page.click("#rule-0 button:text('and another condition')")
    assert focused_label(page) == "Rule 1, condition 1: value"  # the new condition, not the page's top
    page.keyboard.type("Order")
    page.keyboard.press("Tab")
    page.fill("[aria-label='Rule 1, condition 2: value']", "agent")
    with page.expect_response(lambda r: r.url.endswith("/lanes/dry-run")):
        page.press("[aria-label='Rule 1, condition 2: value']", "Tab")
    page.click("[aria-label='Rule 3: remove']")
    assert focused_label(page) == "Rule 2: lane"
    page.dblclick("#save")
    page.locator("#status", has_text="Saved").wait_for()
    assert len(saves) == 1
    assert page.evaluate("() => document.activeElement.id") == "save"  # still there for the next save
    with api(server) as client:
        rules = client.get(f"/v1/blueprints/{bp}").json()["lanes"]["rules"]
    given = [{kind: value for kind, value in r["match"].items() if value is not None} for r in rules]
    assert given == [{"activity": "Order", "role": "agent"}, {"role": "agent"}]


def test_a_chip_moved_with_its_button_keeps_the_focus(page, server, owned):
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}/edit", ADMIN)
    page.click("#add-phase")
    chip = page.locator("#phases .chip").first
    activity = chip.get_attribute("data-activity")
    chip.locator("button").nth(1).focus()
    page.keyboard.press("Enter")  # into the only phase: it can go back, not on
    assert focused_label(page) == f"Move {activity} to the previous phase"
    page.keyboard.press("Enter")
    assert focused_label(page) == f"Move {activity} to the next phase"
    page.locator("#phases button", has_text="Remove this phase").focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "add-phase"
    assert page.errors == []


def test_the_counts_are_of_the_rules_as_they_are(page, server, owned):
    """After a move the older count was shown by position, under the other rule, until the new count
    came; a count the API refused left 'counting…' (and its error after the rules were mended)."""
    bp = another_blueprint(server, owned, "Counts")
    sign_in(page, f"{server.url}/blueprints/{bp}/lanes", ADMIN)
    page.locator("#rule-1 .count", has_text="takes 4 events").wait_for()  # the agents' rule
    counts = Held(page, "/lanes/dry-run", count=0)
    counts.hold(lambda: page.click("[aria-label='Rule 1: move down']"))
    assert page.inner_text("#rule-0 .count") == "counting…"  # not the customers' 3 events
    counts.release()
    page.locator("#rule-0 .count", has_text="takes 4 events").wait_for()
    value = "[aria-label='Rule 1, condition 1: value']"
    page.select_option("[aria-label='Rule 1, condition 1: kind']", "role_regex")
    page.fill(value, "agent(")
    with page.expect_response(lambda r: r.url.endswith("/lanes/dry-run") and r.status == 422):
        page.press(value, "Tab")
    page.locator("#rule-0 .count", has_text="not counted").wait_for()
    assert "Not counted" in page.inner_text("#rest")
    assert "status error" in page.get_attribute("#status", "class")
    page.fill(value, "agent")
    with page.expect_response(lambda r: r.url.endswith("/lanes/dry-run") and r.ok):
        page.press(value, "Tab")
    page.locator("#rule-0 .count", has_text="takes 4 events").wait_for()
    assert page.inner_text("#status") == ""
    # A kind with an attribute name draws its name box, and the kind picker keeps the focus.
    page.select_option("[aria-label='Rule 1, condition 1: kind']", "attribute")
    assert page.input_value("[aria-label='Rule 1, condition 1: attribute name']") == "channel"
    assert focused_label(page) == "Rule 1, condition 1: kind"
    # Accepting a suggestion disables its button: the focus goes on, not to the page's top.
    page.locator(".suggestion button.accept:not([disabled])").last.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "save"
    assert page.errors == []


def test_a_failed_download_is_said(page, server, owned):
    """A refused SVG or PNG download was an unhandled rejection: the click seemed to do nothing."""
    sign_in(page, f"{server.url}/blueprints/{owned['blueprint']}?min_step_share=5", ADMIN, ready=False)
    page.wait_for_selector("body[data-ready=error]", state="attached")  # the picture itself is refused
    page.evaluate("() => { document.getElementById('status').textContent = ''; }")
    with page.expect_response(lambda r: "/svg" in r.url and r.status == 422):
        page.click("#dl-svg")
    page.locator("#status.error", has_text="min_step_share").wait_for()
    assert page.errors == []


def test_another_condition_beside_an_activity_condition_is_a_new_row(page, server, owned):
    """It added nothing: the new row was 'activity is', and a match holds one activity condition."""
    with api(server) as client:
        bp = client.post("/v1/blueprints", json={"name": "Two conditions", "sources": [owned["source"]], "lanes": {
            "rules": [{"lane": "customer", "match": {"activity": "Order"}}]}}).json()["id"]
    sign_in(page, f"{server.url}/blueprints/{bp}/lanes", ADMIN)
    page.locator("#rest h3", has_text="Unmapped").wait_for()
    page.click("#rule-0 button:text('and another condition')")
    assert page.locator("#rule-0 .condition").count() == 2
    assert page.input_value("[aria-label='Rule 1, condition 2: kind']") == "role"  # another field than activity
    assert focused_label(page) == "Rule 1, condition 2: value"
    page.keyboard.type("customer")
    with page.expect_response(lambda r: r.url.endswith("/lanes/dry-run")):
        page.keyboard.press("Tab")
    page.locator("#rule-0 .count", has_text="takes 3 events").wait_for()  # the three Orders, by customers
    page.click("#save")
    page.locator("#status", has_text="Saved").wait_for()
    with api(server) as client:
        rule = client.get(f"/v1/blueprints/{bp}").json()["lanes"]["rules"][0]
    assert {k: v for k, v in rule["match"].items() if v is not None} == {"activity": "Order", "role": "customer"}
    assert page.errors == []


def test_the_upload_screen_takes_no_source_for_granted(page, server, owned, tmp_path):
    """With sources in the workspace, none is chosen until the person chooses (the first one was,
    and a new log went into it unnoticed); a link can name one (/upload?source=ID)."""
    log = tmp_path / "other.csv"
    log.write_text(CSV)
    sent = requests_of(page, "POST", "/uploads")
    sign_in(page, f"{server.url}/upload", ADMIN)
    assert page.input_value("#source") == ""
    page.set_input_files("#file", log)
    page.wait_for_selector("#preview table")
    page.click("#send")
    page.locator("#status", has_text="Choose the source these events go into").wait_for()
    assert sent == [] and page.evaluate("() => document.activeElement.id") == "source"
    page.goto(f"{server.url}/upload?source={owned['source']}")
    page.wait_for_selector("body[data-ready]", state="attached")
    assert page.input_value("#source") == str(owned["source"])
    page.set_input_files("#file", log)
    page.wait_for_selector("#preview table")
    page.click("#send")
    page.wait_for_selector("#upload-outcome")
    assert len(sent) == 1 and sent[0].split("?")[0].endswith(f"/v1/sources/{owned['source']}/uploads")
    again = page.get_attribute("#result a:text('Upload another file into it')", "href")
    assert again == f"/upload?source={owned['source']}"
    assert page.errors == []
