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
    the case did the activity before). In activity order the positions ascend within an
    activity, and so do their cases (the instances are grouped by case): each (activity, case)
    is one run there, and its first position the one wanted."""
    if "first_of_kind" not in ev.memo:
        order = by_activity(ev)[0]
        act, case = ev.act[order], ev.case[order]
        start = np.ones(ev.n, dtype=bool)
        start[1:] = (act[1:] != act[:-1]) | (case[1:] != case[:-1])
        first = np.empty(ev.n, dtype=np.int64)
        first[order] = order[start][np.cumsum(start) - 1]
        ev.memo["first_of_kind"] = first
    return ev.memo["first_of_kind"]


def by_activity(ev: EventArrays) -> tuple[np.ndarray, np.ndarray]:
    """The instance positions sorted by activity (in position order within one), and where each
    activity's run begins: positions of activity a are order[bounds[a]:bounds[a + 1]]."""
    if "by_activity" not in ev.memo:
        width = max(len(ev.act_labels), 1)
        # NumPy's stable sort of 16-bit integers is a radix sort: linear.
        order = np.argsort(ev.act.astype(np.uint16), kind="stable") if width <= 1 << 16 else _packed_order(ev.act)
        bounds = np.concatenate(([0], np.cumsum(np.bincount(ev.act, minlength=width))))
        ev.memo["by_activity"] = (order, bounds)
    return ev.memo["by_activity"]


def positions_of(ev: EventArrays, code: int) -> np.ndarray:
    order, bounds = by_activity(ev)
    return order[bounds[code]:bounds[code + 1]] if 0 <= code < len(bounds) - 1 else order[:0]


def thread_groups(ev: EventArrays, thread: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions sorted by (case, thread), in time order within one thread, and per position
    of that order the ordinal of its (case, thread) group."""
    if "thread_groups" not in ev.memo and (not ev.n or thread.min() == thread.max()):
        ev.memo["thread_groups"] = (np.arange(ev.n), case_index(ev))  # one thread: the cases, as they are
    if "thread_groups" not in ev.memo:
        width = int(thread.max()) + 1 if len(thread) else 1
        order = _packed_order(ev.case.astype(np.int64) * width + thread)
        key = ev.case[order] * width + thread[order]
        start = np.concatenate(([True], key[1:] != key[:-1])) if ev.n else np.zeros(0, bool)
        ev.memo["thread_groups"] = (order, np.cumsum(start) - 1)
    return ev.memo["thread_groups"]


def next_within(group: np.ndarray, wanted: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For positions `at` of a grouped order (`group` per position, ascending): the first later
    position in the same group that is `wanted` (per position), len(group) for none."""
    n = len(group)
    targets = np.flatnonzero(wanted)
    j = np.searchsorted(targets, at, side="right")
    found = targets[np.minimum(j, max(len(targets) - 1, 0))] if len(targets) else np.full(len(at), n)
    inside = (j < len(targets)) & (group[np.minimum(found, max(n - 1, 0))] == group[at]) if n else j < 0
    return np.where(inside, found, n)


def quick_summary(micros: np.ndarray) -> Summary:
    """Count, mean, median and p90 (NumPy's linear quantiles) of microsecond values, by partition."""
    if not len(micros):
        return Summary()
    median, p90 = np.quantile(micros, [0.5, 0.9])
    return Summary(count=len(micros), mean_s=float(micros.mean()) * 1e-6, median_s=float(median) * 1e-6,
                   p90_s=float(p90) * 1e-6)
