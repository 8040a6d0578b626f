"""The demo's insights find what sample_logs/demo/README.md says a designer should find ("What a
designer should find"), with its numbers: counted again here from the CSVs with the demo's own
measures (sample_logs/demo/measures.py), where the README rounds them. And a definition's
`insights` overrides over the API."""

import importlib.util
from functools import cache

import pytest

from app.blueprint.ids import step_id
from tests.blueprint.test_feed import DEMO, feed, load_demo
from tests.helpers import make_source, upload

D = 86400


@cache
def demo_events():
    spec = importlib.util.spec_from_file_location("demo_measures", DEMO / "measures.py")
    measures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(measures)
    return measures.load(DEMO)[0]


def by_kind(got: dict, kind: str) -> list[dict]:
    return [i for i in got["insights"]["items"] if i["kind"] == kind]


def about(items: list[dict], *activities: str) -> dict:
    """The one insight whose steps begin with these."""
    wanted = [step_id(a) for a in activities]
    (found,) = [i for i in items if i["steps"][:len(wanted)] == wanted]
    return found


def test_the_demo_insights_find_what_the_readme_lists(client):
    got = feed(client, load_demo(client))
    ev = demo_events()
    _bottleneck(got)
    _fail_points(got, ev)
    _contacts(got, ev)
    _duplicates_and_automation(got, ev)
    _happy_path_waits_and_evidence(got, ev)


def _bottleneck(got: dict) -> None:
    found = by_kind(got, "bottleneck")
    # The billing cycle first (3,003 days), then the queue for the technicians before the reminder.
    assert [i["steps"] for i in found[:2]] == [[step_id("Send first bill")], [step_id("Send appointment reminder")]]
    reminder = found[1]
    assert (reminder["numbers"]["waits"], round(reminder["numbers"]["total_wait_days"])) == (378, 2362)
    assert (round(reminder["numbers"]["median_s"] / D, 2), round(reminder["numbers"]["p90_s"] / D, 2)) == (5.39, 13.08)
    assert reminder["summary"].startswith(
        "Cases wait a median 5.4 days (p90 13.1 days) before 'Send appointment reminder', 2,362 days in all: the "
        "second-longest wait of the service, after 'Send first bill'")
    flows = {r["label"]: (r["numbers"]["count"], round(r["numbers"]["total_wait_days"])) for r in reminder["breakdown"]}
    assert flows["Confirm appointment -> Send appointment reminder"] == (208, 1277)
    assert flows["Dispatcher re-checks appointment -> Send appointment reminder"][0] == 82
    assert flows["Schedule technician -> Send appointment reminder"][0] == 52
    slower = {i["steps"][0] for i in found if "assumed_s" in i["numbers"] and i["steps"]}
    assert step_id("Support agent answers call") in slower  # 75 s against 30 s


def _fail_points(got: dict, ev) -> None:
    visits, calls = by_kind(got, "fail_point")
    assert visits["steps"][0] == step_id("Technician visits on site")
    # 54 orders (16.1%) with a failed visit, 66 extra visits; no access 43 in 38, line fault 23 in 23.
    assert (visits["cases"]["count"], round(visits["cases"]["share"], 3)) == (54, 0.161)
    assert (visits["numbers"]["failures"], visits["numbers"]["extra_step_instances"]) == (66, 66)
    rows = {r["label"]: r["numbers"] for r in visits["breakdown"]}
    no_access, line_fault = rows["Technician reports no access"], rows["Technician reports line fault"]
    assert (no_access["instances"], no_access["cases"]) == (43, 38)
    assert (line_fault["instances"], line_fault["cases"]) == (23, 23)
    # ... and the next visit after them: median 8.0 and 9.1 days.
    assert (round(no_access["back_median_s"] / D, 1), round(line_fault["back_median_s"] / D, 1)) == (8.0, 9.1)
    # Their cost as case durations (first start to last end), by hand.
    failed = set(ev.loc[ev["activity"].str.startswith("Technician reports"), "order_id"])
    spans = (ev.groupby("order_id")["timestamp"].max() - ev.groupby("order_id")["begin"].min()).dt.total_seconds()
    assert visits["numbers"]["duration_with_median_s"] == pytest.approx(spans[spans.index.isin(failed)].median())
    assert visits["numbers"]["duration_without_median_s"] == pytest.approx(spans[~spans.index.isin(failed)].median())
    # Abandoned calls: 49 of 242 attempts (20.2%) in 37 orders (11.0%), the repeat call 76 min later.
    assert calls["steps"][:2] == [step_id("Call support"), step_id("Abandon call")]
    assert (calls["numbers"]["failures"], calls["numbers"]["step_instances"], calls["cases"]["count"]) == (49, 242, 37)
    assert (round(calls["numbers"]["failure_share"], 3), round(calls["cases"]["share"], 3)) == (0.202, 0.110)
    assert round(calls["numbers"]["back_median_s"] / 60) == 76


