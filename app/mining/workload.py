"""Who does the work, for the synergy analysis: each activity's make-up (resources, systems, lanes,
rework), staff hours per role and step, the same check done twice by two roles, and the waits of
the flows crossing each line of the blueprint. NumPy over the instance arrays."""

import numpy as np

from app.mining.discover import service_times, waits
from app.mining.frame import NAT, EventArrays
from app.mining.paths import case_index, first_of_kind, positions_of, quick_summary
from app.mining.results import DuplicateCheck, RoleEffort, StepEffort, StepMakeup, Summary

_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _mixed(values: np.ndarray) -> np.ndarray:
    """splitmix64: well-spread 64-bit hashes of integers (wrapping arithmetic is intended)."""
    z = values.astype(np.uint64) + _MIX[0]
    z = (z ^ (z >> np.uint64(30))) * _MIX[1]
    z = (z ^ (z >> np.uint64(27))) * _MIX[2]
    return z ^ (z >> np.uint64(31))


def _distinct_resources(ev: EventArrays, width: int) -> np.ndarray:
    """Per activity: how many distinct resources do it (a count table where it is small, else a sort)."""
    has = ev.resource >= 0
    size = max(len(ev.resource_labels), 1)
    key = ev.act[has] * size + ev.resource[has]
    if width * size <= 1 << 24:
        return (np.bincount(key, minlength=width * size).reshape(width, size) > 0).sum(axis=1)
    return np.bincount(np.unique(key) // size, minlength=width)


def step_makeup(ev: EventArrays, *, system: np.ndarray, lane: np.ndarray, lanes: int,
                returned: np.ndarray) -> dict[str, StepMakeup]:
    """Per activity: distinct resources, the share done by systems, instances per lane, instances
    after which the case goes back, and a key shared by activities repeated in the same cases."""
    width = max(len(ev.act_labels), 1)
    instances = np.bincount(ev.act, minlength=width)
    resources = _distinct_resources(ev, width)
    by_system = np.bincount(ev.act, weights=system.astype(np.float64), minlength=width)
    laned = lane >= 0
    per_lane = np.bincount(ev.act[laned] * lanes + lane[laned], minlength=width * lanes).reshape(width, lanes)
    back = np.bincount(ev.act[returned], minlength=width)
    first = first_of_kind(ev)
    repeated = np.zeros(ev.n, dtype=bool)
    repeated[first[first != np.arange(ev.n)]] = True  # the first instance of each repeated (case, activity)
    repeated = np.flatnonzero(repeated)
    key = np.zeros(width, dtype=np.uint64)
    np.bitwise_xor.at(key, ev.act[repeated], _mixed(case_index(ev)[repeated]))
    return {str(label): StepMakeup(resources=int(resources[a]), system_share=float(by_system[a] / instances[a])
                                   if instances[a] else 0.0, lanes=tuple(int(x) for x in per_lane[a]),
                                   returned=int(back[a]), repeat_key=int(key[a]))
            for a, label in enumerate(ev.act_labels)}


def role_effort(ev: EventArrays, role: np.ndarray, role_labels: np.ndarray,
                system: np.ndarray) -> tuple[RoleEffort, ...]:
    """Staff hours per role and step: the service times of the instances people do (not systems),
    where a start is known; roles with most hours first."""
    times = service_times(ev)
    if times is None:
        return ()
    width, roles = max(len(ev.act_labels), 1), len(role_labels) + 1  # the last: no role
    key = np.where(role >= 0, role, roles - 1) * width + ev.act
    staff = ~system
    timed = staff & (ev.start != NAT)
    size = roles * width
    hours = np.bincount(key[timed], weights=times[timed].astype(np.float64), minlength=size).reshape(roles, width)
    hours /= 3.6e9
    count = np.bincount(key[staff], minlength=size).reshape(roles, width)
    timed_count = np.bincount(key[timed], minlength=size).reshape(roles, width)
    out = []
    for r in np.flatnonzero(timed_count.sum(axis=1)).tolist():
        steps = sorted((StepEffort(activity=str(ev.act_labels[a]), hours=float(hours[r, a]), instances=int(count[r, a]),
                                   timed=int(timed_count[r, a])) for a in np.flatnonzero(count[r]).tolist()),
                       key=lambda s: (-s.hours, s.activity))
        out.append(RoleEffort(role=str(role_labels[r]) if r < len(role_labels) else "(no role)",
                              hours=float(hours[r].sum()), instances=int(count[r].sum()),
                              timed=int(timed_count[r].sum()), steps=tuple(steps)))
    return tuple(sorted(out, key=lambda e: (-e.hours, e.role)))


def _firsts(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys and, per key, the smallest value."""
    order = np.lexsort((values, keys))
    keys, values = keys[order], values[order]
    start = np.concatenate(([True], keys[1:] != keys[:-1])) if len(keys) else np.zeros(0, bool)
    return keys[start], values[start]


def duplicate_check(ev: EventArrays, first: int, second: int, objects: np.ndarray) -> DuplicateCheck:
    """Two steps per unit: the object (thread value) both name where they share one, else the case."""
    ci = case_index(ev)
    at_a, at_b = positions_of(ev, first), positions_of(ev, second)
    width = int(objects.max()) + 2 if len(objects) else 1
    by_object = [ci[at] * width + objects[at] + 1 for at in (at_a, at_b)]
    shared = np.intersect1d(by_object[0][objects[at_a] >= 0], by_object[1][objects[at_b] >= 0])
    unit = "object" if len(shared) else "case"
    keys = by_object if len(shared) else [ci[at_a], ci[at_b]]
    begin = ev.ts if ev.start is None else np.where(ev.start != NAT, ev.start, ev.ts)
    units_a, end_a = _firsts(keys[0], ev.ts[at_a])
    units_b, begin_b = _firsts(keys[1], begin[at_b])
    both, in_a, in_b = np.intersect1d(units_a, units_b, return_indices=True)
    cases = len(np.unique(both // width)) if unit == "object" else len(both)
    times = service_times(ev)

    def hours(at: np.ndarray) -> float:
        return 0.0 if times is None else float(times[at][ev.start[at] != NAT].sum()) / 3.6e9

    return DuplicateCheck(first=str(ev.act_labels[first]), second=str(ev.act_labels[second]), unit=unit,
                          first_units=len(units_a), second_units=len(units_b), both_units=len(both), both_cases=cases,
                          lag=quick_summary(begin_b[in_b] - end_a[in_a]), first_hours=hours(at_a),
                          second_hours=hours(at_b))


def line_waits(ev: EventArrays, lane: np.ndarray, lines: list[str]) -> dict[str, Summary]:
    """Per line (line k lies between lanes k and k + 1): the waits of the handoffs across it, the
    flows between the two lanes on either side of it (either way)."""
    src, dst = ev.flow_pairs()
    a, b = lane[src], lane[dst]
    low, high = np.minimum(a, b), np.maximum(a, b)
    across = (low >= 0) & (high == low + 1)
    wait = waits(ev)
    return {line: quick_summary(wait[across & (low == k)]) for k, line in enumerate(lines)}
