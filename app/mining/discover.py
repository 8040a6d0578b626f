"""Flows, steps, variants, case durations and handovers, from sorted instance arrays."""

import numpy as np
import pandas as pd

from app.mining.frame import NAT, EventArrays
from app.mining.results import EMPTY, Flow, Handover, Rework, Share, StepFigures, Summary, Variant, Variants
from app.mining.stats import GroupStats, grouped


def summary_of(stats: GroupStats, i: int) -> Summary:
    return Summary(**stats.as_dict(i))


def waits(ev: EventArrays) -> np.ndarray:
    """Per flow (ev.flow_pairs()): from the end of the one to the start of the next (microseconds).

    Without a start the next one "starts" when it ends, as in pm4py's performance DFG; with one,
    overlap counts as no wait. Instances sort by their start, so one may end before the one
    before it has: that too is no wait, never a negative one."""
    if "waits" not in ev.memo:
        src, dst = ev.flow_pairs()
        nxt = ev.ts[dst]
        if ev.start is not None:
            has = ev.start[dst] != NAT
            nxt = np.where(has, np.maximum(ev.start[dst], ev.ts[src]), nxt)
        ev.memo["waits"] = np.maximum(nxt - ev.ts[src], 0)
    return ev.memo["waits"]


def discover_flows(ev: EventArrays) -> tuple[Flow, ...]:
    """Flows with counts and waiting-time statistics."""
    src, dst = ev.flow_pairs()
    width = max(len(ev.act_labels), 1)
    pairs = ev.act[src] * width + ev.act[dst]
    stats = grouped(pairs, waits(ev))
    cases = _distinct_cases(ev.case[dst], pairs, stats.groups)
    return tuple(Flow(source=ev.act_labels[code // width], target=ev.act_labels[code % width],
                      count=int(stats.count[i]), cases=int(cases[i]), waiting=summary_of(stats, i))
                 for i, code in enumerate(stats.groups))


BITMAP_CELLS = 32 << 20  # a (code, case) bitmap up to this size beats sorting the pairs


def _distinct_cases(case: np.ndarray, codes: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """For each group code, in how many distinct cases it occurs."""
    width = int(groups.max()) + 1 if len(groups) else 0
    present = np.flatnonzero(np.bincount(codes, minlength=width)) if width and len(codes) else np.zeros(0, np.int64)
    cases = int(case.max()) + 1 if len(case) else 0
    if width and len(present) * cases <= BITMAP_CELLS:
        # A bitmap of (code, case) seen: one scatter and one sum, where a sort of the packed
        # pairs would cost a pass of O(n log n) over every flow.
        rank = np.full(width, -1, np.int64)
        rank[present] = np.arange(len(present))
        seen = np.zeros((len(present), cases), dtype=bool)
        seen[rank[codes], case] = True
        per_code = np.zeros(width, np.int64)
        per_code[present] = seen.sum(axis=1)
        return per_code[groups]
    per_code = distinct_pairs(case, codes, width)[0]
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


def _by_activity(ev: EventArrays, values: np.ndarray, mask: np.ndarray) -> dict[int, Summary]:
    stats = grouped(ev.act[mask], values[mask])
    return {int(code): summary_of(stats, i) for i, code in enumerate(stats.groups)}


def service_times(ev: EventArrays) -> np.ndarray | None:
    """Per instance: end − start − time paused (microseconds); None if no instance has a start."""
    if ev.start is None:
        return None
    paused = ev.suspended if ev.suspended is not None else 0
    return np.where(ev.start != NAT, ev.ts - ev.start - paused, 0)


def _service(ev: EventArrays) -> dict[int, Summary]:
    times = service_times(ev)
    return {} if times is None else _by_activity(ev, times, ev.start != NAT)


def _queue(ev: EventArrays) -> dict[int, Summary]:
    if ev.offered is None or ev.start is None:
        return {}
    has = (ev.offered != NAT) & (ev.start != NAT)
    return _by_activity(ev, np.where(has, ev.start - ev.offered, 0), has)


def waiting_before(ev: EventArrays) -> dict[int, Summary]:
    """Per activity: the waiting along the flows into it."""
    _, dst = ev.flow_pairs()
    stats = grouped(ev.act[dst], waits(ev))
    return {int(code): summary_of(stats, i) for i, code in enumerate(stats.groups)}


def positions(ev: EventArrays) -> dict[int, float]:
    """Median relative position (0 = first, 1 = last instance of the case) of each activity."""
    index = np.arange(ev.n)
    sizes = ev.case_last - ev.case_first + 1
    case_start = np.repeat(ev.case_first, sizes)
    length = np.repeat(ev.case_last - ev.case_first, sizes)
    relative = np.where(length > 0, (index - case_start) / np.maximum(length, 1), 0.0)
    stats = grouped(ev.act, relative * 1e6)  # grouped() reports in "seconds" of microseconds
    return {int(code): float(stats.median[i]) / 1e6 for i, code in enumerate(stats.groups)}


def shares(act: np.ndarray, codes: np.ndarray, labels: np.ndarray, width: int, top: int = 5) -> list[tuple[Share, ...]]:
    """Per activity code: its most frequent values (codes into labels, -1 none) with shares."""
    out: list[tuple[Share, ...]] = [() for _ in range(width)]
    if not len(labels):
        return out
    has = codes >= 0
    counts = pd.Series(act[has] * len(labels) + codes[has]).value_counts()
    totals = np.bincount(act, minlength=width)
    per_act: dict[int, list[Share]] = {}
    for key, count in counts.items():  # one entry per (activity, value) present: small
        a, v = divmod(int(key), len(labels))
        found = per_act.setdefault(a, [])
        if len(found) < top:
            found.append(Share(name=str(labels[v]), count=int(count), share=float(count / totals[a])))
    for a, found in per_act.items():
        out[a] = tuple(found)
    return out


def discover_steps(ev: EventArrays, *, event_counts: np.ndarray, open_counts: np.ndarray, aborted_counts: np.ndarray,
                   who: dict[str, tuple[np.ndarray, np.ndarray]]) -> tuple[StepFigures, ...]:
    """Per activity: instances, cases, rework, service, waiting, queue, position, who does it.
    `who` maps "roles", "resources", "channels" to per-instance codes and their labels."""
    width = max(len(ev.act_labels), 1)
    instances = np.bincount(ev.act, minlength=width)
    cases, repeated = distinct_pairs(ev.case, ev.act, width)
    service, queue, wait, pos = _service(ev), _queue(ev), waiting_before(ev), positions(ev)
    by = {name: shares(ev.act, codes, labels, width) for name, (codes, labels) in who.items()}
    out = []
    for code, label in enumerate(ev.act_labels):
        out.append(StepFigures(
            activity=label, events=int(event_counts[code]), instances=int(instances[code]), cases=int(cases[code]),
            rework=Rework(events=int(instances[code] - cases[code]), cases=int(repeated[code]),
                          case_share=float(repeated[code] / cases[code]) if cases[code] else 0.0),
            service=service.get(code), waiting=wait.get(code, EMPTY), queue=queue.get(code),
            position=pos.get(code, 0.0), open=int(open_counts[code]), aborted=int(aborted_counts[code]),
            roles=by.get("roles", [()] * width)[code], resources=by.get("resources", [()] * width)[code],
            channels=by.get("channels", [()] * width)[code]))
    return tuple(out)


def start_end_activities(ev: EventArrays) -> tuple[dict, dict]:
    first = pd.Series(ev.act_labels[ev.act[ev.case_first]]).value_counts()
    last = pd.Series(ev.act_labels[ev.act[ev.case_last]]).value_counts()
    return first.to_dict(), last.to_dict()


def discover_variants(ev: EventArrays, top: int = 20) -> Variants:
    """Variants (activity sequences) with case counts and shares; the rest summed."""
    size = 2 if len(ev.act_labels) < 65536 else 8
    dtype = np.uint16 if size == 2 else np.int64
    codes = ev.act.astype(dtype).tobytes()
    keys = [codes[s * size:(e + 1) * size] for s, e in zip(ev.case_first, ev.case_last, strict=True)]
    counts = pd.Series(keys).value_counts(sort=True)
    total = int(counts.sum())
    listed = tuple(Variant(activities=tuple(ev.act_labels[np.frombuffer(k, dtype=dtype)].tolist()), cases=int(c),
                           share=c / total) for k, c in counts.head(top).items())
    rest = int(counts.iloc[top:].sum())
    return Variants(count=len(counts), top=listed, other_variants=max(len(counts) - top, 0), other_cases=rest,
                    other_share=rest / total if total else 0, counts=tuple(counts.to_numpy().tolist()))


def case_durations(ev: EventArrays) -> np.ndarray:
    """Per case: last end minus first start (or end), microseconds."""
    begin = ev.ts[ev.case_first]
    if ev.start is not None:
        # The earliest start in the case (a case may begin with a long first activity).
        starts = np.where(ev.start != NAT, ev.start, ev.ts)
        begin = np.minimum.reduceat(starts, ev.case_first)
    ends = np.maximum.reduceat(ev.ts, ev.case_first) if ev.n else ev.ts[ev.case_last]
    return ends - begin


def discover_handovers(ev: EventArrays, codes: np.ndarray, labels: np.ndarray) -> tuple[Handover, ...]:
    """Flows whose two ends have different holders (resources, roles or lanes: `codes`, -1 none)."""
    src, dst = ev.flow_pairs()
    moved = (codes[dst] != codes[src]) & (codes[dst] >= 0) & (codes[src] >= 0)
    width = max(len(labels), 1)
    pairs = codes[src] * width + codes[dst]
    stats = grouped(pairs, waits(ev), moved)
    cases = _distinct_cases(ev.case[dst][moved], pairs[moved], stats.groups)
    return tuple(Handover(source=labels[c // width], target=labels[c % width], count=int(stats.count[i]),
                          cases=int(cases[i]), waiting=summary_of(stats, i)) for i, c in enumerate(stats.groups))
