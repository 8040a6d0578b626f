"""The process model: pm4py's inductive miner on the variants that cover most cases, as BPMN.

The miner runs on one trace per variant that together cover `coverage` of the cases (95% by
default): rare variants are what turn a loop-heavy log into a "flower" model that allows
everything, and one trace per variant is all the (non-infrequent) inductive miner needs."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from app.errors import MiningError
from app.mining.frame import EventArrays


def variant_sequences(ev: EventArrays) -> list[tuple[tuple[str, ...], int]]:
    """Every variant (activity sequence) with its case count, most frequent first."""
    codes = ev.act.astype(np.int64)
    keys = [codes[s:e + 1].tobytes() for s, e in zip(ev.case_first, ev.case_last, strict=True)]
    counts = pd.Series(keys).value_counts(sort=True)
    return [(tuple(ev.act_labels[np.frombuffer(k, dtype=np.int64)]), int(c)) for k, c in counts.items()]


MAX_VARIANTS = 2000
MODEL_COVERAGE = 0.95  # the share of cases whose variants the model is discovered from


def covering_count(counts: np.ndarray, coverage: float, limit: int = MAX_VARIANTS) -> int:
    """How many of the most frequent variants (case counts, descending) it takes to cover
    `coverage` of the cases: at most `limit`, since in loop-heavy logs nearly every case is its
    own variant."""
    if not len(counts):
        return 0
    cumulative = np.cumsum(counts)
    return min(int(np.searchsorted(cumulative, coverage * cumulative[-1], side="left")) + 1, limit, len(counts))


def covered_share(counts: np.ndarray, coverage: float, limit: int = MAX_VARIANTS) -> float:
    """The share of cases the variants the model is discovered from cover."""
    chosen = covering_count(counts, coverage, limit)
    total = int(np.sum(counts))
    return float(np.sum(counts[:chosen]) / total) if total else 0.0


def discover_bpmn_xml(sequences: list[tuple[tuple[str, ...], int]], coverage: float = 0.95) -> str:
    """BPMN 2.0 XML (semantics only, no diagram) of the inductive miner's model."""
    chosen = [seq for seq, _ in sequences[:covering_count(np.array([c for _, c in sequences]), coverage)]]
    if not chosen:
        raise MiningError("no events: there is no process to model")
    rows = [(str(i), activity, pd.Timestamp(j, unit="s", tz="UTC"))
            for i, seq in enumerate(chosen) for j, activity in enumerate(seq)]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    from app.mining.pm4py_import import pm4py  # here, not at start-up: about 150 MB, needed for models only

    try:
        tree = pm4py.discover_process_tree_inductive(log)
        bpmn = pm4py.convert_to_bpmn(tree)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "model.bpmn"
            pm4py.write_bpmn(bpmn, str(path), auto_layout=False)  # our layout draws the lanes
            return path.read_text(encoding="utf-8")
    except Exception as exc:  # pm4py raises bare exceptions
        raise MiningError(f"process discovery failed: {exc}") from exc