def _contacts(got: dict, ev) -> None:
    found = by_kind(got, "avoidable_contact")
    # The step right before each call that begins a contact (the flows into 'Call support').
    calls = ev[ev["activity"] == "Call support"]
    before = ev.groupby("order_id")["activity"].shift(1).loc[calls.index]
    counted = before[before != "Abandon call"].value_counts()
    assert (counted["Receive router"], counted["Schedule technician"], counted["Confirm appointment"]) == (57, 50, 37)
    no_notice = _orders_lacking(ev, "Schedule technician", "Send appointment notice")
    no_sms = _orders_lacking(ev, "Pack and ship router", "Send shipment tracking SMS")
    for activity, missing, lacking in (("Receive router", "Send appointment notice", no_notice),
                                       ("Schedule technician", "Send appointment notice", no_notice),
                                       ("Confirm appointment", "Send shipment tracking SMS", no_sms)):
        group = about(found, activity, "Call support")
        orders = set(calls.loc[before.index[before == activity], "order_id"])
        assert group["numbers"]["contacts"] == counted[activity]
        assert group["steps"][2] == step_id(missing)  # the missing notice that drives them
        assert group["numbers"]["missing_evidence_cases"] == len(orders & lacking)


def _orders_lacking(ev, after: str, evidence: str) -> set:
    """Orders with a thread (an appointment, a shipment) where `after` is not followed by `evidence`."""
    steps = ev[ev["activity"] == after].groupby("thread")["timestamp"].min()
    told = ev[ev["activity"] == evidence].groupby("thread")["timestamp"].max()
    lacking = steps.index[~(told.reindex(steps.index) > steps).to_numpy()]
    return set(ev.loc[ev["thread"].isin(lacking), "order_id"])


def _duplicates_and_automation(got: dict, ev) -> None:
    found = by_kind(got, "duplicated_work")
    check = about(found, "Support agent checks appointment", "Dispatcher re-checks appointment")
    # 97 appointments checked by an agent, 91 re-checked by a dispatcher 4.2 h later (p90 47.1 h):
    # 5.2 agent hours and 9.8 dispatcher hours.
    n = check["numbers"]
    assert (n["first_units"], n["both_units"], check["roles"]) == (97, 91, ["support_agent", "dispatcher"])
    assert (round(n["lag_median_s"] / 3600, 1), round(n["lag_p90_s"] / 3600, 1)) == (4.2, 47.1)
    assert (round(n["first_hours"], 1), round(n["second_hours"], 1)) == (5.2, 9.8)
    line = about(found, "Check line availability", "Dispatcher checks line before booking")
    assert (line["numbers"]["both_cases"], round(line["numbers"]["second_hours"], 1)) == (336, 16.9)
    candidates = {i["steps"][0]: i["numbers"] for i in by_kind(got, "automation_candidate")}
    readme = {"Dispatch technician": (378, 1.12, 141, 1.34, 2), "Dispatcher checks line before booking":
              (336, 1.00, 183, 1.25, 2), "Reserve router in warehouse": (336, 1.00, 202, 1.27, 3)}
    assert set(candidates) == {step_id(a) for a in readme}
    for activity, (events, per_order, median, spread, people) in readme.items():
        c = candidates[step_id(activity)]
        assert (c["instances"], round(c["per_case"], 2), round(c["median_s"]), round(c["spread"], 2),
                c["resources"]) == (events, per_order, median, spread, people)
    hours = {i["roles"][0]: i["numbers"]["hours"] for i in by_kind(got, "effort")}
    by_role = ev.groupby("role")["service_s"].sum() / 3600
    assert hours["dispatcher"] == pytest.approx(by_role["dispatcher"])


