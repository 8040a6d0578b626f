"""A dry run of lane rules: what each rule would take, in order (first match wins), and what stays
unmapped. Pure: per-event codes in, counts out (bincount over packed pairs, no loop per event)."""

from dataclasses import dataclass

import numpy as np

from app.mining.discover import distinct_pairs

TOP_ACTIVITIES = 10


@dataclass(frozen=True)
class Taken:
    """What one rule (or the default lane, or nothing) takes of the events."""

    events: int
    cases: int
    activities: int
    top: list[tuple[str, int]]  # the activities with most events taken, with their counts


@dataclass(frozen=True)
class DryRun:
    events: int
    rules: list[Taken]
    default: Taken  # events no rule matched, given to the default lane (zeros when there is none)
    unmapped: Taken  # events no rule matched and no default lane took


def _taken(mask: np.ndarray, act: np.ndarray, labels: np.ndarray, case: np.ndarray) -> Taken:
    if not mask.any():
        return Taken(events=0, cases=0, activities=0, top=[])
    per_activity = np.bincount(act[mask], minlength=len(labels))
    found = np.flatnonzero(per_activity)
    ranked = sorted(found.tolist(), key=lambda i: (-per_activity[i], str(labels[i])))
    return Taken(events=int(mask.sum()), cases=int(len(np.unique(case[mask]))), activities=len(found),
                 top=[(str(labels[i]), int(per_activity[i])) for i in ranked[:TOP_ACTIVITIES]])


def dry_run(act: np.ndarray, labels: np.ndarray, case: np.ndarray, rule: np.ndarray, *, rules: int,
            has_default: bool) -> DryRun:
    """Per event: its activity code (into `labels`), case code and the index of the rule that took it
    (-1: none). The events, cases and activities each rule takes; the rest go to the default lane, or
    stay unmapped."""
    width = rules + 1
    events = np.bincount(rule + 1, minlength=width)
    cases, _ = distinct_pairs(case, rule + 1, width)
    out = []
    for i in range(rules):
        taken = _taken(rule == i, act, labels, case) if events[i + 1] else Taken(0, 0, 0, [])
        out.append(Taken(events=int(events[i + 1]), cases=int(cases[i + 1]), activities=taken.activities,
                         top=taken.top))
    rest = _taken(rule < 0, act, labels, case)
    none = Taken(0, 0, 0, [])
    return DryRun(events=len(act), rules=out, default=rest if has_default else none,
                  unmapped=none if has_default else rest)
