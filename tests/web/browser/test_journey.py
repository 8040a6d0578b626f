"""The pages as a service designer uses them: sign in, upload the helpdesk log with a column mapping,
accept suggested lane rules, open the blueprint; every figure on it equals the feed's."""

import pytest

from app.web.format import duration, wrap
from tests.conftest import SAMPLES
from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.pictures import counts_of, read_picture

HELPDESK = SAMPLES / "helpdesk.csv"
MAPPING = {"#map-case_id": "Case ID", "#map-activity-0": "Activity", "#map-timestamp": "Complete Timestamp",
           "#map-resource": "Resource"}


def upload_helpdesk(page, server) -> None:
    sign_in(page, f"{server.url}/upload", ADMIN)
    page.select_option("#source", "new")
    page.fill("#source-name", "helpdesk")
    page.select_option("#source-system", "ticketing")
    page.fill("#source-timezone", "Europe/Rome")
    page.set_input_files("#file", HELPDESK)
    page.wait_for_selector("#preview table")
    assert page.locator("#preview tbody tr").count() == 20
    assert "Case ID" in page.locator("#preview thead").inner_text()
    for select, column in MAPPING.items():
        page.select_option(select, column)
    page.click("#check")
    page.wait_for_selector("#checked table")
    assert page.locator("#checked tbody tr").count() == 20
    page.click("#send")
    page.wait_for_selector("#upload-outcome", timeout=120_000)


def create_blueprint_with_suggested_lanes(page) -> None:
    page.click("text=Create a blueprint from this source")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#name", "Helpdesk")
    page.click("#save")
    page.wait_for_url("**/lanes")
    page.wait_for_selector("body[data-ready=true]")
    page.locator(".suggestion button.accept").first.click()  # the suggested default lane
    page.click("#add-rule")
    page.select_option("#rule-0 .rule-lane", "customer")
    page.fill("#rule-0 .condition-value", "Insert ticket")
    page.press("#rule-0 .condition-value", "Tab")
    page.locator("#rule-0 .count", has_text="takes 118 events").wait_for()
    page.click("#save")
    page.locator("#status", has_text="Saved").wait_for()


