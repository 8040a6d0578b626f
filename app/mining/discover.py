"""Flows, activities, variants, case durations and handovers, from sorted event arrays."""

import numpy as np
import pandas as pd

from app.mining.frame import NAT, EventArrays
from app.mining.stats import grouped


def waits(ev: EventArrays) -> np.ndarray:
    """Time from each event to the next one of its case starting (microseconds), per consecutive pair.

    Without start timestamps the next event "starts" when it completes, as in pm4py's performance
    DFG; with them, overlap counts as no wait."""
    if "waits" not in ev.memo:
        nxt = ev.ts[1:]
        if ev.start is not None:
            has = ev.start[1:] != NAT
            nxt = np.where(has, np.maximum(ev.start[1:], ev.ts[:-1]), nxt)
        ev.memo["waits"] = nxt - ev.ts[:-1]
    return ev.memo["waits"]


def discover_flows(ev: EventArrays) -> list[dict]:
    """Directly-follows flows with counts and waiting-time statistics."""
    same = ev.same_case
    width = max(len(ev.act_labels), 1)
    pairs = ev.act[:-1] * width + ev.act[1:]
    stats = grouped(pairs, waits(ev), same)
    cases = _distinct_cases(ev.case[1:][same], pairs[same], stats.groups)
    return [{"source": ev.act_labels[code // width], "target": ev.act_labels[code % width],
             "cases": int(cases[i]), **stats.as_dict(i)} for i, code in enumerate(stats.groups)]


def _distinct_cases(case: np.ndarray, codes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each group code, in how many distinct cases it occurs."""
    per_code = distinct_pairs(case, codes, int(groups.max()) + 1 if len(groups) else 0)[0]
    return per_code[groups]


def distinct_pairs(case: np.ndarray, codes: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per code (0..width-1): in how many distinct cases it occurs, and in how many more than once.
    One sort of packed (case, code) integers (SIMD), no hashing."""
    if not len(codes):
        return np.zeros(width, dtype=np.int64), np.zeros(width, dtype=np.int64)
    keys = np.sort(case.astype(np.int64) * width + codes)
    first = np.concatenate(([0], np.flatnonzero(np.diff(keys)) + 1))
    repeated = np.diff(np.concatenate((first, [len(keys)]))) > 1
    code = keys[first] % width
    return np.bincount(code, minlength=width), np.bincount(code[repeated], minlength=width)


def discover_activities(ev: EventArrays) -> list[dict]:
    """Per activity: events, cases, rework, service time (where start timestamps exist)."""
    width = max(len(ev.act_labels), 1)
    events = np.bincount(ev.act, minlength=width)
    cases, repeated = distinct_pairs(ev.case, ev.act, width)
    service = _service_times(ev, width)
    out = []
    for code, label in enumerate(ev.act_labels):
        out.append({"activity": label, "events": int(events[code]), "cases": int(cases[code]),
                    "rework": {"events": int(events[code] - cases[code]), "cases": int(repeated[code]),
                               "case_share": float(repeated[code] / cases[code]) if cases[code] else 0.0},
                    "service_time": service.get(code)})
    return out


def _service_times(ev: EventArrays, width: int) -> dict[int, dict]:
    if ev.start is None:
        return {}
    has = ev.start != NAT
    stats = grouped(ev.act[has], (ev.ts - ev.start)[has])
    return {int(code): stats.as_dict(i) for i, code in enumerate(stats.groups)}


def start_end_activities(ev: EventArrays) -> tuple[dict, dict]:
    first = pd.Series(ev.act_labels[ev.act[ev.case_first]]).value_counts()
    last = pd.Series(ev.act_labels[ev.act[ev.case_last]]).value_counts()
    return first.to_dict(), last.to_dict()


def discover_variants(ev: EventArrays, top: int = 20) -> dict:
    """Variants (activity sequences) with case counts and shares; the rest summed."""
    codes = ev.act.astype(np.uint16).tobytes() if len(ev.act_labels) < 65536 else ev.act.tobytes()
    size = 2 if len(ev.act_labels) < 65536 else 8
    keys = [codes[s * size:(e + 1) * size] for s, e in zip(ev.case_first, ev.case_last, strict=True)]
    counts = pd.Series(keys).value_counts(sort=True)
    total = int(counts.sum())
    dtype = np.uint16 if size == 2 else np.int64
    listed = [{"activities": ev.act_labels[np.frombuffer(k, dtype=dtype)].tolist(), "cases": int(c),
               "share": c / total} for k, c in counts.head(top).items()]
    rest = int(counts.iloc[top:].sum())
    return {"count": len(counts), "top": listed, "counts": counts.to_numpy(),
            "other": {"variants": max(len(counts) - top, 0), "cases": rest, "share": rest / total if total else 0}}


def case_durations(ev: EventArrays) -> np.ndarray:
    """Per case: last completion minus first start (or completion), microseconds."""
    begin = ev.ts[ev.case_first]
    if ev.start is not None:
        # The earliest start in the case (a case may begin with a long first activity).
        starts = np.where(ev.start != NAT, ev.start, ev.ts)
        begin = np.minimum.reduceat(starts, ev.case_first)
    return ev.ts[ev.case_last] - begin


def discover_handovers(ev: EventArrays, codes: np.ndarray, labels: np.ndarray) -> list[dict]:
    """Consecutive events of one case passing between two different holders (resources or lanes)."""
    same = ev.same_case & (codes[1:] != codes[:-1]) & (codes[1:] >= 0) & (codes[:-1] >= 0)
    width = max(len(labels), 1)
    pairs = np.where(same, codes[:-1] * width + codes[1:], 0)
    stats = grouped(pairs, waits(ev), same)
    cases = _distinct_cases(ev.case[1:][same], pairs[same], stats.groups)
    return [{"from": labels[c // width], "to": labels[c % width], "cases": int(cases[i]), **stats.as_dict(i)}
            for i, c in enumerate(stats.groups)]
