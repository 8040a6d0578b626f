"""Everything the blueprint feed observes, from one sorted pass over the events."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.mining.discover import (
    case_durations,
    discover_activities,
    discover_flows,
    discover_handovers,
    discover_variants,
    start_end_activities,
    waits,
)
from app.mining.frame import NAT, EventArrays
from app.mining.stats import grouped, summary


@dataclass
class Observed:
    ev: EventArrays
    flows: list[dict]
    activities: list[dict]
    variants: dict
    case_duration: dict
    starts: dict
    ends: dict
    waiting_before: dict[str, dict]
    position: dict[str, float]
    resource_handovers: list[dict]


def observe(ev: EventArrays) -> Observed:
    """Flows, steps, variants, durations and resource handovers of the (filtered) events."""
    starts, ends = start_end_activities(ev)
    return Observed(ev=ev, flows=discover_flows(ev), activities=discover_activities(ev),
                    variants=discover_variants(ev), case_duration=summary(case_durations(ev)),
                    starts=starts, ends=ends, waiting_before=_waiting_before(ev), position=_positions(ev),
                    resource_handovers=discover_handovers(ev, ev.resource, ev.resource_labels))


def _waiting_before(ev: EventArrays) -> dict[str, dict]:
    stats = grouped(ev.act[1:], waits(ev), ev.same_case)
    return {ev.act_labels[code]: stats.as_dict(i) for i, code in enumerate(stats.groups)}


def _positions(ev: EventArrays) -> dict[str, float]:
    """Median relative position (0 = first, 1 = last event of the case) of each activity."""
    index = np.arange(ev.n)
    case_start = np.repeat(ev.case_first, ev.case_last - ev.case_first + 1)
    length = np.repeat(ev.case_last - ev.case_first, ev.case_last - ev.case_first + 1)
    relative = np.where(length > 0, (index - case_start) / np.maximum(length, 1), 0.0)
    stats = grouped(ev.act, relative * 1e6)  # grouped() reports in "seconds" of microseconds
    return {ev.act_labels[code]: float(stats.median[i]) / 1e6 for i, code in enumerate(stats.groups)}


def lane_handovers(ev: EventArrays, step_lane: dict[str, str | None], lanes: list[str]) -> list[dict]:
    """Consecutive events of a case whose steps sit in different lanes."""
    codes = _lane_codes(ev, step_lane, lanes)
    return discover_handovers(ev, codes, np.asarray(lanes, dtype=object))


def _lane_codes(ev: EventArrays, step_lane: dict[str, str | None], lanes: list[str]) -> np.ndarray:
    per_activity = np.array([lanes.index(step_lane[a]) if step_lane.get(a) in lanes else -1
                             for a in ev.act_labels], dtype=np.int64)
    return per_activity[ev.act] if len(per_activity) else np.zeros(0, np.int64)


def handovers_within_lanes(ev: EventArrays, step_lane: dict[str, str | None], lanes: list[str],
                           top: int = 5) -> dict[str, list[dict]]:
    """Per lane, the most frequent passes of work between two resources inside the lane."""
    codes = _lane_codes(ev, step_lane, lanes)
    same = (ev.same_case & (codes[1:] == codes[:-1]) & (codes[1:] >= 0) & (ev.resource[1:] >= 0)
            & (ev.resource[:-1] >= 0) & (ev.resource[1:] != ev.resource[:-1]))
    pairs = pd.DataFrame({"lane": codes[1:][same], "a": ev.resource[:-1][same], "b": ev.resource[1:][same]})
    counts = pairs.value_counts().reset_index(name="count")
    out: dict[str, list[dict]] = {}
    for lane_code, group in counts.groupby("lane", sort=True):
        out[lanes[int(lane_code)]] = [{"from": ev.resource_labels[r.a], "to": ev.resource_labels[r.b],
                                       "count": int(r.count)} for r in group.head(top).itertuples()]
    return out


def phase_durations(ev: EventArrays, phase_of: dict[str, int], phases: int) -> list[dict]:
    """Per phase: per case, first entry (start, else completion) to last exit; median and p90."""
    code = np.array([phase_of.get(a, -1) for a in ev.act_labels], dtype=np.int64)[ev.act] if ev.n else \
        np.zeros(0, np.int64)
    begin = ev.ts if ev.start is None else np.where(ev.start != NAT, ev.start, ev.ts)
    keep = np.flatnonzero(code >= 0)
    # Events grouped by (case, phase): one sort of packed keys (the position rides in the low part).
    width = max(phases, 1)
    span_key = ev.case[keep] * width + code[keep]
    order = keep[np.argsort(span_key, kind="stable")]
    key = ev.case[order] * width + code[order]
    if not len(key):
        return [{"count": 0, "mean_s": None, "median_s": None, "p90_s": None} for _ in range(phases)]
    first = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1))
    spans = np.maximum.reduceat(ev.ts[order], first) - np.minimum.reduceat(begin[order], first)
    stats = grouped(code[order][first], spans)
    found = {int(p): stats.as_dict(i) for i, p in enumerate(stats.groups)}
    return [found.get(p, {"count": 0, "mean_s": None, "median_s": None, "p90_s": None}) for p in range(phases)]
