"""What mining hands the feed: typed, frozen results (seconds, counts, labels), no arrays."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Summary:
    """Count, mean, median and p90 of durations, in seconds (None when there are none)."""

    count: int = 0
    mean_s: float | None = None
    median_s: float | None = None
    p90_s: float | None = None

    def as_json(self) -> dict:
        return {"count": self.count, "mean_s": self.mean_s, "median_s": self.median_s, "p90_s": self.p90_s}

    @property
    def empty(self) -> bool:
        return self.count == 0


EMPTY = Summary()


@dataclass(frozen=True)
class Flow:
    """Work passed on from one step to the next (directly-follows within a thread, or the hand-over
    that started a thread), with the waiting between them."""

    source: str
    target: str
    count: int
    cases: int
    waiting: Summary


@dataclass(frozen=True)
class Share:
    name: str
    count: int
    share: float


@dataclass(frozen=True)
class Rework:
    events: int  # instances beyond the first per case
    cases: int  # cases that do the step more than once
    case_share: float


@dataclass(frozen=True)
class StepFigures:
    """One activity's figures, over its activity instances."""

    activity: str
    events: int  # stored events of the activity (starts, completes and the rest)
    instances: int
    cases: int
    rework: Rework
    service: Summary | None  # None: no instance has a start
    waiting: Summary  # before the step, along the flows into it
    queue: Summary | None  # from being offered (schedule, assign) to its start
    position: float  # median relative position in its cases (0 first, 1 last)
    open: int  # started, not completed (in progress)
    aborted: int
    roles: tuple[Share, ...] = ()
    resources: tuple[Share, ...] = ()
    channels: tuple[Share, ...] = ()


@dataclass(frozen=True)
class Handover:
    """Work passed along a flow between two holders (lanes, resources, roles)."""

    source: str
    target: str
    count: int
    cases: int
    waiting: Summary


@dataclass(frozen=True)
class Variant:
    activities: tuple[str, ...]
    cases: int
    share: float


@dataclass(frozen=True)
class Variants:
    count: int
    top: tuple[Variant, ...]
    other_variants: int
    other_cases: int
    other_share: float
    counts: tuple[int, ...] = field(repr=False, default=())  # every variant's cases, most frequent first


@dataclass(frozen=True)
class PhaseFigures:
    """A phase per case: `active` from its first entry to its last exit; `elapsed` from the end of
    the phases before it (or the case start) to its own end, where each phase ends at the latest
    exit of it and the phases before it: never negative, and they add up to the case duration."""

    active: Summary
    elapsed: Summary
    cases: int
    overlapping_cases: int  # cases in which the phase starts before an earlier phase has ended


@dataclass(frozen=True)
class LifecycleFigures:
    mode: str
    paired: int
    open: int
    unmatched_complete: int
    aborted: int


@dataclass(frozen=True)
class Observed:
    """Everything one pass over the instances observes."""

    flows: tuple[Flow, ...]
    steps: tuple[StepFigures, ...]
    variants: Variants
    case_duration: Summary
    starts: dict[str, int]
    ends: dict[str, int]
    resource_handovers: tuple[Handover, ...]
