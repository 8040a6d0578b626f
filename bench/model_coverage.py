"""How the process model reaches its variant coverage: three ways to feed pm4py's inductive miner.

    .venv/bin/python bench/model_coverage.py                 # the shared logs and the 1M bench log
    .venv/bin/python bench/model_coverage.py --logs sepsis   # some of them

For each log (the shared real logs beside the repository, bpic2012 also with activity joined with
lifecycle, and bench/ingest.py's seeded 1,000,000-event log generated in memory) it discovers the
model three ways and times each (discovery and conversion to BPMN, input preparation included):

  cap2000   one trace per variant, the most frequent variants up to 95% of cases, at most 2,000
  traces    one trace per variant, every variant up to 95% of cases (no cap)
  imd       the inductive miner on the directly-follows graph of the cases of those variants (IMd)

and reports the share of cases the model is discovered from, the token-based replay fitness on a
seeded sample of cases (all cases when fewer) and the token-based precision on a smaller sample.
Nothing asserts; figures go to bench/out/model_coverage.json."""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from app.mining.frame import EventArrays, prepare  # noqa: E402
from app.mining.pm4py_import import pm4py  # noqa: E402

pm4py.util.constants.SHOW_PROGRESS_BAR = False

LOGS = ROOT.parent / "shared" / "logs"
OUT = ROOT / "bench" / "out"
COVERAGE, CAP = 0.95, 2000
FITNESS_SAMPLE, PRECISION_SAMPLE = 5000, 1000


def _xes(name: str, lifecycle: bool = False) -> pd.DataFrame:
    df = pm4py.read_xes(str(LOGS / name), variant="rustxes")
    activity = df["concept:name"].astype(str)
    if lifecycle:
        activity = activity + "+" + df["lifecycle:transition"].astype(str)
    return pd.DataFrame({"case_id": df["case:concept:name"].astype(str), "activity": activity,
                         "timestamp": pd.to_datetime(df["time:timestamp"], utc=True).astype("int64") // 1000,
                         "ordinal": np.arange(len(df))})


def _bench_1m() -> pd.DataFrame:
    sys.path.insert(0, str(ROOT / "bench"))
    import ingest

    ev = ingest.generate(1_000_000)
    return pd.DataFrame({"case_id": ev["case"].astype(str), "activity": np.asarray(ingest.ACTIVITIES)[ev["act"]],
                         "timestamp": ev["ts"] * 1_000_000, "ordinal": np.arange(ev["n"])})


SOURCES = {
    "sepsis": lambda: _xes("sepsis.xes.gz"),
    "receipt": lambda: _xes("receipt.xes"),
    "road_traffic_fines": lambda: _xes("road_traffic_fines.xes.gz"),
    "bpic2012": lambda: _xes("bpic2012.xes.gz"),
    "bpic2012+lifecycle": lambda: _xes("bpic2012.xes.gz", lifecycle=True),
    "bench-1M": _bench_1m,
}


def variant_ranks(ev: EventArrays) -> tuple[np.ndarray, np.ndarray, list[bytes]]:
    """Per case its variant's rank (0 = most frequent), the counts by rank, and the variant keys."""
    codes = ev.act.astype(np.int64)
    keys = [codes[s:e + 1].tobytes() for s, e in zip(ev.case_first, ev.case_last, strict=True)]
    counts = pd.Series(keys).value_counts(sort=True)
    rank = pd.Index(counts.index).get_indexer(keys)
    return rank, counts.to_numpy(), list(counts.index)


def covering(counts: np.ndarray, cap: int | None) -> int:
    cumulative = np.cumsum(counts)
    chosen = int(np.searchsorted(cumulative, COVERAGE * cumulative[-1], side="left")) + 1
    return min(chosen, cap or chosen, len(counts))


def traces_frame(ev: EventArrays, keys: list[bytes]) -> pd.DataFrame:
    rows = [(str(i), ev.act_labels[code], j) for i, key in enumerate(keys)
            for j, code in enumerate(np.frombuffer(key, dtype=np.int64))]
    frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "t"])
    frame["time:timestamp"] = pd.to_datetime(frame.pop("t"), unit="s", utc=True)
    return frame


