"""Activity instances from lifecycle events: a start and its complete are one piece of work.

The matching follows pm4py's `interval_lifecycle.to_interval`: within a case and activity, starts
wait in a first-in first-out queue, and each complete takes the oldest start before it; a
complete that finds no start is an instance of its own (pm4py gives it zero duration; here its
service time is unknown), and a start no complete takes is dropped by pm4py (here: an open
instance, in progress, counted apart). Instances are ordered by their start (a complete without
start: by its own time), ties in the order of their completes, as pm4py sorts them.

What pm4py ignores is used, without changing what it matches: `schedule`/`assign`/`reassign`
say when the work was offered (the oldest offer before the instance's first event, again first
in first out); `suspend`/`resume` pairs inside an instance are taken out of its service time;
`ate_abort`/`pi_abort`/`withdraw` end the oldest open start as an aborted instance (counted
apart, like open ones). Values outside the XES lifecycle model (BPIC 2013 puts sub-statuses
there) are not transitions: such a source is read event by event.

Vectorised: every match is a grouped running count over NumPy arrays, no Python loop per event."""

from dataclasses import dataclass
from enum import IntEnum, StrEnum

import numpy as np

from app.mining.frame import case_time_order

NAT = np.iinfo(np.int64).min


class Mode(StrEnum):
    """How a source's events become activity instances."""

    pair = "pair"  # starts matched with completes (the default when a source has both)
    complete_only = "complete_only"  # completes only; other transitions dropped
    events = "events"  # every event is an instance (a start_timestamp column gives its start)


class Kind(IntEnum):
    complete = 0
    start = 1
    offer = 2
    suspend = 3
    resume = 4
    abort = 5
    ignored = 6  # autoskip, manualskip, unknown: pm4py drops them, and so do we in pair mode


TRANSITIONS = {"complete": Kind.complete, "start": Kind.start, "schedule": Kind.offer, "assign": Kind.offer,
               "reassign": Kind.offer, "suspend": Kind.suspend, "resume": Kind.resume, "ate_abort": Kind.abort,
               "pi_abort": Kind.abort, "withdraw": Kind.abort, "autoskip": Kind.ignored,
               "manualskip": Kind.ignored, "unknown": Kind.ignored}


def kinds_of(labels: list[str | None]) -> np.ndarray | None:
    """Each lifecycle label's kind (null: complete), or None if a label is no XES transition."""
    out = np.empty(len(labels), dtype=np.int8)
    for i, label in enumerate(labels):
        kind = Kind.complete if label is None else TRANSITIONS.get(label.strip().lower())
        if kind is None:
            return None
        out[i] = kind
    return out


def choose_mode(declared: str | None, kinds: np.ndarray | None) -> Mode:
    """The source's mode: as declared, else pair when it has both starts and completes."""
    if kinds is None:
        return Mode.events  # non-standard values: left alone
    if declared:
        return Mode(declared)
    present = set(np.unique(kinds).tolist())
    return Mode.pair if {Kind.start, Kind.complete} <= present else Mode.events


def fifo_match(group: np.ndarray, push: np.ndarray, pop: np.ndarray) -> np.ndarray:
    """For events in order (grouped arbitrarily), each pop takes the oldest unmatched push of its
    group that came before it. Returns, per event, the index of the push a pop took (-1: none,
    and -1 for every non-pop event).

    Per group, with s the pushes so far and j the pops so far at a pop, the pops matched so far
    are m = j + min(0, min over earlier pops of (s - j)): a running minimum, computed for all
    groups at once by lowering each group's values below every earlier group's."""
    out = np.full(len(group), -1, dtype=np.int64)
    relevant = np.flatnonzero(push | pop)
    if not len(relevant):
        return out
    order = _stable_by(group[relevant], relevant)
    g, is_push, is_pop = group[order], push[order], pop[order]
    first = np.concatenate(([True], g[1:] != g[:-1]))
    rank = np.cumsum(first) - 1  # the group's rank among the groups present
    start_at = np.flatnonzero(first)
    pushes = _grouped_cumsum(is_push.astype(np.int64), rank, start_at)
    pops = _grouped_cumsum(is_pop.astype(np.int64), rank, start_at)
    big = len(order) + 2
    slack = np.where(is_pop, pushes - pops, big)  # s - j at pops; neutral elsewhere
    lowered = slack - rank * (3 * big)
    running = np.minimum.accumulate(lowered) + rank * (3 * big)
    matched = pops + np.minimum(0, running)  # pops matched so far (valid at pops)
    before = np.concatenate(([0], matched[:-1]))
    before[first] = 0
    took = is_pop & (matched > before)
    # The push taken is the group's matched-th push: its position among the group's pushes.
    push_positions = order[is_push]
    group_push_start = np.searchsorted(rank[is_push], rank, side="left")
    index = group_push_start + matched - 1
    out[order[took]] = push_positions[index[took]]
    return out


