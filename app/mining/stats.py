"""Grouped statistics over NumPy arrays: counts, mean, median and p90 per group, no Python loops."""

from dataclasses import dataclass

import numpy as np


@dataclass
class GroupStats:
    groups: np.ndarray  # the group codes present, ascending
    count: np.ndarray
    mean: np.ndarray
    median: np.ndarray
    p90: np.ndarray

    def as_dict(self, i: int, scale: float = 1e-6) -> dict:
        """Group i's figures in seconds (values are microseconds)."""
        return {"count": int(self.count[i]), "mean_s": float(self.mean[i]) * scale,
                "median_s": float(self.median[i]) * scale, "p90_s": float(self.p90[i]) * scale}


def _quantile(sorted_values: np.ndarray, first: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    # NumPy's default ('linear') quantile, computed for every group at once.
    pos = (count - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    low, high = sorted_values[first + lo], sorted_values[first + hi]
    return low + (high - low) * (pos - lo)


def grouped(codes: np.ndarray, values: np.ndarray) -> GroupStats:
    """Count, mean, median and p90 of `values` per code."""
    if not len(codes):
        empty = np.array([], dtype=np.float64)
        return GroupStats(np.array([], np.int64), np.array([], np.int64), empty, empty, empty)
    order = np.lexsort((values, codes))
    g, v = codes[order], values[order].astype(np.float64)
    first = np.concatenate(([0], np.flatnonzero(np.diff(g)) + 1))
    count = np.diff(np.concatenate((first, [len(g)])))
    return GroupStats(groups=g[first], count=count, mean=np.add.reduceat(v, first) / count,
                      median=_quantile(v, first, count, 0.5), p90=_quantile(v, first, count, 0.9))


def summary(values: np.ndarray) -> dict:
    """Mean, median, p90 (seconds) of microsecond values."""
    if not len(values):
        return {"count": 0, "mean_s": None, "median_s": None, "p90_s": None}
    stats = grouped(np.zeros(len(values), np.int64), values)
    return stats.as_dict(0)
