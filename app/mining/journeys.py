"""The cases' paths, for the synergy analysis: where cases go back (fail points), which step comes
right before a customer contact, the waits between customer milestones, how long the frontstage
takes to answer a customer step, how closely cases follow the design, and whether an evidence
step follows the step it usually follows. NumPy over the instance arrays, no loop per case."""

from dataclasses import dataclass

import numpy as np

from app.mining.discover import case_durations, summary_of, waits
from app.mining.frame import EventArrays
from app.mining.observe import PhaseSpans
from app.mining.paths import (
    begins,
    case_index,
    first_of_kind,
    next_within,
    positions_of,
    predecessors,
    quick_summary,
    thread_groups,
)
from app.mining.results import (
    Answer,
    Conformance,
    ContactGroup,
    EvidenceFollow,
    FailGroup,
    FailureStep,
    Share,
    StepWait,
)
from app.mining.stats import grouped


def returned_after(ev: EventArrays) -> np.ndarray:
    """Per instance: whether, later in its case, an activity the case had done before it recurs.
    The first occurrence of each later instance's activity, minimised over the rest of the case:
    a later case's instances all occur after this one, so they never pass the test."""
    first = first_of_kind(ev)
    if not ev.n:
        return np.zeros(0, dtype=bool)
    later = np.minimum.accumulate(first[::-1])[::-1]
    return np.append(later[1:], ev.n) < np.arange(ev.n)


@dataclass(frozen=True)
class FailSpec:
    """A fail point to measure: the step failures follow (-1: none), every failure step of the
    group, and those that follow the step directly (the rest are their recovery)."""

    step: int
    failures: tuple[int, ...]
    direct: tuple[int, ...]


def _back_to(ev: EventArrays, at: np.ndarray, step: int) -> np.ndarray:
    """Per position in `at`: microseconds from its end to the start of the next instance of
    `step` in its case (-1 where there is none)."""
    ci, step_at = case_index(ev), positions_of(ev, step) if step >= 0 else np.zeros(0, np.int64)
    j = np.searchsorted(step_at, at, side="right")
    found = j < len(step_at)
    nxt = step_at[np.minimum(j, max(len(step_at) - 1, 0))] if len(step_at) else at
    found &= ci[nxt] == ci[at] if len(step_at) else found
    return np.where(found, np.maximum(begins(ev)[nxt] - ev.ts[at], 0), -1)


def _failure_step(ev: EventArrays, code: int, step: int, direct: bool) -> tuple[FailureStep, np.ndarray]:
    """A failure step's figures, and per instance of it right after the group's step the time back."""
    at = positions_of(ev, code)
    back = _back_to(ev, at, step)
    pred = predecessors(ev)[at]
    right_after = (pred >= 0) & (ev.act[np.maximum(pred, 0)] == step) if step >= 0 else np.ones(len(at), dtype=bool)
    return FailureStep(activity=str(ev.act_labels[code]), instances=len(at), cases=len(np.unique(case_index(ev)[at])),
                       direct=direct, after_step=int(right_after.sum()),
                       back=quick_summary(back[back >= 0])), back[right_after]


def fail_group(ev: EventArrays, spec: FailSpec) -> FailGroup:
    """The cases that fall into rework through the spec's failure steps, and what it costs them:
    the time back to the step they failed after, the repeated work, the case duration."""
    ci, cases = case_index(ev), len(ev.case_first)
    at = np.concatenate([positions_of(ev, c) for c in spec.failures])
    affected = np.zeros(cases, dtype=bool)
    affected[ci[at]] = True
    first_fail = np.full(cases, ev.n, dtype=np.int64)
    np.minimum.at(first_fail, ci[at], at)
    index = np.arange(ev.n)
    repeats = (first_of_kind(ev) != index) & (index > first_fail[ci])
    durations = case_durations(ev)
    step_at = positions_of(ev, spec.step) if spec.step >= 0 else index[:0]
    in_affected = step_at[affected[ci[step_at]]]
    measured = [_failure_step(ev, c, spec.step, c in spec.direct) for c in spec.failures]
    back = np.concatenate([b for f, b in measured if f.direct] or [np.zeros(0, np.int64)])
    return FailGroup(
        step=str(ev.act_labels[spec.step]) if spec.step >= 0 else None, failures=tuple(f for f, _ in measured),
        back=quick_summary(back[back >= 0]), failure_instances=sum(f.after_step for f, _ in measured if f.direct),
        step_instances=len(step_at), cases=int(affected.sum()),
        extra_step_instances=int(len(in_affected) - len(np.unique(ci[in_affected]))),
        repeated_after=int(repeats.sum()), duration_with=quick_summary(durations[affected]),
        duration_without=quick_summary(durations[~affected]))


