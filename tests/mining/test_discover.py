"""Our vectorised statistics against pm4py's own functions on real logs (the file less exact duplicates)."""

from functools import cache

import numpy as np
import pandas as pd
import pytest

from app.mining.discover import (
    case_durations,
    discover_flows,
    discover_handovers,
    discover_steps,
    discover_variants,
    start_end_activities,
)
from app.mining.frame import prepare
from app.mining.pm4py_import import pm4py
from tests.conftest import DATA, SAMPLES

LOGS = {
    "running-example": SAMPLES / "running-example.xes",
    "receipt": SAMPLES / "receipt.xes",
    "helpdesk": SAMPLES / "helpdesk.csv",
    "sepsis": DATA / "sepsis.xes.gz",
    "bpic2012": DATA / "bpic2012.xes.gz",
}
KEYS = dict(case_id_key="case:concept:name", activity_key="concept:name", timestamp_key="time:timestamp")


@cache
def log(name: str) -> pd.DataFrame:
    """pm4py's reading of the log, exact duplicate rows dropped, in XES column names."""
    path = LOGS[name]
    if path.suffix == ".csv":
        frame = pd.read_csv(path).rename(columns={"Case ID": "case:concept:name", "Activity": "concept:name",
                                                  "Complete Timestamp": "time:timestamp",
                                                  "Resource": "org:resource"})
        frame["time:timestamp"] = pd.to_datetime(frame["time:timestamp"], utc=True)
    else:
        frame = pm4py.read_xes(str(path), variant="rustxes")
    frame = frame.drop_duplicates().reset_index(drop=True)
    frame["case:concept:name"] = frame["case:concept:name"].astype(str)
    return frame


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    ts = frame["time:timestamp"].dt.tz_convert("UTC").dt.tz_localize(None).astype("datetime64[us]")
    return pd.DataFrame({"case_id": frame["case:concept:name"], "activity": frame["concept:name"],
                         "timestamp": ts.to_numpy().view(np.int64),
                         "resource": frame.get("org:resource"),
                         "ordinal": np.arange(len(frame))})


@pytest.mark.parametrize("name", LOGS)
def test_flows_starts_ends_variants_durations_equal_pm4py(name):
    frame = log(name)
    ev = prepare(canonical(frame))
    dfg, starts, ends = pm4py.discover_dfg(frame, **KEYS)
    flows = {(f.source, f.target): f for f in discover_flows(ev)}
    assert {k: f.count for k, f in flows.items()} == dict(dfg)
    ours_start, ours_end = start_end_activities(ev)
    assert (ours_start, ours_end) == (dict(starts), dict(ends))
    variants = pm4py.get_variants(frame, **KEYS)
    mined = discover_variants(ev)
    assert mined.count == len(variants)
    assert sum(v.cases for v in mined.top) + mined.other_cases == frame["case:concept:name"].nunique()
    top = max(variants.items(), key=lambda kv: kv[1])
    assert (mined.top[0].activities, mined.top[0].cases) == (tuple(top[0]), top[1])
    durations = pm4py.get_all_case_durations(frame, **KEYS)
    assert np.median(case_durations(ev)) / 1e6 == pytest.approx(np.median(durations), abs=1e-6)


@pytest.mark.parametrize("name", ["receipt", "helpdesk", "sepsis"])
def test_flow_waiting_times_equal_numpy_within_a_second(name):
    frame = log(name).sort_values(["case:concept:name", "time:timestamp"], kind="stable")
    nxt = frame.groupby("case:concept:name").shift(-1)
    pairs = pd.DataFrame({"a": frame["concept:name"], "b": nxt["concept:name"],
                          "wait": (nxt["time:timestamp"] - frame["time:timestamp"]).dt.total_seconds()}).dropna()
    expected = pairs.groupby(["a", "b"])["wait"].agg(
        median=np.median, p90=lambda s: np.percentile(s, 90), count="size")
    flows = {(f.source, f.target): f for f in discover_flows(prepare(canonical(log(name))))}
    assert len(flows) == len(expected)
    for (a, b), row in expected.iterrows():
        f = flows[(a, b)]
        assert f.count == row["count"]
        assert abs(f.waiting.median_s - row["median"]) < 1 and abs(f.waiting.p90_s - row["p90"]) < 1, (a, b)


@pytest.mark.parametrize("name", ["running-example", "receipt", "helpdesk"])
def test_resource_handovers_equal_pm4py(name):
    frame = log(name)
    ev = prepare(canonical(frame))
    sna = pm4py.discover_handover_of_work_network(frame, resource_key="org:resource",
                                                  timestamp_key="time:timestamp", case_id_key="case:concept:name")
    total = int((ev.same_case & (ev.resource[1:] >= 0) & (ev.resource[:-1] >= 0)).sum())
    ours = {(h.source, h.target): h.count / total
            for h in discover_handovers(ev, ev.resource, ev.resource_labels)}
    theirs = {k: v for k, v in sna.connections.items() if k[0] != k[1] and v > 0}
    assert ours.keys() == theirs.keys()
    assert all(ours[k] == pytest.approx(theirs[k]) for k in ours)


def test_activity_figures_by_hand():
    """running-example, counted by hand: 'examine casually' 6 times in cases 2, 3, 5, 6 (case 5 thrice)."""
    ev = prepare(canonical(log("running-example")))
    none = np.zeros(len(ev.act_labels), np.int64)
    steps = discover_steps(ev, event_counts=np.bincount(ev.act), open_counts=none, aborted_counts=none, who={})
    acts = {s.activity: s for s in steps}
    ex = acts["examine casually"]
    assert (ex.instances, ex.cases, ex.rework.events, ex.rework.cases) == (6, 4, 2, 1)
    assert acts["register request"].instances == 6 and acts["reinitiate request"].cases == 2
