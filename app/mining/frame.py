"""One sort of the events by case, time and file order, then integer codes for everything.

The statistics in this package are computed over these arrays with NumPy, never per event in
Python and never re-sorted (pm4py re-sorts in every discover_* call)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

NAT = np.iinfo(np.int64).min


@dataclass
class EventArrays:
    """Events sorted by (case, timestamp, source, upload, ordinal): ties keep the file's order."""

    case: np.ndarray  # int64 codes, grouped
    case_labels: np.ndarray
    act: np.ndarray  # int64 codes
    act_labels: np.ndarray
    ts: np.ndarray  # int64 microseconds
    start: np.ndarray | None  # int64 microseconds, NAT where absent; None if no event has one
    resource: np.ndarray  # int64 codes, -1 where absent
    resource_labels: np.ndarray
    case_first: np.ndarray  # index of each case's first event
    case_last: np.ndarray
    order: np.ndarray  # positions in the input frame, in sorted order

    @property
    def n(self) -> int:
        return len(self.act)

    @property
    def same_case(self) -> np.ndarray:
        """For each consecutive pair (i, i+1): both in one case."""
        return self.case[1:] == self.case[:-1]


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, labels = pd.factorize(values, sort=True, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(labels, dtype=object)


def prepare(frame: pd.DataFrame) -> EventArrays:
    """Sort once and encode. `frame` has canonical columns (case_id, activity, timestamp, ...)."""
    case_codes, case_labels = _codes(frame["case_id"])
    tie_keys = [frame[c].to_numpy() for c in ("ordinal", "upload_id", "source_id") if c in frame]
    order = np.lexsort((*tie_keys, frame["timestamp"].to_numpy(), case_codes))
    act, act_labels = _codes(frame["activity"])
    resource, resource_labels = _codes(frame["resource"]) if "resource" in frame else (
        np.full(len(frame), -1, np.int64), np.array([], dtype=object))
    case = case_codes[order]
    bounds = np.flatnonzero(np.diff(case)) + 1
    start = None
    if "start_timestamp" in frame and frame["start_timestamp"].notna().any():
        start = frame["start_timestamp"].fillna(NAT).to_numpy(dtype=np.int64)[order]
    return EventArrays(
        case=case, case_labels=case_labels, act=act[order], act_labels=act_labels,
        ts=frame["timestamp"].to_numpy(dtype=np.int64)[order], start=start, resource=resource[order],
        resource_labels=resource_labels, case_first=np.concatenate(([0], bounds)) if len(case) else bounds,
        case_last=np.concatenate((bounds - 1, [len(case) - 1])) if len(case) else bounds, order=order)
