"""Lane suggestions over HTTP, on the demo and on real public logs: upload, a blueprint with no
lanes, GET lanes/suggest, PUT the suggested `lanes` as a whole, GET the feed: nothing unmapped,
and on the demo the lanes its manifest's own rules give wherever a rule on roles can give them."""

import json
from functools import cache

import pandas as pd
import pytest

from tests.conftest import ROOT, SAMPLES
from tests.helpers import make_source, upload

LOGS = ROOT.parent / "shared" / "logs"
DEMO = SAMPLES / "demo"
HELPDESK_MAPPING = {"case_id": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp",
                    "resource": "Resource"}


@cache
def manifest() -> dict:
    return json.loads((DEMO / "manifest.json").read_text())


def shared_log(name: str):
    path = LOGS / name
    if not path.exists():
        pytest.skip(f"{name} not in ../shared/logs")
    return path


def suggest(client, source_ids: list[int]) -> tuple[int, dict]:
    bp = client.post("/v1/blueprints", json={"name": "suggested", "sources": source_ids})
    assert bp.status_code == 201, bp.text
    got = client.get(f"/v1/blueprints/{bp.json()['id']}/lanes/suggest")
    assert got.status_code == 200, got.text
    return bp.json()["id"], got.json()


def accept_all(client, bp: int, source_ids: list[int], lanes: dict) -> dict:
    """PUT the suggested lanes as they are; the feed they give."""
    put = client.put(f"/v1/blueprints/{bp}", json={"name": "suggested", "sources": source_ids, "lanes": lanes})
    assert put.status_code == 200, put.text
    feed = client.get(f"/v1/blueprints/{bp}/feed")
    assert feed.status_code == 200, feed.text
    return feed.json()


