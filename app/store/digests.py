"""Digests a writer has seen: repeats within one upload, and what one sync run has stored.

A digest is the event's 128-bit hash, kept as two int64 columns (hash_hi, hash_lo)."""

import numpy as np

# A run remembers at most this many digests (16 bytes each, plus the arrays' slack); a larger
# pull goes on with the database's look-ups once it has stored more.
MAX_REMEMBERED = 5_000_000


class SeenDigests:
    """Digests already written: a new chunk's repeats of them are dropped.

    Runs of digests are kept sorted by their hi half (the writer's chunks come sorted by hi, then
    lo). A new digest is looked up by its hi half with a binary search, and the few whose hi is
    known are checked on lo. Before, every chunk built a pandas MultiIndex of its digests (a
    factorization of both halves), whether or not anything was repeated; that showed in the
    upload's profile."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []
        self.count = 0

    def fresh(self, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """Mask of rows (sorted by digest) not seen before; remembers them."""
        fresh = np.ones(len(hi), dtype=bool)
        fresh[1:] = (hi[1:] != hi[:-1]) | (lo[1:] != lo[:-1])
        for run_hi, run_lo in self._runs:
            fresh &= ~_known(run_hi, run_lo, hi, lo)
        if fresh.any():
            self._runs.append((hi[fresh], lo[fresh]))
            self.count += int(fresh.sum())
            self._merge_similar()
        return fresh

    def _merge_similar(self) -> None:
        """Merge the newest runs while the last is at least half the one before: sizes then halve
        down the list, so a chunk is looked up in log2(digests / chunk) runs and each digest is
        re-sorted about as often. (Merging everything every 8 chunks re-sorted 5M digests 12 times.)"""
        while len(self._runs) > 1 and 2 * len(self._runs[-1][0]) >= len(self._runs[-2][0]):
            newer, older = self._runs.pop(), self._runs.pop()
            self._runs.append(_merged(older, newer))


def _merged(older: tuple[np.ndarray, np.ndarray], newer: tuple[np.ndarray, np.ndarray]):
    """Two runs sorted by hi as one, in linear time: where each of the newer goes among the older."""
    (hi_a, lo_a), (hi_b, lo_b) = older, newer
    at = np.searchsorted(hi_a, hi_b) + np.arange(len(hi_b))
    from_b = np.zeros(len(hi_a) + len(hi_b), dtype=bool)
    from_b[at] = True
    hi, lo = np.empty(len(from_b), dtype=hi_a.dtype), np.empty(len(from_b), dtype=lo_a.dtype)
    hi[from_b], lo[from_b] = hi_b, lo_b
    hi[~from_b], lo[~from_b] = hi_a, lo_a
    return hi, lo


def _known(run_hi: np.ndarray, run_lo: np.ndarray, hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Which (hi, lo) are in the run (sorted by hi)."""
    known = np.zeros(len(hi), dtype=bool)
    if not len(run_hi):
        return known
    left = np.searchsorted(run_hi, hi, side="left")
    suspects = np.flatnonzero(run_hi[np.minimum(left, len(run_hi) - 1)] == hi)
    if not len(suspects):
        return known
    left = left[suspects]
    right = np.searchsorted(run_hi, hi[suspects], side="right")
    # Digests that share their hi half are all but impossible (2^-64 per pair), so this loops
    # once in practice; it stays exact whatever the data.
    for offset in range(int((right - left).max())):
        at = left + offset
        inside = at < right
        known[suspects[inside]] |= run_lo[at[inside]] == lo[suspects[inside]]
    return known


class RunMemory:
    """What one sync run has stored into a source that held no events when the run began.

    While the source's data version shows that nobody else has changed its events since the run's
    last unit, the run's own digests are all the source holds, so a unit needs no look-up of its
    digests in the database: its rows go into one COPY, as the first unit's did. The look-ups cost
    1.2-1.6 s of the server's time in a 1M-row sql pull. Anything else (another writer, a replaced
    event, a pull larger than MAX_REMEMBERED) and the run forgets, and looks up again."""

    def __init__(self) -> None:
        self.seen: SeenDigests | None = None
        self.version: int | None = None

    def begin_unit(self, version: int, had_events: bool) -> SeenDigests | None:
        """A unit begins: the digests that are all the source holds, or None (look them up, and
        the run forgets). `version` and `had_events` were read under the source's ingest lock; a
        source without events starts the memory afresh."""
        if not had_events:
            self.seen, self.version = SeenDigests(), version
        elif self.seen is None or self.version != version or self.seen.count > MAX_REMEMBERED:
            self.forget()
        return self.seen

    def stored(self, inserted: int) -> None:
        """The unit stored `inserted` events: the source's version goes up by one if any."""
        if self.version is not None and inserted:
            self.version += 1

    def forget(self) -> None:
        self.seen = self.version = None
