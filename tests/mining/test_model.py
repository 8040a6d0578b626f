"""The model's input: the cases of the variants covering 95% of cases, counted by hand and by pm4py."""

import numpy as np
import pandas as pd
from lxml import etree

from app.mining.frame import prepare
from app.mining.model import covered_share, covering_cases, discover_bpmn_xml
from app.mining.pm4py_import import pm4py

BPMN = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL"}


def events(traces: list[str]) -> pd.DataFrame:
    """One case per string, one event per letter, a second apart."""
    rows = [(f"c{i:05d}", activity, j) for i, trace in enumerate(traces) for j, activity in enumerate(trace)]
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "timestamp"])
    frame["timestamp"] = frame["timestamp"] * 1_000_000
    frame["ordinal"] = np.arange(len(frame))
    return frame


def pm4py_dfg(frame: pd.DataFrame, cases: set[str]) -> tuple[dict, dict, dict]:
    kept = frame[frame["case_id"].isin(cases)].assign(timestamp=lambda f: pd.to_datetime(f["timestamp"], unit="us"))
    return pm4py.discover_dfg(kept, case_id_key="case_id", activity_key="activity", timestamp_key="timestamp")


def test_the_covering_variants_by_hand_and_their_graph_as_pm4py_counts_it():
    traces = ["abc"] * 5 + ["acb"] * 3 + ["ad", "ae"]
    frame = events(traces)
    found = covering_cases(prepare(frame), 0.8)
    assert (found.variants, found.cases, found.of_cases) == (2, 8, 10)
    assert found.traces == [("a", "b", "c"), ("a", "c", "b")]
    assert found.flows == {("a", "b"): 5, ("b", "c"): 5, ("a", "c"): 3, ("c", "b"): 3}
    assert (found.starts, found.ends) == ({"a": 8}, {"c": 5, "b": 3})
    assert (found.flows, found.starts, found.ends) == pm4py_dfg(frame, {f"c{i:05d}" for i in range(8)})
    # Over the trace budget the traces are left out: the graph goes to IMd instead.
    assert covering_cases(prepare(frame), 0.8, trace_events=5).traces is None
    # Variants with equal counts rank in the order of their first case.
    assert covering_cases(prepare(events(["ad", "ae", "ad", "ae"])), 0.5).traces == [("a", "d")]


def test_a_log_where_every_case_is_its_own_variant_is_modelled_at_95_percent():
    rng = np.random.default_rng(3)
    alphabet = np.array(list("bcdefghij"))
    traces = sorted({"a" + "".join(rng.choice(alphabet, 7)) + "z" for _ in range(3200)})[:3000]
    frame = events(traces)
    ev = prepare(frame)
    found = covering_cases(ev, 0.95)
    assert (found.variants, found.cases, found.traces) == (2850, 2850, None)  # 28,500 events: over the budget
    assert covered_share(np.ones(3000, dtype=np.int64), 0.95) == 0.95
    assert (found.flows, found.starts, found.ends) == pm4py_dfg(frame, {f"c{i:05d}" for i in range(2850)})
    root = etree.fromstring(discover_bpmn_xml(ev, 0.95).encode())
    assert root.findtext("bpmn:process/bpmn:documentation", namespaces=BPMN) == (
        "Discovered by pm4py's inductive miner from the 2,850 most frequent variants, the directly-follows "
        "graph of their cases (IMd): 2,850 of 3,000 cases (95.0%).")
    assert {t.get("name") for t in root.iterfind(".//bpmn:task", BPMN)} == set("abcdefghijz")


def test_a_small_log_is_mined_from_its_traces():
    root = etree.fromstring(discover_bpmn_xml(prepare(events(["abc"] * 5 + ["acb"] * 3 + ["ad", "ae"])), 0.8).encode())
    assert root.findtext("bpmn:process/bpmn:documentation", namespaces=BPMN) == (
        "Discovered by pm4py's inductive miner from the 2 most frequent variants, one trace per variant (IM): "
        "8 of 10 cases (80.0%).")
    assert {t.get("name") for t in root.iterfind(".//bpmn:task", BPMN)} == {"a", "b", "c"}