def covering_dfg(ev: EventArrays, rank: np.ndarray, chosen: int):
    from pm4py.objects.dfg.obj import DFG

    kept_case = rank < chosen
    per_event = np.repeat(kept_case, ev.case_last - ev.case_first + 1)
    width = len(ev.act_labels)
    pairs = ev.act[:-1] * width + ev.act[1:]
    flow = np.bincount(pairs[ev.same_case & per_event[1:]], minlength=width * width)
    starts = np.bincount(ev.act[ev.case_first[kept_case]], minlength=width)
    ends = np.bincount(ev.act[ev.case_last[kept_case]], minlength=width)
    labels = ev.act_labels
    graph = {(labels[c // width], labels[c % width]): int(flow[c]) for c in np.flatnonzero(flow)}
    return DFG(graph, {labels[c]: int(starts[c]) for c in np.flatnonzero(starts)},
               {labels[c]: int(ends[c]) for c in np.flatnonzero(ends)})


def discover(method: str, ev: EventArrays, rank: np.ndarray, counts: np.ndarray, keys: list[bytes]):
    chosen = covering(counts, CAP if method == "cap2000" else None)
    source = covering_dfg(ev, rank, chosen) if method == "imd" else traces_frame(ev, keys[:chosen])
    tree = pm4py.discover_process_tree_inductive(source)
    pm4py.convert_to_bpmn(tree)
    return tree, float(counts[:chosen].sum() / counts.sum()), chosen


def sample_frame(ev: EventArrays, size: int, seed: int = 7) -> pd.DataFrame:
    n_cases = len(ev.case_first)
    cases = np.sort(np.random.default_rng(seed).choice(n_cases, min(size, n_cases), replace=False))
    lengths = ev.case_last[cases] - ev.case_first[cases] + 1
    index = np.repeat(ev.case_first[cases], lengths) + (np.arange(lengths.sum()) - np.repeat(
        np.cumsum(lengths) - lengths, lengths))
    frame = pd.DataFrame({"case:concept:name": np.repeat(cases, lengths).astype(str),
                          "concept:name": ev.act_labels[ev.act[index]], "t": np.arange(len(index))})
    frame["time:timestamp"] = pd.to_datetime(frame.pop("t"), unit="s", utc=True)
    return frame


def run(name: str) -> dict:
    frame = SOURCES[name]()
    ev = prepare(frame)
    rank, counts, keys = variant_ranks(ev)
    row = {"log": name, "events": ev.n, "cases": len(ev.case_first), "activities": len(ev.act_labels),
           "variants": len(counts), "covering_variants": covering(counts, None)}
    print(f"{name}: {row}", flush=True)
    fit_log, prec_log = sample_frame(ev, FITNESS_SAMPLE), sample_frame(ev, PRECISION_SAMPLE)
    for method in ("cap2000", "traces", "imd"):
        t0 = time.perf_counter()
        tree, share, chosen = discover(method, ev, rank, counts, keys)
        seconds = time.perf_counter() - t0
        net, im, fm = pm4py.convert_to_petri_net(tree)
        t1 = time.perf_counter()
        fitness = pm4py.fitness_token_based_replay(fit_log, net, im, fm)
        precision = pm4py.precision_token_based_replay(prec_log, net, im, fm)
        row[method] = {"seconds": round(seconds, 2), "variants_used": chosen, "coverage": round(share, 4),
                       "fitness": round(fitness["log_fitness"], 4),
                       "fitting_traces_pct": round(fitness["perc_fit_traces"], 1), "precision": round(precision, 4),
                       "tasks": len(net.transitions) - sum(t.label is None for t in net.transitions),
                       "conformance_seconds": round(time.perf_counter() - t1, 1)}
        print(f"  {method:<8} {row[method]}", flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--logs", nargs="*", default=list(SOURCES), choices=list(SOURCES))
    args = ap.parse_args()
    rows = [run(name) for name in args.logs]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "model_coverage.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