@dataclass(frozen=True)
class Episodes:
    """Customer contacts: per instance of a contact step, the contact its episode began with (-1
    for other instances), and the episodes that begin right after another step (`starts`)."""

    root: np.ndarray
    starts: np.ndarray
    with_contact: np.ndarray  # per case: it has such an episode


def contact_episodes(ev: EventArrays, contact: np.ndarray) -> Episodes:
    """Follow the flows back through contacts (`contact`: per activity) to the contact each
    episode began with: an abandoned call's repeat continues the first call."""
    pred = predecessors(ev)
    is_contact = contact[ev.act] if ev.n else np.zeros(0, dtype=bool)
    before_contact = np.zeros(ev.n, dtype=bool)
    has = pred >= 0
    before_contact[has] = is_contact[pred[has]]
    begins_episode = is_contact & ~before_contact
    members = np.flatnonzero(is_contact)
    root = np.full(ev.n, -1, dtype=np.int64)
    root[members] = np.where(begins_episode[members], members, pred[members])
    for _ in range(64):  # pointer doubling over the contacts: chains of 2**64 are not a concern
        nxt = root[root[members]]
        if np.array_equal(nxt, root[members]):
            break
        root[members] = nxt
    starts = np.flatnonzero(begins_episode & has)  # an episode that begins its case has no step before
    with_contact = np.zeros(len(ev.case_first), dtype=bool)
    with_contact[case_index(ev)[starts]] = True
    return Episodes(root=root, starts=starts, with_contact=with_contact)


