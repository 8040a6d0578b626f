"""Everything the blueprint feed observes, from one sorted pass over the instances."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from app.mining.discover import (
    case_durations,
    discover_flows,
    discover_handovers,
    discover_steps,
    discover_variants,
    start_end_activities,
    summary_of,
)
from app.mining.frame import NAT, EventArrays
from app.mining.results import EMPTY, Handover, Observed, PhaseFigures, Summary
from app.mining.stats import grouped, summary


def observe(ev: EventArrays, *, event_counts: np.ndarray, open_counts: np.ndarray, aborted_counts: np.ndarray,
            who: dict[str, tuple[np.ndarray, np.ndarray]]) -> Observed:
    """Flows, steps, variants, durations and resource handovers of the (filtered) instances."""
    starts, ends = start_end_activities(ev)
    return Observed(flows=discover_flows(ev),
                    steps=discover_steps(ev, event_counts=event_counts, open_counts=open_counts,
                                         aborted_counts=aborted_counts, who=who),
                    variants=discover_variants(ev), case_duration=Summary(**summary(case_durations(ev))),
                    starts=starts, ends=ends,
                    resource_handovers=discover_handovers(ev, ev.resource, ev.resource_labels))


def per_activity(ev: EventArrays, value_of: dict[str, object], values: list, missing: int = -1) -> np.ndarray:
    """Per instance, the index in `values` of its activity's value in `value_of` (`missing` else)."""
    table = np.array([values.index(value_of[a]) if value_of.get(a) in values else missing for a in ev.act_labels],
                     dtype=np.int64)
    return table[ev.act] if len(table) else np.zeros(0, np.int64)


def lane_handovers(ev: EventArrays, step_lane: dict[str, str | None], lanes: list[str]) -> tuple[Handover, ...]:
    """Flows whose steps sit in different lanes."""
    return discover_handovers(ev, per_activity(ev, step_lane, lanes), np.asarray(lanes, dtype=object))


def handovers_within_lanes(ev: EventArrays, step_lane: dict[str, str | None],
                           lanes: list[str]) -> dict[str, tuple[Handover, ...]]:
    """Per lane, every pass of work along a flow between two resources inside the lane: one pass
    over the flows, with each instance coded by (lane, resource)."""
    codes = per_activity(ev, step_lane, lanes)
    width = max(len(ev.resource_labels), 1)
    held = np.where((codes >= 0) & (ev.resource >= 0), codes * width + ev.resource, -1)
    labels = np.empty(len(lanes) * width, dtype=object)
    labels[:] = [(k, r) for k in range(len(lanes)) for r in range(width)]
    out: dict[str, list[Handover]] = {}
    for h in discover_handovers(ev, held, labels):
        (lane_a, a), (lane_b, b) = h.source, h.target
        if lane_a == lane_b:
            out.setdefault(lanes[lane_a], []).append(
                Handover(source=ev.resource_labels[a], target=ev.resource_labels[b], count=h.count, cases=h.cases,
                         waiting=h.waiting))
    return {lane: tuple(sorted(found, key=lambda h: (-h.count, h.source, h.target))) for lane, found in out.items()}


def _empty_phase() -> PhaseFigures:
    return PhaseFigures(active=EMPTY, elapsed=EMPTY, cases=0, overlapping_cases=0)


@dataclass(frozen=True)
class PhaseSpans:
    """Per (case, phase) present, in case then phase order: the case, the phase, its first entry
    and last exit, its end (the latest exit of it and the phases before it) and the end before it
    (the previous phase's end, or the case start). elapsed = ended - before."""

    case: np.ndarray
    phase: np.ndarray
    entry: np.ndarray
    exit: np.ndarray
    ended: np.ndarray
    before: np.ndarray
    first_of_case: np.ndarray


