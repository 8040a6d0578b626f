"""The mining truth through the API: activity instances equal pm4py's interval log, phases that
add up, flows that stay within threads, assumptions that say what they measure."""

import json
from collections import Counter
from functools import cache

import numpy as np
import pandas as pd
import pytest

from app.mining.discover import case_durations
from app.mining.frame import prepare
from app.mining.observe import phase_spans
from app.mining.pm4py_import import pm4py
from tests.conftest import DATA, SAMPLES
from tests.helpers import make_source, upload

DEMO = SAMPLES / "demo"
H = 3600


def _feed(client, body: dict) -> dict:
    r = client.post("/v1/blueprints", json=body)
    assert r.status_code == 201, r.text
    got = client.get(f"/v1/blueprints/{r.json()['id']}/feed")
    assert got.status_code == 200, got.text
    return got.json()


@cache
def bpic2012_intervals() -> dict:
    """pm4py's interval log of BPIC 2012: instances, directly-follows, variants, service times."""
    from pm4py.objects.log.util import interval_lifecycle

    frame = pm4py.read_xes(str(DATA / "bpic2012.xes.gz"), variant="rustxes")
    frame = frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    traces = interval_lifecycle.to_interval(pm4py.convert_to_event_log(frame))
    dfg, variants, durations = Counter(), Counter(), {}
    for trace in traces:
        names = [e["concept:name"] for e in trace]
        dfg.update(zip(names, names[1:], strict=False))
        variants[tuple(names)] += 1
        for e in trace:
            if "@@startevent_concept:name" in e:
                durations.setdefault(e["concept:name"], []).append(e["@@duration"])
    return {"instances": sum(len(t) for t in traces), "dfg": dict(dfg), "variants": variants,
            "service": {a: float(np.median(d)) for a, d in durations.items()}}


@pytest.mark.slow
def test_bpic2012_instances_equal_pm4pys_interval_log(client):
    sid = make_source(client, name="bpic2012")
    assert upload(client, sid, DATA / "bpic2012.xes.gz").status_code in (201, 202)
    while client.get(f"/v1/sources/{sid}/uploads").json()[0]["status"] in ("queued", "running"):
        pass
    feed = _feed(client, {"name": "loans", "sources": [sid]})
    expected = bpic2012_intervals()
    assert feed["stats"]["events"] == 262_200
    assert feed["stats"]["instances"] == expected["instances"] == 164_506
    assert feed["stats"]["lifecycle"] == {"mode": "pair", "paired": 71_373, "open": 3, "unmatched_complete": 93_133,
                                          "aborted": 0}
    assert {(f["source"], f["target"]): f["count"] for f in feed["flows"]} == expected["dfg"]
    assert feed["variants"]["count"] == len(expected["variants"])
    top, cases = expected["variants"].most_common(1)[0]
    assert (tuple(feed["variants"]["top"][0]["activities"]), feed["variants"]["top"][0]["cases"]) == (top, cases)
    steps = {s["activity"]: s for s in feed["steps"]}
    for activity, median in expected["service"].items():
        assert abs(steps[activity]["service_time"]["median_s"] - median) < 1, activity
    assert steps["A_SUBMITTED"]["service_time"] is None  # completes only: unknown, not zero
    assert sum(s["open"] for s in feed["steps"]) == 3


LIFECYCLE_CSV = b"""case,act,ts,transition,res
1,A,2024-01-01T01:00:00Z,start,ann
1,A,2024-01-01T02:00:00Z,complete,ann
1,B,2024-01-01T03:00:00Z,start,bob
1,B,2024-01-01T04:00:00Z,suspend,bob
1,B,2024-01-01T06:00:00Z,resume,bob
1,B,2024-01-01T08:00:00Z,complete,bob
1,C,2024-01-01T09:00:00Z,complete,cid
1,D,2024-01-01T10:00:00Z,start,dan
2,A,2024-01-01T00:00:00Z,schedule,sys
2,A,2024-01-01T02:00:00Z,start,ann
2,A,2024-01-01T03:00:00Z,start,ann
2,A,2024-01-01T05:00:00Z,complete,ann
2,A,2024-01-01T07:00:00Z,complete,ann
2,E,2024-01-01T08:00:00Z,start,eve
2,E,2024-01-01T09:00:00Z,ate_abort,eve
"""
LIFECYCLE_MAPPING = {"case_id": "case", "activity": "act", "timestamp": "ts", "lifecycle_column": "transition",
                     "resource": "res"}