def contact_groups(ev: EventArrays, episodes: Episodes, missing: dict[str, np.ndarray]) -> tuple[ContactGroup, ...]:
    """Contact episodes grouped by the step right before them, with the cases of each group in
    which an expected evidence step is missing (`missing`: per evidence step, per case)."""
    root, starts, pred = episodes.root, episodes.starts, predecessors(ev)
    width = max(len(ev.act_labels), 1)
    key = np.full(ev.n, -1, dtype=np.int64)
    key[starts] = ev.act[pred[starts]] * width + ev.act[starts]
    flow_wait = np.zeros(ev.n, dtype=np.int64)
    flow_wait[ev.flow_pairs()[1]] = waits(ev)
    stats = grouped(key[starts], flow_wait[starts])
    members = np.flatnonzero(root >= 0)
    attempt = members[(ev.act[members] == ev.act[root[members]]) & (key[root[members]] >= 0)]
    attempts = dict(zip(*np.unique(key[root[attempt]], return_counts=True), strict=True))
    ci = case_index(ev)
    out = []
    for i, k in enumerate(stats.groups.tolist()):
        cases = np.unique(ci[starts[key[starts] == k]])
        gaps = sorted((Share(name=name, count=int(per_case[cases].sum()), share=float(per_case[cases].mean()))
                       for name, per_case in missing.items() if per_case[cases].any()),
                      key=lambda g: (-g.count, g.name))
        out.append(ContactGroup(before=str(ev.act_labels[k // width]), contact=str(ev.act_labels[k % width]),
                                episodes=int(stats.count[i]), attempts=int(attempts.get(k, 0)), cases=len(cases),
                                waiting=summary_of(stats, i), missing=tuple(gaps)))
    return tuple(out)


def _min_per_case(case: np.ndarray, values: np.ndarray, cases: int) -> np.ndarray:
    """Per case (ordinals, ascending in `case`), the smallest value; int64 max where none."""
    out = np.full(cases, np.iinfo(np.int64).max, dtype=np.int64)
    if len(case):
        first = np.flatnonzero(np.concatenate(([True], case[1:] != case[:-1])))
        out[case[first]] = np.minimum.reduceat(values, first)
    return out


def step_waits(ev: EventArrays, pairs: list[tuple[int, int]]) -> tuple[StepWait, ...]:
    """Per pair (a, b) and case: from the first end of a to the first start of b at or after it."""
    ci, cases, begin = case_index(ev), len(ev.case_first), begins(ev)
    never = np.iinfo(np.int64).max
    out = []
    for a, b in pairs:
        at_a, at_b = positions_of(ev, a), positions_of(ev, b)
        first_a = _min_per_case(ci[at_a], ev.ts[at_a], cases)
        after = at_b[begin[at_b] >= first_a[ci[at_b]]]
        first_b = _min_per_case(ci[after], begin[after], cases)
        both = (first_b < never) & (first_a < never)
        out.append(StepWait(source=str(ev.act_labels[a]), target=str(ev.act_labels[b]),
                            waiting=quick_summary(first_b[both] - first_a[both])))
    return tuple(out)


def answers(ev: EventArrays, thread: np.ndarray, lane: np.ndarray, customer: int,
            frontstage: int) -> tuple[Answer, ...]:
    """Per customer step and the frontstage step that next follows it in its thread (None: none
    does): how often, and the wait from the customer step's end to the answer's start."""
    order, group = thread_groups(ev, thread)
    laned = lane[order]
    mine = np.flatnonzero(laned == customer)
    nxt = next_within(group, laned == frontstage, mine)
    found = nxt < ev.n
    src = order[mine]
    dst = np.where(found, order[np.minimum(nxt, max(ev.n - 1, 0))], -1)
    width = max(len(ev.act_labels), 1)
    answer = np.where(found, ev.act[dst], width)
    wait = np.where(found, np.maximum(begins(ev)[dst] - ev.ts[src], 0), 0)
    stats = grouped(ev.act[src] * (width + 1) + answer, wait)
    return tuple(Answer(customer_step=str(ev.act_labels[k // (width + 1)]),
                        answer_step=str(ev.act_labels[k % (width + 1)]) if k % (width + 1) < width else None,
                        count=int(stats.count[i]), waiting=summary_of(stats, i))
                 for i, k in enumerate(stats.groups.tolist()))


def conformance(ev: EventArrays, designed: np.ndarray, spans: PhaseSpans | None, main: list[int]) -> Conformance:
    """Which cases follow the designed path: only designed steps (`designed`: per activity), none
    twice, the phases entered in their order, every main phase and no other."""
    ci, cases = case_index(ev), len(ev.case_first)
    index = np.arange(ev.n)
    undesigned = np.bincount(ci[~designed[ev.act]], minlength=cases) > 0
    repeated = np.bincount(ci[first_of_kind(ev) != index], minlength=cases) > 0
    out_of_order = np.zeros(cases, dtype=bool)
    missing = np.ones(cases, dtype=bool) if main else np.zeros(cases, dtype=bool)
    detour = np.zeros(cases, dtype=bool)
    if spans is not None:
        ordinal = np.searchsorted(ev.case[ev.case_first], spans.case)
        late = ~spans.first_of_case[1:] & (spans.entry[1:] < spans.entry[:-1])
        out_of_order[ordinal[1:][late]] = True
        on_main = np.isin(spans.phase, main)
        missing = np.bincount(ordinal[on_main], minlength=cases) < len(main)
        detour = np.bincount(ordinal[~on_main], minlength=cases) > 0
    off = undesigned | repeated | out_of_order | missing | detour
    return Conformance(cases=cases, following=int((~off).sum()), undesigned=int(undesigned.sum()),
                       repeated=int(repeated.sum()), out_of_order=int(out_of_order.sum()),
                       missing_phase=int(missing.sum()), detour=int(detour.sum()))


def _lasts(keys: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, ascending, and per key the largest position."""
    if len(keys) > 1 and (keys[1:] < keys[:-1]).any():  # one object per case keeps them in order
        order = np.lexsort((positions, keys))
        keys, positions = keys[order], positions[order]
    end = np.ones(len(keys), dtype=bool)
    end[:-1] = keys[1:] != keys[:-1]
    return keys[end], positions[end]


def evidence_follows(ev: EventArrays, objects: np.ndarray, pairs: list[tuple[int, int]],
                     with_contact: np.ndarray) -> tuple[tuple[EvidenceFollow, ...], list[np.ndarray]]:
    """Per pair (step, evidence step): how many of the step's instances the evidence step follows
    later on the same object (the thread value, in any source; the case where there is none),
    and customer contacts in the cases where it is missing or not; and per pair, per case,
    whether it is missing there."""
    ci = case_index(ev)
    unit = ci * (int(objects.max()) + 2 if ev.n else 1) + objects + 1 if pairs else ci
    out, masks = [], []
    for after, evidence in pairs:
        at_e, at = positions_of(ev, evidence), positions_of(ev, after)
        # Per object (or case) of the evidence step, its last instance; looked up for the step's.
        units, last = _lasts(unit[at_e], at_e)
        key = unit[at]
        slot = np.minimum(np.searchsorted(units, key), max(len(units) - 1, 0))
        followed = (units[slot] == key) & (last[slot] > at) if len(units) else np.zeros(len(at), dtype=bool)
        missing = np.zeros(len(ev.case_first), dtype=bool)
        missing[ci[at[~followed]]] = True
        complete = np.zeros(len(ev.case_first), dtype=bool)
        complete[ci[at]] = True
        complete &= ~missing
        out.append(EvidenceFollow(after=str(ev.act_labels[after]), evidence=str(ev.act_labels[evidence]),
                                  units=len(at), followed=int(followed.sum()), cases_missing=int(missing.sum()),
                                  contact_cases_missing=int(with_contact[missing].sum()),
                                  cases_complete=int(complete.sum()),
                                  contact_cases_complete=int(with_contact[complete].sum())))
        masks.append(missing)
    return tuple(out), masks