def phase_spans(ev: EventArrays, phase_of: dict[str, int], phases: int) -> PhaseSpans | None:
    """The spans of each case's phases (kept in ev.memo: the feed's phases and its insights share them)."""
    key = ("phase_spans", phases, tuple(sorted(phase_of.items())))
    if key not in ev.memo:
        ev.memo[key] = _phase_spans(ev, phase_of, phases)
    return ev.memo[key]


def _phase_spans(ev: EventArrays, phase_of: dict[str, int], phases: int) -> PhaseSpans | None:
    code = per_activity(ev, phase_of, list(range(phases)))
    begin = ev.ts if ev.start is None else np.where(ev.start != NAT, ev.start, ev.ts)
    keep = np.flatnonzero(code >= 0)
    if not len(keep):
        return None
    width = max(phases, 1)
    order = keep[np.argsort(ev.case[keep] * width + code[keep], kind="stable")]
    key = ev.case[order] * width + code[order]
    first = np.concatenate(([0], np.flatnonzero(np.diff(key)) + 1))
    case, phase = ev.case[order][first], code[order][first]
    entry, exit_ = np.minimum.reduceat(begin[order], first), np.maximum.reduceat(ev.ts[order], first)
    case_start = np.full(int(ev.case.max()) + 1, NAT, dtype=np.int64)
    case_start[ev.case[ev.case_first]] = np.minimum.reduceat(begin, ev.case_first)
    # Ends never go back in time: each phase ends at the latest exit of it and those before it.
    ended = pd.Series(exit_ - case_start[case]).groupby(case).cummax().to_numpy() + case_start[case]
    new_case = np.concatenate(([True], case[1:] != case[:-1]))
    before = np.where(new_case, case_start[case], np.concatenate(([0], ended[:-1])))
    return PhaseSpans(case=case, phase=phase, entry=entry, exit=exit_, ended=ended, before=before,
                      first_of_case=new_case)


def phase_figures(ev: EventArrays, phase_of: dict[str, int], phases: int) -> list[PhaseFigures]:
    """Per phase: active (first entry to last exit per case) and elapsed (from the end of the
    phases before it, or the case start, to the latest exit of it and every phase before it)."""
    spans = phase_spans(ev, phase_of, phases)
    if spans is None:
        return [_empty_phase() for _ in range(phases)]
    active = grouped(spans.phase, spans.exit - spans.entry)
    elapsed = grouped(spans.phase, spans.ended - spans.before)
    late = ~spans.first_of_case & (spans.entry < spans.before)
    overlap = np.bincount(spans.phase[late], minlength=phases)
    found = {int(p): i for i, p in enumerate(active.groups)}
    return [PhaseFigures(active=summary_of(active, found[p]), elapsed=summary_of(elapsed, found[p]),
                         cases=int(active.count[found[p]]), overlapping_cases=int(overlap[p]))
            if p in found else _empty_phase() for p in range(phases)]


def lead_times(ev: EventArrays, source: str, target: str) -> Summary | None:
    """Per case, from the first occurrence of `source` (its start, else its end) to the first end
    of `target` after it; None when either step is not in the data."""
    labels = list(ev.act_labels)
    if source not in labels or target not in labels:
        return None
    a, b = labels.index(source), labels.index(target)
    begin = ev.ts if ev.start is None else np.where(ev.start != NAT, ev.start, ev.ts)
    cases = int(ev.case.max()) + 1 if ev.n else 0
    first_a = np.full(cases, np.iinfo(np.int64).max, dtype=np.int64)
    at_a = np.flatnonzero(ev.act == a)
    np.minimum.at(first_a, ev.case[at_a], begin[at_a])
    at_b = np.flatnonzero(ev.act == b)
    after = at_b[ev.ts[at_b] >= first_a[ev.case[at_b]]]
    first_b = np.full(cases, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_b, ev.case[after], ev.ts[after])
    both = first_b < np.iinfo(np.int64).max
    return Summary(**summary(first_b[both] - first_a[both]))
