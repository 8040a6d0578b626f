"""One sort of the events by case, time and file order, then integer codes for everything.

The statistics in this package are computed over these arrays with NumPy, never per event in
Python and never re-sorted (pm4py re-sorts in every discover_* call)."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min


@dataclass
class EventArrays:
    """Activity instances (or events, read one by one) sorted by case, then time, ties in file
    order. `ts` is each one's end, `start` its start where known. `pred` is the flow into each:
    the instance it directly follows (in its thread), -1 for none."""

    case: np.ndarray  # int64 codes, grouped
    act: np.ndarray  # int64 codes into act_labels
    act_labels: np.ndarray
    ts: np.ndarray  # int64 microseconds
    start: np.ndarray | None  # int64 microseconds, NAT where absent; None if no event has one
    resource: np.ndarray  # int64 codes, -1 where absent
    resource_labels: np.ndarray
    case_first: np.ndarray  # index of each case's first event
    case_last: np.ndarray
    pred: np.ndarray | None = None  # None: each follows the one before it in its case
    suspended: np.ndarray | None = None  # microseconds paused inside each instance
    offered: np.ndarray | None = None  # when each was offered (NAT: not recorded)
    memo: dict = field(default_factory=dict, repr=False)  # figures several statistics share

    @property
    def n(self) -> int:
        return len(self.act)

    @property
    def same_case(self) -> np.ndarray:
        """For each consecutive pair (i, i+1): both in one case."""
        if "same_case" not in self.memo:
            self.memo["same_case"] = self.case[1:] == self.case[:-1]
        return self.memo["same_case"]

    def flow_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(from, to) index pairs of the flows: every instance with a predecessor, and it."""
        if "flow_pairs" not in self.memo:
            if self.pred is None:
                dst = np.flatnonzero(self.same_case) + 1
                self.memo["flow_pairs"] = (dst - 1, dst)
            else:
                dst = np.flatnonzero(self.pred >= 0)
                self.memo["flow_pairs"] = (self.pred[dst], dst)
        return self.memo["flow_pairs"]


def case_time_order(case: np.ndarray, ts: np.ndarray) -> np.ndarray:
    """Positions sorted by (case, timestamp), equal pairs in input order.

    First a stable sort by case alone, as one SIMD sort of packed `case << bits | position`
    integers (no random access, so it stays linear at millions of events). Within a case,
    events in a file are nearly always in time order already; only the cases that are not get
    sorted again, by (case, timestamp)."""
    n = len(case)
    bits = max(n, 1).bit_length()
    case = case.astype(np.int64)
    if not n:
        return np.zeros(0, dtype=np.int64)
    if int(case.max()).bit_length() + bits <= 63:
        by_case = np.sort((case << bits) | np.arange(n, dtype=np.int64)) & ((1 << bits) - 1)
    else:
        by_case = np.argsort(case, kind="stable")
    c, t = case[by_case], ts[by_case]
    late = (t[1:] < t[:-1]) & (c[1:] == c[:-1])
    if not late.any():
        return by_case
    redo = np.flatnonzero(np.isin(c, np.unique(c[1:][late])))  # whole cases, in case order
    out = by_case.copy()
    out[redo] = by_case[redo[np.lexsort((t[redo], c[redo]))]]  # lexsort is stable: ties keep order
    return out


def arrays(case: np.ndarray, act: np.ndarray, act_labels: np.ndarray, ts: np.ndarray, start: np.ndarray | None,
           resource: np.ndarray, resource_labels: np.ndarray, **extra) -> EventArrays:
    """EventArrays from columns already in (case, time, file) order (`extra`: pred, suspended,
    offered)."""
    bounds = np.flatnonzero(np.diff(case)) + 1
    empty = not len(case)
    return EventArrays(case=case, act=act, act_labels=act_labels, ts=ts, start=start, resource=resource,
                       resource_labels=resource_labels,
                       case_first=bounds if empty else np.concatenate(([0], bounds)),
                       case_last=bounds if empty else np.concatenate((bounds - 1, [len(case) - 1])), **extra)


def thread_predecessors(case: np.ndarray, thread: np.ndarray) -> np.ndarray:
    """The flow into each instance (in case order): the one before it in its thread; for a
    thread's first, the one before it in the case (the hand-over that started the thread); -1
    for a case's first. With one thread per case this is the directly-follows relation."""
    n = len(case)
    pred = np.arange(-1, n - 1, dtype=np.int64)
    if not n:
        return pred
    pred[np.concatenate(([True], case[1:] != case[:-1]))] = -1
    if len(np.unique(thread)) < 2:
        return pred
    width = int(thread.max()) + 1
    by_thread = np.argsort(case.astype(np.int64) * width + thread, kind="stable")
    same = (case[by_thread][1:] == case[by_thread][:-1]) & (thread[by_thread][1:] == thread[by_thread][:-1])
    pred[by_thread[1:][same]] = by_thread[:-1][same]
    return pred


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, labels = pd.factorize(values, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


def prepare(frame: pd.DataFrame) -> EventArrays:
    """Sort once and encode a pandas frame with canonical columns (case_id, activity, timestamp,
    optional start_timestamp, resource, and the file-order columns ordinal, upload_id, source_id)."""
    ties = [frame[c].to_numpy() for c in ("ordinal", "upload_id", "source_id") if c in frame]
    frame = frame.iloc[np.lexsort(ties)] if ties else frame
    case, _ = _codes(frame["case_id"])
    order = case_time_order(case, frame["timestamp"].to_numpy(dtype=np.int64))
    act, act_labels = _codes(frame["activity"])
    resource, resource_labels = _codes(frame["resource"]) if "resource" in frame else (
        np.full(len(frame), -1, np.int64), np.array([], dtype=object))
    start = None
    if "start_timestamp" in frame and frame["start_timestamp"].notna().any():
        start = frame["start_timestamp"].fillna(NAT).to_numpy(dtype=np.int64)[order]
    return arrays(case[order], act[order], act_labels, frame["timestamp"].to_numpy(dtype=np.int64)[order], start,
                  resource[order], resource_labels)