def _stable_by(keys: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """`positions` (ascending) sorted by `keys`, ties in position order: one SIMD sort of packed
    `key << bits | position` integers where they fit in 63 bits, else a stable argsort."""
    bits = max(int(positions[-1]) + 1, 1).bit_length()
    keys = keys.astype(np.int64)
    if keys.min() >= 0 and int(keys.max()).bit_length() + bits <= 63:
        return np.sort((keys << bits) | positions) & ((1 << bits) - 1)
    return positions[np.argsort(keys, kind="stable")]


def _grouped_cumsum(values: np.ndarray, rank: np.ndarray, start_at: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    offset = np.concatenate(([0], total[start_at[1:] - 1]))
    return total - offset[rank]


@dataclass(frozen=True)
class Instances:
    """Activity instances, one per completed piece of work, in (case, start, complete) order;
    open and aborted ones apart. Indexes point into the event arrays they were built from."""

    rep: np.ndarray  # the event that stands for the instance (its complete)
    start: np.ndarray  # its start (NAT: unknown)
    end: np.ndarray
    offered: np.ndarray  # when the work was offered (NAT: not recorded)
    suspended: np.ndarray  # microseconds suspended inside the instance
    open_rep: np.ndarray  # start events no complete took (in progress)
    aborted_rep: np.ndarray  # the abort events of aborted instances
    paired: int  # completes that found their start
    unmatched_complete: int


def build_instances(case: np.ndarray, act: np.ndarray, ts: np.ndarray, start_column: np.ndarray | None,
                    kind: np.ndarray) -> Instances:
    """Instances of events in (case, time, file) order. `kind` per event (Kind); events whose
    source is read event by event carry Kind.complete and their start_column value."""
    n = len(case)
    width = int(act.max()) + 1 if n else 1
    group = case.astype(np.int64) * width + act
    is_start, is_end = kind == Kind.start, (kind == Kind.complete) | (kind == Kind.abort)
    started_by = fifo_match(group, is_start, is_end)
    ends = np.flatnonzero(is_end)
    taken = started_by[ends]
    column = start_column[ends] if start_column is not None else np.full(len(ends), NAT, np.int64)
    start = np.where(taken >= 0, ts[np.maximum(taken, 0)], column)
    first_event = np.where(taken >= 0, taken, ends)
    offered = _offers(group, kind, first_event, ts, n)
    suspended = _suspended(group, kind, ts, first_event, ends)
    aborted = kind[ends] == Kind.abort
    matched_starts = np.zeros(n, dtype=bool)
    matched_starts[taken[taken >= 0]] = True
    done = ~aborted
    # Paired instances sort by their start, as pm4py's interval log; the others by their time;
    # ties in the order of their completes. The completes are in (case, time) order already.
    order_time = np.where(taken[done] >= 0, start[done], ts[ends[done]])
    order = case_time_order(case[ends[done]], order_time)
    pick = np.flatnonzero(done)[order]
    return Instances(rep=ends[pick], start=start[pick], end=ts[ends[pick]], offered=offered[pick],
                     suspended=suspended[pick], open_rep=np.flatnonzero(is_start & ~matched_starts),
                     aborted_rep=ends[aborted], paired=int(((taken >= 0) & done).sum()),
                     unmatched_complete=int(((taken < 0) & done).sum()))


def _offers(group: np.ndarray, kind: np.ndarray, first_event: np.ndarray, ts: np.ndarray, n: int) -> np.ndarray:
    """Per instance (by its first event): the time of the offer it took, NAT if none."""
    if not (kind == Kind.offer).any():
        return np.full(len(first_event), NAT, dtype=np.int64)
    opens = np.zeros(n, dtype=bool)
    opens[first_event] = True
    taken = fifo_match(group, kind == Kind.offer, opens)[first_event]
    return np.where(taken >= 0, ts[np.maximum(taken, 0)], NAT)


def _suspended(group: np.ndarray, kind: np.ndarray, ts: np.ndarray, first_event: np.ndarray,
               ends: np.ndarray) -> np.ndarray:
    """Per instance: the time between its suspends and their resumes (inside the instance)."""
    out = np.zeros(len(ends), dtype=np.int64)
    resumes = np.flatnonzero(kind == Kind.resume)
    if not len(resumes):
        return out
    suspend_of = fifo_match(group, kind == Kind.suspend, kind == Kind.resume)[resumes]
    resumes, suspends = resumes[suspend_of >= 0], suspend_of[suspend_of >= 0]
    # The instance of a pause: the last one of its group whose first event precedes the suspend;
    # it counts only if the instance ends after the resume.
    keys = group[first_event] * (len(group) + 1) + first_event
    order = np.argsort(keys, kind="stable")
    probe = group[suspends] * (len(group) + 1) + suspends
    at = np.searchsorted(keys[order], probe, side="right") - 1
    owner = order[np.maximum(at, 0)]
    inside = (at >= 0) & (group[first_event[owner]] == group[suspends]) & (ends[owner] > resumes)
    np.add.at(out, owner[inside], ts[resumes[inside]] - ts[suspends[inside]])
    return out
