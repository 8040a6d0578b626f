"""Grouped statistics over NumPy arrays: counts, mean, median and p90 per group, no Python loops.

The values are ranked once (one argsort); every grouping of them is then a single sort of
`group * n + rank` integers, which NumPy does with SIMD in a few milliseconds per million,
instead of a lexsort on (values, groups) each time (about 0.3 s per million)."""

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


class Ranked:
    """Values sorted once, for any number of groupings of them (or of subsets of them)."""

    def __init__(self, values: np.ndarray) -> None:
        order = np.argsort(values)  # equal values need no particular order: introsort, twice as fast
        self.sorted = values[order].astype(np.float64)
        self.rank = np.empty(len(values), dtype=np.int64)
        self.rank[order] = np.arange(len(values), dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rank)


def _quantile(sorted_values: np.ndarray, first: np.ndarray, count: np.ndarray, q: float) -> np.ndarray:
    # NumPy's default ('linear') quantile, computed for every group at once.
    pos = (count - 1) * q
    lo = np.floor(pos).astype(np.int64)
    hi = np.ceil(pos).astype(np.int64)
    low, high = sorted_values[first + lo], sorted_values[first + hi]
    return low + (high - low) * (pos - lo)


def _empty() -> GroupStats:
    empty = np.array([], dtype=np.float64)
    return GroupStats(np.array([], np.int64), np.array([], np.int64), empty, empty, empty)


def grouped(codes: np.ndarray, values: np.ndarray | Ranked, mask: np.ndarray | None = None) -> GroupStats:
    """Count, mean, median and p90 of `values` per code (codes >= 0); `mask` picks a subset of
    both (codes has one entry per value either way)."""
    ranked = values if isinstance(values, Ranked) else Ranked(np.asarray(values))
    codes = np.asarray(codes, dtype=np.int64)
    rank = ranked.rank
    if mask is not None:
        codes, rank = codes[mask], rank[mask]
    if not len(codes):
        return _empty()
    n = len(ranked)
    if int(codes.max()) < (1 << 62) // n:
        # One int64 per value: group first, then the value's rank (ranks are distinct).
        keys = np.sort(codes * n + rank)
        g, v = keys // n, ranked.sorted[keys % n]
    else:  # too many groups to pack: the slower two-key sort
        order = np.lexsort((rank, codes))
        g, v = codes[order], ranked.sorted[rank[order]]
    first = np.concatenate(([0], np.flatnonzero(np.diff(g)) + 1))
    count = np.diff(np.concatenate((first, [len(g)])))
    return GroupStats(groups=g[first], count=count, mean=np.add.reduceat(v, first) / count,
                      median=_quantile(v, first, count, 0.5), p90=_quantile(v, first, count, 0.9))


def summary(values: np.ndarray) -> dict:
    """Mean, median, p90 (seconds) of microsecond values."""
    if not len(values):
        return {"count": 0, "mean_s": None, "median_s": None, "p90_s": None}
    return grouped(np.zeros(len(values), np.int64), values).as_dict(0)