def rules_by_lane(got: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in got["rules"]:
        out.setdefault(entry["lane"], []).append(entry["rule"]["match"])
    return out


def check_entries(got: dict, events: int) -> None:
    """Every entry is whole: one sentence of reason, a confidence, evidence adding up to the log."""
    entries = got["rules"] + [got["default"]]
    for entry in entries:
        assert entry["reason"].count(". ") == 0 and entry["reason"].endswith(".")
        assert 0 < entry["confidence"] <= 1 and entry["evidence"]["signals"]
        assert entry["evidence"]["share"] == round(entry["evidence"]["events"] / events, 4)
    assert sum(e["evidence"]["events"] for e in entries) == events
    assert got["default"]["default"] is True and "rule" not in got["default"]
    assert not any(e["default"] for e in got["rules"])
    assert got["lanes"] == {"rules": [e["rule"] for e in got["rules"]], "default": got["default"]["lane"]}


def load_demo(client) -> list[int]:
    ids = []
    for spec in manifest()["sources"]:
        ids.append(make_source(client, name=spec["name"], system=spec["system"], mapping=spec["mapping"],
                               timezone=spec["timezone"]))
        for name in spec["files"]:
            assert upload(client, ids[-1], DEMO / name).status_code == 201
    return ids


def test_demo_suggestions_give_the_manifests_lanes_wherever_roles_can(client):
    ids = load_demo(client)
    truth = client.post("/v1/blueprints", json={**manifest()["blueprint"], "sources": ids}).json()["id"]
    truth_lane = {s["activity"]: s["lane"] for s in client.get(f"/v1/blueprints/{truth}/feed").json()["steps"]}
    bp, got = suggest(client, ids)
    assert got["actor"] == "role"
    check_entries(got, 7424)
    by_lane = rules_by_lane(got)
    assert {m["role"] for m in by_lane["customer"]} == {"customer"}
    assert {m["role"] for m in by_lane["frontstage"]} == {"technician", "support_agent", "sales_agent",
                                                           "notification_service"}
    assert {m["role"] for m in by_lane["backstage"]} == {"dispatcher", "warehouse", "network_engineer"}
    assert {m["role"] for m in by_lane["support"]} == {"courier", "network_system", "billing_system"}
    customer = got["rules"][0]
    assert customer["evidence"]["events"] == 784 + 11 + 961  # the customer role's rows in the three files
    # Its name (0.6), opening every case (0.6), pm4py's role of its own resource (0.1): 1 - 0.4 * 0.4 * 0.9.
    assert [s["kind"] for s in customer["evidence"]["signals"]] == ["name", "opener", "pm4py_roles"]
    assert customer["confidence"] == 0.86
    feed = accept_all(client, bp, ids, got["lanes"])
    assert feed["unmapped"] == []
    differ = {s["activity"]: s["events"] for s in feed["steps"] if s["lane"] != truth_lane[s["activity"]]}
    # Only the manifest's activity rules go where roles cannot: the agents' and technicians' work
    # out of the customer's sight is backstage, and the bill the billing system sends is a
    # touchpoint ("^Send "). Counted by hand from the files.
    raw = pd.concat([pd.read_csv(DEMO / f"{n}.csv") for n in ("crm", "ticketing", "ops")])
    back_office = ["Support agent tracks parcel", "Support agent checks appointment", "Fix problem remotely",
                   "Technician reports no access", "Technician reports line fault"]
    assert set(differ) == {*back_office, "Send first bill"}
    assert sum(differ.values()) == int(raw["activity"].isin([*back_office, "Send first bill"]).sum()) == 260 + 312
    assert (feed["stats"]["events"] - sum(differ.values())) / feed["stats"]["events"] >= 0.90


def test_helpdesk_csv_has_only_anonymised_names_and_goes_to_its_ticketing_systems_lane(client):
    sid = make_source(client, name="helpdesk", system="ticketing", mapping=HELPDESK_MAPPING)
    assert upload(client, sid, shared_log("helpdesk.csv")).status_code == 201
    bp, got = suggest(client, [sid])
    assert got["actor"] == "attr:workgroup"  # a team attribute, as there is no role ("Value 1".."Value 4")
    assert got["rules"] == []
    check_entries(got, 21221)  # 21,348 rows less 127 exact duplicates
    assert got["default"]["lane"] == "frontstage" and got["default"]["confidence"] == 0.2
    assert "ticketing" in got["default"]["reason"]
    assert accept_all(client, bp, [sid], got["lanes"])["unmapped"] == []


SMALL_LOGS = {
    # file: (actor, {lane: [match, ...]}, default lane, events)
    "running-example.xes": ("resource", {"frontstage": [{"activity": "register request"}]}, "backstage", 42),
    "receipt.xes": ("role", {}, "backstage", 8577),
    "sepsis.xes.gz": ("role", {"frontstage": [{"activity": "ER Registration", "role": "A"}]}, "backstage",
                      15213),  # 15,214 less its one fully identical row
    "production.xes.gz": ("resource", {"support": [{"resource_regex": "^(End|Start)$"}]}, "backstage", None),
    "road_traffic_fines_100traces.xes": ("resource", {"frontstage": [{"activity": "Create Fine"}]}, "backstage",
                                         390),
    "helpdesk.xes.gz": ("attr:workgroup", {}, "backstage", 21221),
}


@pytest.mark.parametrize("name", sorted(SMALL_LOGS))
def test_suggested_lanes_accepted_as_a_whole_leave_nothing_unmapped(client, name):
    actor, expected, default, events = SMALL_LOGS[name]
    sid = make_source(client, name="log")
    assert upload(client, sid, shared_log(name)).status_code == 201
    bp, got = suggest(client, [sid])
    feed = accept_all(client, bp, [sid], got["lanes"])
    assert feed["unmapped"] == []
    assert (got["actor"], rules_by_lane(got), got["default"]["lane"]) == (actor, expected, default)
    check_entries(got, feed["stats"]["events"])
    assert events is None or feed["stats"]["events"] == events


def test_ocel_orders_open_with_the_customers_order(client):
    sid = make_source(client, name="orders")
    r = upload(client, sid, shared_log("ocel/order-management.json.gz"), object_type="orders")
    assert r.status_code == 201, r.text
    bp, got = suggest(client, [sid])
    assert got["actor"] == "none"  # flattened on orders, the events name no one
    assert rules_by_lane(got) == {"customer": [{"activity": "place order"}]}
    (rule,) = got["rules"]
    assert (rule["evidence"]["events"], rule["evidence"]["cases"]) == (2000, 2000)
    check_entries(got, 6566)
    assert accept_all(client, bp, [sid], got["lanes"])["unmapped"] == []


LARGE_LOGS = {
    "bpic2012.xes.gz": ({"customer": [{"activity": "A_SUBMITTED"}], "support": [{"resource": "112"}]},
                        262200, {"A_SUBMITTED": 13087, "112": 32600}),
    "road_traffic_fines.xes.gz": ({"frontstage": [{"activity": "Create Fine"}]}, 561470, {"Create Fine": 150370}),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(LARGE_LOGS))
def test_large_logs_suggestions_leave_nothing_unmapped(client, db_url, name):
    if not db_url.startswith("sqlite"):
        pytest.skip("the large logs run on SQLite only, to keep this file's time reasonable")
    expected, events, caught = LARGE_LOGS[name]
    sid = make_source(client, name="log")
    assert upload(client, sid, shared_log(name)).status_code == 201
    bp, got = suggest(client, [sid])
    assert (got["actor"], rules_by_lane(got), got["default"]["lane"]) == ("resource", expected, "backstage")
    check_entries(got, events)
    found = {next(iter(e["rule"]["match"].values())): e["evidence"]["events"] for e in got["rules"]}
    assert found == caught
    assert accept_all(client, bp, [sid], got["lanes"])["unmapped"] == []