def test_pairs_pauses_offers_aborts_and_open_starts_by_hand(client):
    sid = make_source(client, mapping=LIFECYCLE_MAPPING)
    assert upload(client, sid, LIFECYCLE_CSV).status_code == 201
    feed = _feed(client, {"name": "work", "sources": [sid]})
    assert feed["stats"]["events"] == 15 and feed["stats"]["instances"] == 5
    assert feed["stats"]["lifecycle"] == {"mode": "pair", "paired": 4, "open": 1, "unmatched_complete": 1,
                                          "aborted": 1}
    steps = {s["activity"]: s for s in feed["steps"]}
    assert steps["A"]["instances"] == 3 and steps["A"]["events"] == 7
    assert steps["A"]["service_time"]["median_s"] == 3 * H  # 1 h, 3 h, 4 h
    assert steps["B"]["service_time"]["median_s"] == 3 * H  # 3 to 8, less the 2 h paused
    assert steps["C"]["service_time"] is None  # a complete without its start
    assert steps["A"]["queue_time"]["median_s"] == 2 * H and steps["A"]["queue_time"]["count"] == 1
    assert (steps["D"]["open"], steps["D"]["instances"]) == (1, 0)
    assert (steps["E"]["aborted"], steps["E"]["instances"]) == (1, 0)
    # Instances in order of their start: case 1 A B C, case 2 A A (started 2 h and 3 h).
    assert {(f["source"], f["target"]): f["count"] for f in feed["flows"]} == {("A", "B"): 1, ("B", "C"): 1,
                                                                               ("A", "A"): 1}
    b = next(f for f in feed["flows"] if (f["source"], f["target"]) == ("A", "B"))
    assert b["waiting"]["median_s"] == 1 * H  # A ends at 2, B starts at 3


def test_a_step_without_instances_takes_its_lane_from_its_events(client):
    """D (an open start) and E (aborted) form no instance; their events still went to a lane, and
    the step says which (it had none: BPIC 2012's schedule-only 'W_Wijzigen contractgegevens')."""
    sid = make_source(client, mapping=LIFECYCLE_MAPPING)
    assert upload(client, sid, LIFECYCLE_CSV).status_code == 201
    lanes = {"rules": [{"lane": "support", "match": {"resource": "dan"}}], "default": "frontstage"}
    steps = {s["activity"]: s for s in _feed(client, {"name": "laned", "sources": [sid], "lanes": lanes})["steps"]}
    assert {a: (s["instances"], s["lane"]) for a, s in steps.items()} == {
        "A": (3, "frontstage"), "B": (1, "frontstage"), "C": (1, "frontstage"), "D": (0, "support"),
        "E": (0, "frontstage")}
    bare = _feed(client, {"name": "bare", "sources": [sid], "lanes": {"rules": lanes["rules"]}})
    assert {s["activity"]: s["lane"] for s in bare["steps"]} == {"A": None, "B": None, "C": None, "D": "support",
                                                                "E": None}


def test_identical_start_and_complete_times_give_zero_service_and_no_false_rework(client):
    rows = ["case,act,ts,transition"] + [f"1,{a},2024-01-01T0{h}:00:00Z,{t}" for a, h in (("A", 1), ("B", 2), ("A", 3))
                                         for t in ("start", "complete")]
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts",
                                       "lifecycle_column": "transition"})
    assert upload(client, sid, ("\n".join(rows) + "\n").encode()).status_code == 201
    steps = {s["activity"]: s for s in _feed(client, {"name": "zero", "sources": [sid]})["steps"]}
    assert steps["A"]["service_time"]["median_s"] == 0 and steps["B"]["service_time"]["median_s"] == 0
    assert (steps["A"]["instances"], steps["A"]["rework"]["events"], steps["A"]["rework"]["cases"]) == (2, 1, 1)
    assert steps["B"]["rework"] == {"events": 0, "cases": 0, "case_share": 0.0}


THREADS_CSV = b"""case,act,ts,thread
1,a1,2024-01-01T00:00:00Z,T1
1,b1,2024-01-01T01:00:00Z,T2
1,a2,2024-01-01T02:00:00Z,T1
1,b2,2024-01-01T03:00:00Z,T2
1,a3,2024-01-01T04:00:00Z,T1
1,b3,2024-01-01T05:00:00Z,T2
"""


