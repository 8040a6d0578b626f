"""The blueprint screen: take the derived phases, move a step to another phase by keyboard, give a
step and a phase an assumed duration, save; the definition is what was set."""

from tests.web.browser.conftest import ADMIN, api, sign_in
from tests.web.browser.data import small_blueprint


def observed_median(step: dict) -> float | None:
    for figure in (step["service_time"], step["waiting_before"]):
        if figure and figure["median_s"] is not None:
            return figure["median_s"]
    return None


def unit_of(seconds: float | None) -> str:
    if seconds is None:
        return "h"
    return "d" if seconds >= 86400 else "h" if seconds >= 3600 else "min"


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


# Waits of minutes (Check) and of days (Close); Open has none.
TIMES_CSV = ("case,activity,time\n" + "".join(
    f"{c},Open,2024-01-0{c} 10:00:00\n{c},Check,2024-01-0{c} 10:0{c + 4}:00\n{c},Close,2024-01-0{c + 3} 09:00:00\n"
    for c in (1, 2, 3)))


def test_an_empty_assumed_duration_offers_the_unit_of_what_was_observed(page, server):
    with api(server) as client:
        source = client.post("/v1/sources", json={"name": "timed", "system": "ops", "mapping": {
            "case_id": "case", "activity": "activity", "timestamp": "time"}}).json()
        assert client.post(f"/v1/sources/{source['id']}/uploads",
                           files={"file": ("timed.csv", TIMES_CSV.encode())}).status_code == 201
        bp = client.post("/v1/blueprints", json={"name": "Timed", "sources": [source["id"]]}).json()["id"]
        steps = client.get(f"/v1/blueprints/{bp}/feed").json()["steps"]
    sign_in(page, f"{server.url}/blueprints/{bp}/edit", ADMIN)
    shown = {s["activity"]: page.get_by_label(f"{s['activity']}: assumed duration: unit").input_value() for s in steps}
    assert shown == {s["activity"]: unit_of(observed_median(s)) for s in steps}
    assert shown == {"Open": "h", "Check": "min", "Close": "d"}  # hand-read: 5-7 min, 3 days less an hour
    page.get_by_label("Close: assumed duration: amount").fill("2")
    page.get_by_label("Close: assumed duration: amount").press("Tab")
    page.click("#save")
    page.locator("#status", has_text="Saved").wait_for()
    with api(server) as client:
        assert client.get(f"/v1/blueprints/{bp}").json()["assumptions"]["steps"]["Close"]["assumed_s"] == 2 * 86400
    assert page.errors == []
