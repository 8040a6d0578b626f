"""Lifecycle pairing against pm4py's interval_lifecycle.to_interval, on a hand-made log whose
pairs, offers, pauses, aborts and open starts are known."""

import numpy as np
import pandas as pd

from app.mining.lifecycle import NAT, Kind, Mode, build_instances, choose_mode, fifo_match, kinds_of
from app.mining.pm4py_import import pm4py

H = 3_600_000_000  # an hour in microseconds
ROWS = [  # case, activity, hour, transition
    ("1", "A", 1, "start"), ("1", "A", 2, "complete"),
    ("1", "B", 3, "start"), ("1", "B", 4, "suspend"), ("1", "B", 6, "resume"), ("1", "B", 8, "complete"),
    ("1", "C", 9, "complete"),  # no start: unknown service time
    ("1", "D", 10, "start"),  # never completed: open
    ("2", "A", 0, "schedule"), ("2", "A", 2, "start"), ("2", "A", 3, "start"),
    ("2", "A", 5, "complete"), ("2", "A", 7, "complete"),  # first in, first out: [2, 5] and [3, 7]
    ("2", "E", 8, "start"), ("2", "E", 9, "ate_abort"),  # aborted
]


def _arrays():
    frame = pd.DataFrame(ROWS, columns=["case", "act", "hour", "transition"])
    case = pd.factorize(frame["case"], sort=True)[0].astype(np.int64)
    act, labels = pd.factorize(frame["act"], sort=True)
    kinds = kinds_of(frame["transition"].tolist())
    return frame, case, act.astype(np.int64), np.asarray(labels), frame["hour"].to_numpy(np.int64) * H, kinds


def _pm4py_intervals(frame: pd.DataFrame) -> list[list[tuple[str, float, float]]]:
    from pm4py.objects.log.util import interval_lifecycle

    log = pd.DataFrame({"case:concept:name": frame["case"], "concept:name": frame["act"],
                        "lifecycle:transition": frame["transition"],
                        "time:timestamp": pd.to_datetime(frame["hour"] * 3600, unit="s", utc=True)})
    legacy = pm4py.convert_to_event_log(log)
    out = []
    for trace in interval_lifecycle.to_interval(legacy):
        out.append([(e["concept:name"], e["start_timestamp"].timestamp() / 3600, e["time:timestamp"].timestamp() / 3600)
                    for e in trace])
    return out


def test_instances_equal_pm4pys_and_keep_what_it_drops():
    frame, case, act, labels, ts, kinds = _arrays()
    got = build_instances(case, act, ts, None, kinds)
    ours = [(labels[act[r]], (s if s != NAT else e) / H, e / H) for r, s, e in zip(got.rep, got.start, got.end,
                                                                                 strict=True)]
    expected = [step for trace in _pm4py_intervals(frame) for step in trace]
    assert ours == expected == [("A", 1, 2), ("B", 3, 8), ("C", 9, 9), ("A", 2, 5), ("A", 3, 7)]
    assert (got.paired, got.unmatched_complete) == (4, 1)
    assert got.start[2] == NAT  # C: its service time is unknown, not zero
    assert got.suspended.tolist() == [0, 2 * H, 0, 0, 0]  # B paused from 4 to 6
    assert got.offered.tolist() == [NAT, NAT, NAT, 0, NAT]  # the schedule offered case 2's first A
    assert [labels[act[i]] for i in got.open_rep] == ["D"]
    assert [(labels[act[i]], ts[i] / H) for i in got.aborted_rep] == [("E", 9)]


def test_fifo_match_takes_the_oldest_earlier_push_of_the_group():
    group = np.array([0, 0, 0, 0, 0, 1, 1, 0])
    push = np.array([1, 0, 1, 1, 0, 0, 1, 0], bool)
    pop = np.array([0, 1, 0, 0, 1, 1, 0, 1], bool)
    assert fifo_match(group, push, pop).tolist() == [-1, 0, -1, -1, 2, -1, -1, 3]
    # A pop before any push takes nothing; the push waits for the next pop.
    assert fifo_match(np.zeros(4, np.int64), np.array([0, 1, 0, 0], bool),
                      np.array([1, 0, 1, 1], bool)).tolist() == [-1, -1, 1, -1]


def test_modes():
    assert kinds_of(["START", "Complete", None]).tolist() == [Kind.start, Kind.complete, Kind.complete]
    assert kinds_of(["Queued", "Accepted"]) is None  # BPIC 2013's sub-statuses are no transitions
    assert choose_mode(None, kinds_of(["start", "complete"])) == Mode.pair
    assert choose_mode(None, kinds_of(["complete"])) == Mode.events
    assert choose_mode(None, None) == Mode.events
    assert choose_mode("complete_only", kinds_of(["start", "complete"])) == Mode.complete_only