def test_flows_stay_within_threads_but_for_each_threads_start(client):
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts", "thread": "thread"})
    assert upload(client, sid, THREADS_CSV).status_code == 201
    feed = _feed(client, {"name": "parallel", "sources": [sid]})
    assert {(f["source"], f["target"]) for f in feed["flows"]} == {
        ("a1", "a2"), ("a2", "a3"), ("b1", "b2"), ("b2", "b3"), ("a1", "b1")}
    waits = {(f["source"], f["target"]): f["waiting"]["median_s"] for f in feed["flows"]}
    assert waits[("a2", "a3")] == 2 * H and waits[("a1", "b1")] == 1 * H
    assert "thread" in feed["flow_rule"]


def _hours_per_case(frame: pd.DataFrame) -> pd.Series:
    return (frame["timestamp"].max() - frame["timestamp"].min()).total_seconds()


def test_a_one_step_phase_has_an_elapsed_time_on_helpdesk(client):
    sid = make_source(client, mapping={"case_id": "Case ID", "activity": "Activity",
                                       "timestamp": "Complete Timestamp", "resource": "Resource"})
    assert upload(client, sid, SAMPLES / "helpdesk.csv").status_code == 201
    phases = [{"name": "Intake", "activities": ["Insert ticket", "Assign seriousness"]},
              {"name": "Take in charge", "activities": ["Take in charge ticket"]},
              {"name": "Resolve", "activity_regex": ".*"}]
    feed = _feed(client, {"name": "helpdesk", "sources": [sid], "phases": phases})
    taken = feed["phases"][1]
    assert taken["steps"] and len(taken["steps"]) == 1
    assert taken["active"]["median_s"] == 0 and taken["elapsed"]["median_s"] > 0
    raw = pd.read_csv(SAMPLES / "helpdesk.csv").drop_duplicates()
    raw["Complete Timestamp"] = pd.to_datetime(raw["Complete Timestamp"])
    # Every activity is in a phase, so the phases' elapsed times add up to the case's duration.
    durations = raw.groupby("Case ID")["Complete Timestamp"].agg(lambda t: (t.max() - t.min()).total_seconds())
    total_mean = sum(p["elapsed"]["mean_s"] * p["elapsed"]["count"] for p in feed["phases"]) / len(durations)
    assert total_mean == pytest.approx(durations.mean(), rel=1e-9)


def _demo_events() -> pd.DataFrame:
    frames = [pd.read_csv(DEMO / f"{n}.csv") for n in ("crm", "ticketing", "ops")]
    frame = pd.concat(frames, ignore_index=True)
    for column in ("timestamp", "start_timestamp"):
        local = pd.to_datetime(frame[column]).dt.tz_localize("Europe/London", ambiguous=True,
                                                               nonexistent="shift_forward")
        frame[column] = local.dt.tz_convert("UTC")
    return frame


def test_demo_phases_add_up_per_case_although_they_overlap():
    frame = _demo_events()
    micros = {c: frame[c].astype("datetime64[us, UTC]").astype("int64").where(frame[c].notna()) for c in
              ("timestamp", "start_timestamp")}
    ev = prepare(pd.DataFrame({"case_id": frame["order_id"], "activity": frame["activity"],
                               "timestamp": micros["timestamp"].astype("int64"),
                               "start_timestamp": micros["start_timestamp"], "ordinal": np.arange(len(frame))}))
    manifest = json.loads((DEMO / "manifest.json").read_text())
    phases = manifest["blueprint"]["phases"]
    phase_of = {a: i for i, p in enumerate(phases) for a in p["activities"]}
    # The workshop drew no phase for the calls, the checks and the failed visits (the feed lists
    # them as undesigned): here one more phase holds them, so that every event is in a phase.
    unphased = sorted(set(frame["activity"]) - set(phase_of))
    assert len(unphased) == 9 and "Call support" in unphased
    phase_of |= {a: len(phases) for a in unphased}
    spans = phase_spans(ev, phase_of, len(phases) + 1)
    elapsed = spans.ended - spans.before
    assert (elapsed >= 0).all()
    per_case = np.bincount(spans.case, weights=elapsed.astype(np.float64))
    assert np.array_equal(per_case.astype(np.int64), case_durations(ev))
    overlapping = ~spans.first_of_case & (spans.entry < spans.before)
    assert overlapping.any()  # phases do overlap in the demo; their elapsed times still add up


