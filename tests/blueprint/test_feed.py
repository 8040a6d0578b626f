"""The blueprint feed over HTTP: the demo's key numbers, the JSON Schema, ETag/304, windows and
segments by hand count, unmapped activities, and golden figures against pm4py."""

import json
from functools import cache

import jsonschema
import numpy as np
import pandas as pd
import pytest

from app.mining.pm4py_import import pm4py
from tests.blueprint.bpmn_checks import assert_documents, outside_their_lane, overlapping_pairs, read_diagram
from tests.conftest import SAMPLES
from tests.helpers import make_source, upload

DEMO = SAMPLES / "demo"


@cache
def manifest() -> dict:
    return json.loads((DEMO / "manifest.json").read_text())


def load_demo(client) -> int:
    ids = {}
    for spec in manifest()["sources"]:
        ids[spec["name"]] = make_source(client, name=spec["name"], system=spec["system"],
                                        mapping=spec["mapping"], timezone=spec["timezone"])
        for name in spec["files"]:
            assert upload(client, ids[spec["name"]], DEMO / name).status_code == 201
    body = {**manifest()["blueprint"], "sources": [ids[n] for n in manifest()["blueprint"]["sources"]]}
    r = client.post("/v1/blueprints", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def feed(client, bp: int, **params) -> dict:
    r = client.get(f"/v1/blueprints/{bp}/feed", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def demo_frame() -> pd.DataFrame:
    return pd.concat([pd.read_csv(DEMO / f"{n}.csv") for n in ("crm", "ticketing", "ops")])


def test_demo_blueprint_key_numbers(client):
    bp = load_demo(client)
    got = feed(client, bp)
    raw = demo_frame()
    assert (got["stats"]["cases"], got["stats"]["events"]) == (raw["order_id"].nunique(), len(raw)) == (336, 7424)
    assert got["stats"]["activities"] == raw["activity"].nunique() == 37
    assert got["unmapped"] == []
    lanes = {lane["id"]: lane["steps"] for lane in got["lanes"]}
    assert all(lanes[name] for name in ("customer", "frontstage", "backstage", "support"))
    steps = {s["activity"]: s for s in got["steps"]}
    assert steps["Support agent checks appointment"]["lane"] == "backstage"  # the activity rule wins over the role
    assert steps["Send appointment reminder"]["lane"] == "frontstage"  # messages are touchpoints, not support
    assert steps["Courier delivers router"]["lane"] == "support"  # the courier is a supplier
    assert steps["Technician visits on site"]["lane"] == "frontstage"
    crossed = {line for f in got["flows"] for line in f["crosses"]}
    assert crossed == {"interaction", "visibility", "internal_interaction"}
    firsts = raw.sort_values("timestamp", kind="mergesort").groupby("order_id")["activity"].first().value_counts()
    assert got["start_activities"] == firsts.to_dict() == {"Place order online": 268, "Place order by phone": 68}
    # Evidence, counted by hand from the files' evidence column: where the customer meets it.
    assert steps["Receive router"]["evidence"] == [{"name": "router parcel", "events": 336}]
    assert steps["Pack and ship router"]["evidence"] == []
    assert steps["Send first bill"]["evidence"] == [{"name": "first bill", "events": 312}]
    assert int((raw["evidence"] == "shipment tracking SMS").sum()) == 220
    assert steps["Send shipment tracking SMS"]["evidence"] == [{"name": "shipment tracking SMS", "events": 220}]
    assert not [s["activity"] for s in got["steps"] if s["lane"] in ("backstage", "support") and s["evidence"]]
    # Phases: observed durations beside the assumed ones.
    phases = {p["name"]: p for p in got["phases"]}
    assert list(phases) == ["Order", "Delivery", "Installation", "Activation", "Aftercare"]
    for phase in phases.values():
        assert phase["observed"]["count"] > 0
    assert [p["assumed"]["status"] if p["assumed"] else None for p in phases.values()] == [
        "faster", "as_assumed", "slower", "slower", None]  # the workshop gave Aftercare no duration
    assert phases["Order"]["observed"]["count"] == 336
    # Installation's elapsed time, by hand: from the router's arrival (Delivery's end; it always
    # comes after the order's steps) to the case's last Installation step, when that is later.
    install = manifest()["blueprint"]["phases"][2]["activities"]
    utc = raw.assign(at=pd.to_datetime(raw["timestamp"]).dt.tz_localize("Europe/London").dt.tz_convert("UTC"))
    received = utc[utc["activity"] == "Receive router"].groupby("order_id")["at"].max()
    last = utc[utc["activity"].isin(install)].groupby("order_id")["at"].max()
    elapsed = (last.clip(lower=received) - received).dt.total_seconds()
    assert phases["Installation"]["elapsed"]["median_s"] == float(elapsed.median()) == 525_484.5
    # Service time where start timestamps exist: the visits' own durations (10 min to 200 min).
    visit = steps["Technician visits on site"]
    assert 600 <= visit["service_time"]["median_s"] <= 200 * 60
    assert visit["assumed"]["assumed_s"] == 5400
    visits = raw[raw["activity"] == "Technician visits on site"].groupby("order_id").size()
    assert visit["rework"]["cases"] == int((visits >= 2).sum()) == 54  # orders that needed a second visit
    assert visit["rework"]["events"] == int(visits.sum() - len(visits)) == 66
    gaps = got["assumptions"]
    assert gaps["not_observed"]["steps"] == ["Call customer to arrange appointment"]  # promised, never done
    assert "Call support" in gaps["undesigned"]["steps"]  # the workshop drew no calls
    assert "Rate installation" not in gaps["undesigned"]["steps"]  # named in a phase


def test_feed_matches_its_published_schema(client):
    bp = load_demo(client)
    schema = client.get("/v1/schema/blueprint-feed.json").json()
    jsonschema.validate(feed(client, bp), schema)
    jsonschema.validate(feed(client, bp, segment="role=technician"), schema)
    openapi = client.get("/openapi.json").json()
    assert "Feed" in openapi["components"]["schemas"]


def test_etag_and_304_then_new_data_changes_it(client):
    bp = load_demo(client)
    first = client.get(f"/v1/blueprints/{bp}/feed")
    etag = first.headers["ETag"]
    again = client.get(f"/v1/blueprints/{bp}/feed", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    crm = client.get("/v1/sources").json()[0]["id"]
    client.post(f"/v1/sources/{crm}/events", json=[{"case_id": "ORD-99999", "activity": "Place order online",
                                                    "timestamp": "2026-05-01T10:00:00Z", "role": "customer"}])
    changed = client.get(f"/v1/blueprints/{bp}/feed", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json()["stats"]["cases"] == 336 + 1


SMALL = (b"case,act,ts,channel,role\n"
         b"1,Order,2024-01-05 10:00:00,web,customer\n1,Ship,2024-01-06 10:00:00,,warehouse\n"
         b"2,Order,2024-02-05 10:00:00,phone,customer\n2,Ship,2024-02-07 10:00:00,,warehouse\n"
         b"3,Order,2024-03-05 10:00:00,web,customer\n3,Call,2024-03-05 12:00:00,,agent\n"
         b"3,Ship,2024-03-06 10:00:00,,warehouse\n")


def test_window_and_segment_by_hand(client):
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts", "role": "role"})
    assert upload(client, sid, SMALL).status_code == 201
    bp = client.post("/v1/blueprints", json={"name": "small", "sources": [sid], "lanes": [
        {"lane": "customer", "match": {"role": "customer"}},
        {"lane": "backstage", "match": {"role": "warehouse"}}]}).json()["id"]
    whole = feed(client, bp)
    assert (whole["stats"]["cases"], whole["stats"]["events"]) == (3, 7)
    # Cases that begin in February or later: cases 2 and 3.
    later = feed(client, bp, **{"from": "2024-02-01T00:00:00Z"})
    assert (later["stats"]["cases"], later["stats"]["events"]) == (2, 5)
    assert {(f["source"], f["target"]): f["count"] for f in later["flows"]} == {
        ("Order", "Ship"): 1, ("Order", "Call"): 1, ("Call", "Ship"): 1}
    # Ordered on the web: cases 1 and 3; waiting Order -> Ship in case 1 is one day.
    web = feed(client, bp, segment="channel=web")
    assert (web["stats"]["cases"], web["stats"]["events"]) == (2, 5)
    flow = next(f for f in web["flows"] if (f["source"], f["target"]) == ("Order", "Ship"))
    assert flow["count"] == 1 and flow["waiting"]["median_s"] == 86400
    both = feed(client, bp, segment="channel=web", **{"from": "2024-02-01T00:00:00Z"})
    assert both["stats"]["cases"] == 1
    # 'Call' (role agent) matches no rule: listed, never dropped.
    assert whole["unmapped"] == [{"activity": "Call", "events": 1, "instances": 1, "cases": 1}]
    flows = {(f["source"], f["target"]): f for f in whole["flows"]}
    assert flows[("Order", "Ship")]["crosses"] == ["interaction", "visibility"]


HELPDESK_MAPPING = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp",
                    "resource": "Resource"}


@pytest.mark.slow
def test_helpdesk_feed_equals_pm4py(client):
    sid = make_source(client, name="helpdesk", mapping=HELPDESK_MAPPING)
    assert upload(client, sid, SAMPLES / "helpdesk.csv").status_code == 201
    rules = [{"lane": "frontstage", "match": {"activity_regex": "^(Take in charge ticket|Assign seriousness|"
                                                                  "Resolve ticket|Closed|Wait)$"}},
             {"lane": "customer", "match": {"activity": "Insert ticket"}}]
    bp = client.post("/v1/blueprints", json={"name": "hd", "sources": [sid], "lanes": rules}).json()["id"]
    got = feed(client, bp)
    frame = pd.read_csv(SAMPLES / "helpdesk.csv").drop_duplicates()
    frame["Complete Timestamp"] = pd.to_datetime(frame["Complete Timestamp"])
    keys = dict(case_id_key="Case ID", activity_key="Activity", timestamp_key="Complete Timestamp")
    dfg, starts, ends = pm4py.discover_dfg(frame, **keys)
    assert {(f["source"], f["target"]): f["count"] for f in got["flows"]} == dict(dfg)
    assert (got["start_activities"], got["end_activities"]) == (dict(starts), dict(ends))
    assert got["variants"]["count"] == len(pm4py.get_variants(frame, **keys)) == 211
    median = np.median(pm4py.get_all_case_durations(frame, **keys))
    assert got["case_duration"]["median_s"] == pytest.approx(median, abs=1e-6) == 3443836.5
    left_out = frame[~frame["Activity"].isin(["Take in charge ticket", "Assign seriousness", "Resolve ticket",
                                              "Closed", "Wait", "Insert ticket"])]
    expected = left_out.groupby("Activity").size().to_dict()
    assert {u["activity"]: u["events"] for u in got["unmapped"]} == expected


def test_blueprint_crud_and_validation(client):
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts"})
    r = client.post("/v1/blueprints", json={"name": "b", "sources": [sid],
                                            "lanes": {"rules": [], "default": "backstage"}})
    assert r.status_code == 201 and r.json()["revision"] == 1
    bp = r.json()["id"]
    put = client.put(f"/v1/blueprints/{bp}", json={"name": "b2", "sources": [sid]})
    assert put.status_code == 200 and (put.json()["name"], put.json()["revision"]) == ("b2", 2)
    assert [b["id"] for b in client.get("/v1/blueprints").json()] == [bp]
    assert client.post("/v1/blueprints", json={"name": "x", "sources": [999]}).status_code == 422
    bad_rule = {"name": "x", "sources": [sid], "lanes": [{"lane": "attic", "match": {"role": "a"}}]}
    assert client.post("/v1/blueprints", json=bad_rule).status_code == 422
    bad_regex = {"name": "x", "sources": [sid], "lanes": [{"lane": "support", "match": {"activity_regex": "("}}]}
    assert client.post("/v1/blueprints", json=bad_regex).status_code == 422
    assert client.delete(f"/v1/blueprints/{bp}").status_code == 204
    assert client.get(f"/v1/blueprints/{bp}").status_code == 404


def test_bpmn_export_has_one_lane_per_blueprint_lane_and_reads_back(client, tmp_path):
    from lxml import etree

    bp = load_demo(client)
    assert feed(client, bp)["model"]["status"] in ("computing", "ready")  # the embedded worker computes it
    r = client.get(f"/v1/blueprints/{bp}/bpmn")  # waits for it
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    assert feed(client, bp)["model"]["status"] == "ready"
    path = tmp_path / "demo.bpmn"
    path.write_bytes(r.content)
    model = pm4py.read_bpmn(str(path))
    tasks = {n.get_name() for n in model.get_nodes() if type(n).__name__ == "Task"}
    assert tasks <= set(demo_frame()["activity"]) and len(tasks) >= 15
    ns = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}
    root = etree.fromstring(r.content)
    lanes = root.findall(".//bpmn:laneSet/bpmn:lane", ns)
    assert [lane.get("name") for lane in lanes] == ["Customer", "Frontstage", "Backstage", "Support"]
    steps = {s["activity"]: s["lane"] for s in feed(client, bp)["steps"]}
    by_id = {el.get("id"): el.get("name") for el in root.iter(f"{{{ns['bpmn']}}}task")}
    for lane in lanes:
        for ref in lane.findall("bpmn:flowNodeRef", ns):
            if ref.text in by_id:  # every task sits in its step's lane
                assert steps[by_id[ref.text]] == lane.get("name").lower()
    # Every flow node has a diagram shape inside its lane's band, none overlaps another.
    shapes = root.findall(".//{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    assert len(shapes) == 1 + 4 + len(root.findall(".//bpmn:laneSet//bpmn:flowNodeRef", ns))
    drawn = read_diagram(r.content)
    assert overlapping_pairs(drawn) == [] and outside_their_lane(drawn) == []
    # Every task states its step's figures; the demo's steps with start timestamps their service times too.
    by_name = {s["activity"]: s for s in feed(client, bp)["steps"]}
    assert set(drawn.documentation) == set(drawn.tasks.values())
    for name, text in drawn.documentation.items():
        assert_documents(text, by_name[name])
    timed = {n for n in drawn.documentation if by_name[n]["service_time"] is not None}
    assert len(timed) >= 5 and all("service time median" in drawn.documentation[n] for n in timed)


def test_a_write_is_visible_to_the_very_next_read(client):
    """The request's transaction commits before its response is sent: read-after-write holds."""
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts"})
    assert upload(client, sid, SMALL).status_code == 201
    bp = client.post("/v1/blueprints", json={"name": "r0", "sources": [sid]}).json()["id"]
    for i in range(1, 16):
        assert client.put(f"/v1/blueprints/{bp}", json={"name": f"r{i}", "sources": [sid]}).status_code == 200
        assert feed(client, bp)["blueprint"] == {"id": bp, "name": f"r{i}", "revision": i + 1}
