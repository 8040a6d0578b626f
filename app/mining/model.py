"""The process model: pm4py's inductive miner on the cases of the variants that cover most cases.

The model is discovered from the most frequent variants that together cover `coverage` of the
cases (95% by default): rare variants are what turn a loop-heavy log into a "flower" model that
allows everything. Two ways, both reaching the coverage (bench/model_coverage.py; the README has
the figures):

- one trace per variant into the inductive miner (IM), while those traces hold at most
  IM_TRACE_EVENTS events: its cost grows faster than the number of variants (BPI Challenge 2012's
  3,712 covering variants took 12 s, the 1M-event benchmark log's 55,682 took 36 s), so it used
  to stop at 2,000 variants, 82% and 5.5% of those logs' cases;
- beyond that, the directly-follows variant (IMd) on the directly-follows graph of those cases,
  counted by NumPy in one pass: it takes milliseconds whatever the number of variants, but on a
  dense graph it finds fewer structures (BPIC 2012's model is a loop over a choice after its first
  two steps), so it is the fallback, not the rule."""

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from lxml import etree

from app.errors import MiningError
from app.mining.frame import EventArrays

MODEL_COVERAGE = 0.95  # the share of cases whose variants the model is discovered from
IM_TRACE_EVENTS = 20_000  # IM on at most this many events of variant traces: about 3 s on this machine
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass(frozen=True)
class CoveringCases:
    """The cases the model is discovered from: their directly-follows graph, and one trace per
    variant when those traces are few enough for IM (else None)."""

    flows: dict[tuple[str, str], int]
    starts: dict[str, int]
    ends: dict[str, int]
    traces: list[tuple[str, ...]] | None
    cases: int
    of_cases: int
    variants: int


def covering_count(counts: np.ndarray, coverage: float) -> int:
    """How many of the most frequent variants (case counts, descending) it takes to cover
    `coverage` of the cases."""
    if not len(counts):
        return 0
    cumulative = np.cumsum(counts)
    return min(int(np.searchsorted(cumulative, coverage * cumulative[-1], side="left")) + 1, len(counts))


def covered_share(counts: np.ndarray, coverage: float) -> float:
    """The share of cases the variants the model is discovered from cover."""
    chosen = covering_count(counts, coverage)
    total = int(np.sum(counts))
    return float(np.sum(counts[:chosen]) / total) if total else 0.0


def case_variants(ev: EventArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per case, its variant's rank (0: the most frequent; equal counts in order of first case);
    per rank, the variant's case count and its first case."""
    size = 2 if len(ev.act_labels) < 65536 else 8
    codes = ev.act.astype(np.uint16 if size == 2 else np.int64).tobytes()
    keys = [codes[s * size:(e + 1) * size] for s, e in zip(ev.case_first, ev.case_last, strict=True)]
    variant, _ = pd.factorize(pd.Series(keys, dtype=object))
    counts = np.bincount(variant)
    order = np.argsort(-counts, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    first_case = np.full(len(order), len(keys))
    np.minimum.at(first_case, rank[variant], np.arange(len(keys)))
    return rank[variant], counts[order], first_case


def covering_cases(ev: EventArrays, coverage: float, trace_events: int = IM_TRACE_EVENTS) -> CoveringCases:
    """The directly-follows graph of the cases of the most frequent variants covering `coverage`
    of the cases, and their traces (one per variant) if those hold at most `trace_events` events."""
    rank, counts, first_case = case_variants(ev)
    chosen = covering_count(counts, coverage)
    kept = rank < chosen
    in_kept = np.repeat(kept, ev.case_last - ev.case_first + 1)
    width = max(len(ev.act_labels), 1)
    pairs = ev.act[:-1] * width + ev.act[1:]
    flow = np.bincount(pairs[ev.same_case & in_kept[1:]], minlength=width * width)
    starts = np.bincount(ev.act[ev.case_first[kept]], minlength=width)
    ends = np.bincount(ev.act[ev.case_last[kept]], minlength=width)
    labels = ev.act_labels.astype(str)
    shown = first_case[:chosen]
    traces = None
    if int(np.sum(ev.case_last[shown] - ev.case_first[shown] + 1)) <= trace_events:
        traces = [tuple(labels[ev.act[ev.case_first[c]:ev.case_last[c] + 1]]) for c in shown]
    return CoveringCases(
        flows={(labels[c // width], labels[c % width]): int(flow[c]) for c in np.flatnonzero(flow)},
        starts={labels[c]: int(starts[c]) for c in np.flatnonzero(starts)},
        ends={labels[c]: int(ends[c]) for c in np.flatnonzero(ends)},
        traces=traces, cases=int(kept.sum()), of_cases=len(rank), variants=chosen)


def _miner_input(pm4py, found: CoveringCases):
    if found.traces is None:
        return pm4py.objects.dfg.obj.DFG(found.flows, found.starts, found.ends)
    rows = [(str(i), activity, j) for i, trace in enumerate(found.traces) for j, activity in enumerate(trace)]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], unit="s", utc=True)
    return log


def provenance(found: CoveringCases) -> str:
    """How the model was discovered, for the document."""
    how = ("one trace per variant (IM)" if found.traces is not None
           else "the directly-follows graph of their cases (IMd)")
    return (f"Discovered by pm4py's inductive miner from the {found.variants:,} most frequent variants, "
            f"{how}: {found.cases:,} of {found.of_cases:,} cases ({found.cases / found.of_cases:.1%}).")


def _documented(xml: str, text: str) -> str:
    root = etree.fromstring(xml.encode(), etree.XMLParser(resolve_entities=False, no_network=True))
    note = etree.Element(f"{{{BPMN_NS}}}documentation")
    note.text = text
    root.find(f"{{{BPMN_NS}}}process").insert(0, note)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def discover_bpmn_xml(ev: EventArrays, coverage: float = 0.95) -> str:
    """BPMN 2.0 XML (semantics only, no diagram) of the inductive miner's model of the cases of
    the variants covering `coverage` of the cases; the process documents how it was found."""
    found = covering_cases(ev, coverage)
    if not found.cases:
        raise MiningError("no events: there is no process to model")
    from app.mining.pm4py_import import pm4py  # here, not at start-up: about 150 MB, needed for models only

    try:
        tree = pm4py.discover_process_tree_inductive(_miner_input(pm4py, found))
        bpmn = pm4py.convert_to_bpmn(tree)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.bpmn"
            pm4py.write_bpmn(bpmn, str(path), auto_layout=False)  # our layout draws the lanes
            return _documented(path.read_text(encoding="utf-8"), provenance(found))
    except Exception as exc:  # pm4py raises bare exceptions
        raise MiningError(f"process discovery failed: {exc}") from exc
