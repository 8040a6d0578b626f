"""From a blueprint's events to its activity instances, and the flows between them.

Each source is read in its lifecycle mode (app/mining/lifecycle.py): paired, completes only, or
event by event. The instances keep a pointer to the event that stands for them (`rep`, their
complete), through which they get their lane, role, channel and thread. Flows run within a
thread, and into each thread's first instance from the one before it in the case."""

from dataclasses import dataclass

import numpy as np

from app.blueprint.events import BlueprintEvents, Coded
from app.mining.frame import EventArrays, arrays, thread_predecessors
from app.mining.lifecycle import Instances, Kind, Mode, build_instances, choose_mode, kinds_of
from app.mining.results import LifecycleFigures


@dataclass(frozen=True)
class BlueprintInstances:
    ev: EventArrays  # instance level, in (case, start, complete) order, with thread-aware flows
    rep: np.ndarray  # per instance: its event in the event-level arrays
    modes: list[Mode]  # per source
    lifecycle: LifecycleFigures
    event_counts: np.ndarray  # per activity: stored events (of the selected cases)
    open_counts: np.ndarray  # per activity: instances in progress
    aborted_counts: np.ndarray
    threaded: bool  # some case has more than one thread

    def text(self, found: BlueprintEvents, name: str) -> Coded:
        """An event-level text column at the instances."""
        return found.text[name].take(self.rep)


def _event_kinds(found: BlueprintEvents) -> tuple[np.ndarray, list[Mode]]:
    """Each event's lifecycle kind as its source's mode reads it (Kind.ignored: not an instance)."""
    source, lifecycle = found.text["source"].codes, found.text["lifecycle"]
    labels = lifecycle.names().tolist()
    kind = np.full(found.ev.n, Kind.complete, dtype=np.int8)
    modes = []
    for s, declared in enumerate(found.declared_modes):
        mine = source == s
        used = np.unique(lifecycle.codes[mine])
        present = [labels[c] if c >= 0 else None for c in used.tolist()]
        kinds = kinds_of(present)
        mode = choose_mode(declared, kinds)
        modes.append(mode)
        if mode == Mode.events or kinds is None:
            continue
        table = np.full(len(labels) + 1, Kind.complete, dtype=np.int8)  # the last slot: no lifecycle value
        table[[c for c in used.tolist()]] = kinds
        per_event = table[lifecycle.codes[mine]]
        if mode == Mode.complete_only:
            per_event = np.where(per_event == Kind.complete, Kind.complete, Kind.ignored).astype(np.int8)
        kind[mine] = per_event
    return kind, modes


def _identity(n: int, ts: np.ndarray, start: np.ndarray | None) -> Instances:
    nat = np.full(n, np.iinfo(np.int64).min, np.int64)
    return Instances(rep=np.arange(n), start=start if start is not None else nat, end=ts, offered=nat,
                     suspended=np.zeros(n, np.int64), open_rep=np.zeros(0, np.int64),
                     aborted_rep=np.zeros(0, np.int64), paired=0, unmatched_complete=0)


def to_instances(found: BlueprintEvents) -> BlueprintInstances:
    """The activity instances of the blueprint's (selected) events."""
    ev = found.ev
    kind, modes = _event_kinds(found)
    if (kind == Kind.complete).all():  # every source read event by event: each event an instance
        made = _identity(ev.n, ev.ts, ev.start)
    else:
        made = build_instances(ev.case, ev.act, ev.ts, ev.start, kind)
    rep = made.rep
    case = ev.case[rep]
    thread = found.text["thread"].codes[rep]
    pred = thread_predecessors(case, thread)
    has_start = bool((made.start != np.iinfo(np.int64).min).any())
    paused = made.suspended if made.suspended.any() else None
    offered = made.offered if (made.offered != np.iinfo(np.int64).min).any() else None
    inst = arrays(case, ev.act[rep], ev.act_labels, made.end, made.start if has_start else None,
                  ev.resource[rep], ev.resource_labels, pred=pred, suspended=paused, offered=offered)
    width = max(len(ev.act_labels), 1)
    mode = modes[0].value if len(set(modes)) == 1 else "mixed"
    return BlueprintInstances(
        ev=inst, rep=rep, modes=modes,
        lifecycle=LifecycleFigures(mode=mode if modes else Mode.events.value, paired=made.paired,
                                   open=len(made.open_rep), unmatched_complete=made.unmatched_complete,
                                   aborted=len(made.aborted_rep)),
        event_counts=np.bincount(ev.act, minlength=width),
        open_counts=np.bincount(ev.act[made.open_rep], minlength=width),
        aborted_counts=np.bincount(ev.act[made.aborted_rep], minlength=width),
        threaded=bool(len(pred) and (pred != _plain_pred(case)).any()))


def _plain_pred(case: np.ndarray) -> np.ndarray:
    pred = np.arange(-1, len(case) - 1, dtype=np.int64)
    if len(case):
        pred[np.concatenate(([True], case[1:] != case[:-1]))] = -1
    return pred
