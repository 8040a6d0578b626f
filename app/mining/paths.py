"""Building blocks over the sorted instance arrays that the synergy analysis shares: each instance's
case ordinal, its flow predecessor, where its activity first occurred in its case, the instances
grouped by thread, and a summary by partition. Each is one sort or less, kept in `ev.memo`."""

import numpy as np

from app.mining.frame import NAT, EventArrays
from app.mining.results import Summary


def _packed_order(key: np.ndarray) -> np.ndarray:
    """Positions sorted by `key` (non-negative), equal keys in position order: one SIMD sort of
    `key << bits | position` where it fits in 63 bits, else a stable argsort."""
    n = len(key)
    bits = max(n, 1).bit_length()
    if n and int(key.max()).bit_length() + bits <= 63:
        return np.sort((key.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)) & ((1 << bits) - 1)
    return np.argsort(key, kind="stable")


def case_index(ev: EventArrays) -> np.ndarray:
    """Per instance: the ordinal of its case (0 .. cases-1, in case order)."""
    if "case_index" not in ev.memo:
        sizes = ev.case_last - ev.case_first + 1
        ev.memo["case_index"] = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
    return ev.memo["case_index"]


def predecessors(ev: EventArrays) -> np.ndarray:
    """Per instance: the instance its flow comes from (-1 for none)."""
    if ev.pred is not None:
        return ev.pred
    if "plain_pred" not in ev.memo:
        pred = np.arange(-1, ev.n - 1, dtype=np.int64)
        pred[ev.case_first] = -1
        ev.memo["plain_pred"] = pred
    return ev.memo["plain_pred"]


def begins(ev: EventArrays) -> np.ndarray:
    """Per instance: its start where known, else its end."""
    return ev.ts if ev.start is None else np.where(ev.start != NAT, ev.start, ev.ts)


def first_of_kind(ev: EventArrays) -> np.ndarray:
    """Per instance: the index of the first instance of its activity in its case (itself, unless
    the case did the activity before)."""
    if "first_of_kind" not in ev.memo:
        order = _packed_order(ev.case.astype(np.int64) * max(len(ev.act_labels), 1) + ev.act)
        key = ev.case[order] * max(len(ev.act_labels), 1) + ev.act[order]
        start = np.concatenate(([True], key[1:] != key[:-1])) if ev.n else np.zeros(0, bool)
        first = np.empty(ev.n, dtype=np.int64)
        first[order] = order[start][np.cumsum(start) - 1]
        ev.memo["first_of_kind"] = first
    return ev.memo["first_of_kind"]


def by_activity(ev: EventArrays) -> tuple[np.ndarray, np.ndarray]:
    """The instance positions sorted by activity (in position order within one), and where each
    activity's run begins: positions of activity a are order[bounds[a]:bounds[a + 1]]."""
    if "by_activity" not in ev.memo:
        width = max(len(ev.act_labels), 1)
        order = _packed_order(ev.act)
        bounds = np.concatenate(([0], np.cumsum(np.bincount(ev.act, minlength=width))))
        ev.memo["by_activity"] = (order, bounds)
    return ev.memo["by_activity"]


def positions_of(ev: EventArrays, code: int) -> np.ndarray:
    order, bounds = by_activity(ev)
    return order[bounds[code]:bounds[code + 1]] if 0 <= code < len(bounds) - 1 else order[:0]


def thread_groups(ev: EventArrays, thread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions sorted by (case, thread), in time order within one thread, and per position
    of that order the ordinal of its (case, thread) group."""
    if "thread_groups" not in ev.memo:
        width = int(thread.max()) + 1 if len(thread) else 1
        order = _packed_order(ev.case.astype(np.int64) * width + thread)
        key = ev.case[order] * width + thread[order]
        start = np.concatenate(([True], key[1:] != key[:-1])) if ev.n else np.zeros(0, bool)
        ev.memo["thread_groups"] = (order, np.cumsum(start) - 1)
    return ev.memo["thread_groups"]


def next_within(order: np.ndarray, group: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Per position p of `order`: the first position after p in the same group whose instance is
    `wanted` (len(order) for none). One reversed running minimum: a later group's positions are
    all larger, so the minimum only leaves the group when the group has none."""
    n = len(order)
    candidate = np.where(wanted[order], np.arange(n), n)
    later = np.minimum.accumulate(candidate[::-1])[::-1] if n else candidate
    found = np.append(later[1:], n)
    inside = found < n
    inside[inside] = group[found[inside]] == group[np.flatnonzero(inside)]
    return np.where(inside, found, n)


def quick_summary(micros: np.ndarray) -> Summary:
    """Count, mean, median and p90 (NumPy's linear quantiles) of microsecond values, by partition."""
    if not len(micros):
        return Summary()
    median, p90 = np.quantile(micros.astype(np.float64), [0.5, 0.9])
    return Summary(count=len(micros), mean_s=float(micros.mean()) * 1e-6, median_s=float(median) * 1e-6,
                   p90_s=float(p90) * 1e-6)