@pytest.fixture(scope="module")
def helpdesk(browser, server, artifacts):
    """The journey through the pages, once per module: the blueprint's id and the upload's outcome."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = context.new_page()
    upload_helpdesk(page, server)
    outcome = page.inner_text("#upload-outcome")
    page.screenshot(path=artifacts / "upload.png", full_page=True)
    create_blueprint_with_suggested_lanes(page)
    page.screenshot(path=artifacts / "lanes.png", full_page=True)
    blueprint = int(page.url.split("/blueprints/")[1].split("/")[0])
    context.close()
    return {"blueprint": blueprint, "outcome": outcome}


def test_upload_lanes_and_blueprint_show_the_feeds_figures(page, server, helpdesk, artifacts):
    assert helpdesk["outcome"] == "Stored 21,221 events of 4,580 cases (127 already stored, 0 rows rejected)."
    bp = helpdesk["blueprint"]
    with api(server) as client:
        definition = client.get(f"/v1/blueprints/{bp}").json()
        feed = client.get(f"/v1/blueprints/{bp}/feed").json()
        layout = client.get(f"/v1/blueprints/{bp}/layout").json()
        suggested = client.get(f"/v1/blueprints/{bp}/lanes/suggest").json()
    # The helpdesk's suggestion is its default lane alone: ticketing staff deal with the customer.
    assert suggested["rules"] == [] and definition["lanes"]["default"] == suggested["default"]["lane"] == "frontstage"
    rules = definition["lanes"]["rules"]
    assert [(r["lane"], r["match"]["activity"]) for r in rules] == [("customer", "Insert ticket")]
    sign_in(page, f"{server.url}/blueprints/{bp}", ADMIN)
    page.screenshot(path=artifacts / "blueprint.png")
    drawn = read_picture(page)
    assert [b["id"] for b in drawn["bands"]] == ["evidence", "customer", "frontstage", "backstage", "support"]
    bands = {b["id"]: b["box"] for b in drawn["bands"]}
    assert [(line["id"], line["name"]) for line in drawn["lines"]] == [(x["id"], x["name"]) for x in feed["lines"]]
    for line, (above, below) in zip(drawn["lines"], [x["between"] for x in feed["lines"]], strict=True):
        bottom = bands[above]["y"] + bands[above]["height"]
        assert line["y"] == pytest.approx(bottom) == pytest.approx(bands[below]["y"])
    phases = {p["id"]: p["lines"] for p in drawn["phases"]}
    for phase in feed["phases"]:
        elapsed = phase["elapsed"]
        assert phases[phase["id"]][1] == f"median {duration(elapsed['median_s'])} · p90 {duration(elapsed['p90_s'])}"
        assert phase["name"].startswith(phases[phase["id"]][0].removesuffix("…"))
    steps = {s["id"]: s for s in feed["steps"]}
    assert [s["id"] for s in drawn["steps"]] == [s["id"] for s in layout["steps"]]
    assert len(drawn["steps"]) == len(steps) == 14  # all of them: under 60
    for card in drawn["steps"]:
        step = steps[card["id"]]
        assert card["name"] == wrap(step["activity"], 22, 2)
        assert counts_of(card["figures"][0]) == (step["events"], step["cases"])
        wait = step["waiting_before"]
        assert card["figures"][1] == (f"wait {duration(wait['median_s'])} · p90 {duration(wait['p90_s'])}" if wait
                                      else "first step: no wait before")
        rework = [f for f in card["figures"] if f.startswith("rework")]
        assert bool(rework) == (step["rework"]["cases"] > 0)
        lane = bands[step["lane"]]
        assert lane["y"] <= card["box"]["y"] and card["box"]["y"] + card["box"]["height"] <= lane["y"] + lane["height"]
    assert steps[next(s["id"] for s in feed["steps"] if s["activity"] == "Insert ticket")]["lane"] == "customer"
    assert len(drawn["flows"]) == len(layout["flows"])
    assert page.errors == []


def test_the_lane_screen_shows_which_suggestions_the_rules_hold(page, server, helpdesk):
    """Back on the lane screen after the journey saved the suggested default lane: it is marked as
    held, not offered again (accepting it twice would add a rule that takes nothing)."""
    sign_in(page, f"{server.url}/blueprints/{helpdesk['blueprint']}/lanes", ADMIN)
    [default] = page.locator(".suggestion").all()  # helpdesk: the default lane alone
    button = default.locator("button.accept")
    assert "held" in default.get_attribute("class").split()
    assert button.inner_text() == "In your rules" and button.is_disabled()
    page.locator("#rule-0 .count", has_text="of 1 activity in").wait_for()  # 'Insert ticket', in the singular


def test_a_step_and_a_flow_show_their_figures_and_comparison(page, server, helpdesk):
    bp = helpdesk["blueprint"]
    sign_in(page, f"{server.url}/blueprints/{bp}", ADMIN)
    with api(server) as client:
        feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    step = max(feed["steps"], key=lambda s: s["cases"])
    page.click(f"#picture #{step['id']}")
    details = page.locator("#details")
    assert details.locator("h2").inner_text() == step["activity"]
    assert f"{step['cases']:,}" in details.inner_text()
    assert "No assumption was made for it." in details.inner_text()
    details.locator(".flow-list button").first.click()
    assert "→" in details.locator("h2").inner_text()
    assert "waiting" in details.inner_text()


def test_the_exports_draw_the_pages_picture(page, server, helpdesk):
    import io

    from lxml import etree
    from PIL import Image

    bp = helpdesk["blueprint"]
    sign_in(page, f"{server.url}/blueprints/{bp}", ADMIN)
    drawn = read_picture(page)
    with api(server) as client:
        svg = client.get(f"/v1/blueprints/{bp}/svg")
        png = client.get(f"/v1/blueprints/{bp}/png")
    root = etree.fromstring(svg.content)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    exported = root.findall(".//svg:g[@class='step']", ns)
    assert [g.get("id") for g in exported] == [s["id"] for s in drawn["steps"]]
    for g, card in zip(exported, drawn["steps"], strict=True):
        rect = g.find("svg:rect", ns)
        at = (float(rect.get("x")), float(rect.get("y")))
        assert at == pytest.approx((card["box"]["x"], card["box"]["y"]), abs=0.1)
        assert [t.text for t in g.findall("svg:text[@class='figure']", ns)] == card["figures"]
    assert [g.get("id") for g in root.findall(".//svg:g[@class='flow']", ns)] == drawn["flows"]
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG"
    width, height = float(root.get("width")), float(root.get("height"))
    assert image.size == (round(width), round(height))
    assert image.size[0] / image.size[1] == pytest.approx(width / height, rel=0.002)