def test_a_lead_assumption_measures_from_the_named_step(client):
    manifest = json.loads((DEMO / "manifest.json").read_text())
    ids = {}
    for spec in manifest["sources"]:
        ids[spec["name"]] = make_source(client, name=spec["name"], system=spec["system"], mapping=spec["mapping"],
                                        timezone=spec["timezone"])
        for name in spec["files"]:
            assert upload(client, ids[spec["name"]], DEMO / name).status_code == 201
    body = {**manifest["blueprint"], "sources": [ids[n] for n in manifest["blueprint"]["sources"]]}
    body["assumptions"] = {"steps": {"Pack and ship router": {"assumed_s": 3_600, "measure": "lead",
                                                              "from": "Place order online"}},
                           "segments": [{"from": "Place order online", "to": "Pack and ship router",
                                         "assumed_s": 3_600}]}
    feed = _feed(client, body)
    frame = _demo_events()
    placed = frame[frame["activity"] == "Place order online"].groupby("order_id")["timestamp"].min()
    shipped = frame[frame["activity"] == "Pack and ship router"].set_index("order_id")["timestamp"]
    shipped = shipped[shipped.index.isin(placed.index)]
    after = shipped[shipped.values >= placed.reindex(shipped.index).values]
    lead = (after.groupby(level=0).min() - placed.reindex(after.groupby(level=0).min().index)).dt.total_seconds()
    step = next(s for s in feed["steps"] if s["activity"] == "Pack and ship router")
    assert step["assumed"]["measure"] == "lead" and step["assumed"]["from"] == "Place order online"
    assert step["assumed"]["observed_median_s"] == pytest.approx(float(np.median(lead)))
    assert step["assumed"]["cases"] == len(lead)
    segment = feed["assumptions"]["segments"][0]["comparison"]
    assert segment["observed_median_s"] == step["assumed"]["observed_median_s"] and segment["status"] == "slower"


def test_demo_threads_keep_unrelated_steps_apart(client):
    """Across the three systems, a router's arrival is often directly followed, in time, by an
    appointment reminder of the other thread: that is no work passed on, and no flow."""
    manifest = json.loads((DEMO / "manifest.json").read_text())
    ids = {}
    for spec in manifest["sources"]:
        assert spec["mapping"].get("thread") == "thread"
        ids[spec["name"]] = make_source(client, name=spec["name"], system=spec["system"], mapping=spec["mapping"],
                                        timezone=spec["timezone"])
        for name in spec["files"]:
            assert upload(client, ids[spec["name"]], DEMO / name).status_code == 201
    body = {**manifest["blueprint"], "sources": [ids[n] for n in manifest["blueprint"]["sources"]]}
    feed = _feed(client, body)
    frame = _demo_events().sort_values(["order_id", "timestamp"], kind="stable")
    assert frame["thread"].notna().all()
    following = frame.groupby("order_id")["activity"].shift(-1)
    pair = (frame["activity"] == "Receive router") & (following == "Send appointment reminder")
    assert pair.sum() > 0  # consecutive in time across threads...
    flows = {(f["source"], f["target"]) for f in feed["flows"]}
    assert ("Receive router", "Send appointment reminder") not in flows  # ...but no flow
    assert "thread" in feed["flow_rule"]


WHO_CSV = b"""case,act,ts,res,role,channel
1,Call,2024-01-01T01:00:00Z,ann,agent,phone
1,Fix,2024-01-01T02:00:00Z,bob,engineer,
2,Call,2024-01-01T01:00:00Z,ann,agent,phone
2,Fix,2024-01-01T02:00:00Z,bob,engineer,
3,Call,2024-01-01T01:00:00Z,cid,agent,chat
3,Fix,2024-01-01T02:00:00Z,dan,contractor,
4,Call,2024-01-01T01:00:00Z,ann,supervisor,phone
"""


def test_each_step_says_who_does_it_and_through_which_channel(client):
    sid = make_source(client, mapping={"case_id": "case", "activity": "act", "timestamp": "ts", "resource": "res",
                                       "role": "role"})
    assert upload(client, sid, WHO_CSV).status_code == 201
    steps = {s["activity"]: s for s in _feed(client, {"name": "who", "sources": [sid]})["steps"]}
    call, fix = steps["Call"], steps["Fix"]
    assert [(r["name"], r["count"], r["share"]) for r in call["roles"]] == [("agent", 3, 0.75), ("supervisor", 1, 0.25)]
    assert [(r["name"], r["count"]) for r in call["resources"]] == [("ann", 3), ("cid", 1)]
    assert [(c["name"], c["count"], c["share"]) for c in call["channels"]] == [("phone", 3, 0.75), ("chat", 1, 0.25)]
    assert [(r["name"], r["count"]) for r in fix["roles"]] == [("engineer", 2), ("contractor", 1)]
    assert fix["channels"] == []