def _happy_path_waits_and_evidence(got: dict, ev) -> None:
    (happy,) = by_kind(got, "happy_path")
    # 154 of 336 orders (45.8%): one visit, no call, no ticket, no cancellation; 139 variants, the
    # most frequent 47 orders (14.0%).
    assert (happy["numbers"]["following"], round(happy["numbers"]["share"], 3)) == (154, 0.458)
    assert (happy["numbers"]["variants"], happy["numbers"]["top_variant_cases"]) == (139, 47)
    wait = by_kind(got, "wait_point")[0]
    assert wait["steps"] == [step_id("Receive router"), step_id("Technician visits on site")]
    received = ev[ev["activity"] == "Receive router"].groupby("order_id")["timestamp"].min()
    visited = ev[ev["activity"] == "Technician visits on site"].groupby("order_id")["begin"].min()
    at_door = (visited - received).dropna().dt.total_seconds()
    assert (wait["numbers"]["cases"], wait["numbers"]["median_s"]) == (312, pytest.approx(at_door.median()))
    assert (round(wait["numbers"]["median_s"] / D, 1), round(wait["numbers"]["p90_s"] / D, 1)) == (5.1, 12.8)
    gaps = {tuple(i["steps"]): i["numbers"] for i in by_kind(got, "evidence_gap")}
    # 116 of 336 shipments without a tracking SMS, 134 of 402 appointments without a notice; every
    # phase meets the customer with some evidence.
    assert gaps[(step_id("Pack and ship router"), step_id("Send shipment tracking SMS"))]["missing"] == 116
    assert gaps[(step_id("Schedule technician"), step_id("Send appointment notice"))]["units"] == 402
    assert gaps[(step_id("Schedule technician"), step_id("Send appointment notice"))]["missing"] == 134
    assert all(len(k) == 2 for k in gaps)  # no phase-level gap


SMALL = b"case,act,ts,role\n" + b"".join(
    f"{c},Order,2024-01-0{c} 10:00:00,customer\n{c},Ship,2024-01-0{c} 12:00:00,clerk\n".encode() for c in range(1, 7))


def test_a_definition_overrides_the_insight_thresholds(client):
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts", "role": "role"})
    assert upload(client, sid, SMALL).status_code == 201
    body = {"name": "small", "sources": [sid], "lanes": [{"lane": "customer", "match": {"role": "customer"}},
                                                         {"lane": "backstage", "match": {"role": "clerk"}}]}
    plain = client.post("/v1/blueprints", json=body)
    assert plain.status_code == 201 and plain.json()["insights"]["top"] is None
    assert feed(client, plain.json()["id"])["insights"]["parameters"]["min_cases"] == 5
    tuned = client.post("/v1/blueprints", json={**body, "insights": {"min_cases": 7, "top": 1}})
    assert tuned.status_code == 201 and tuned.json()["insights"]["min_cases"] == 7
    got = feed(client, tuned.json()["id"])
    assert (got["insights"]["parameters"]["min_cases"], got["insights"]["parameters"]["top"]) == (7, 1)
    assert by_kind(got, "bottleneck") == []  # 6 cases wait 2 h before Ship: fewer than 7
    assert len(by_kind(feed(client, plain.json()["id"]), "bottleneck")) == 2  # the step and the lane handoff
    for bad, where in (({"tresholds": 1}, "tresholds"), ({"top": 0}, "top"), ({"contact_pattern": "(a"},
                                                                              "contact_pattern")):
        r = client.post("/v1/blueprints", json={**body, "insights": bad})
        assert r.status_code == 422 and where in r.text, r.text
