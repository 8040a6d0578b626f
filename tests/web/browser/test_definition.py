"""The blueprint screen: take the derived phases, move a step to another phase by keyboard, give a
step and a phase an assumed duration, save; the definition is what was set."""

from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.data import small_blueprint


def test_phases_and_assumptions_are_set_on_the_blueprint_screen(page, server):
    bp = small_blueprint(server, name="Definition service")["blueprint"]
    sign_in(page, f"{server.url}/blueprints/{bp}/edit", ADMIN)
    with api(server) as client:
        feed = client.get(f"/v1/blueprints/{bp}/feed").json()
    page.click("#derived")
    assert page.locator(".phase-col").count() == 1 + len(feed["phases"])
    first = page.locator(".phase-col").nth(1)
    moved = first.locator(".chip .name").first.inner_text()
    first.locator(".chip").first.get_by_role("button", name=f"Move {moved} to the next phase").press("Enter")
    assert moved in page.locator(".phase-col").nth(2).inner_text()
    page.fill(".phase-col >> nth=1 >> input[type=number]", "2")
    page.press(".phase-col >> nth=1 >> input[type=number]", "Tab")
    step = page.get_by_label("Ship: assumed duration: amount")
    step.fill("30")
    page.get_by_label("Ship: assumed duration: unit").select_option("min")
    page.click("#save")
    page.locator("#status", has_text="Saved").wait_for()
    with api(server) as client:
        definition = client.get(f"/v1/blueprints/{bp}").json()
    phases = definition["phases"]
    assert [p["name"] for p in phases] == [p["name"] for p in feed["phases"]]
    assert moved in phases[1]["activities"] and moved not in phases[0]["activities"]
    assert phases[0]["assumed_duration_s"] == 2 * 3600  # the unit shown first is hours
    assert definition["assumptions"]["steps"]["Ship"]["assumed_s"] == 1800.0
    assert page.errors == []
