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


# The synergy analysis' case-level figures (app/mining/journeys.py, app/mining/workload.py).


@dataclass(frozen=True)
class StepMakeup:
    """Who does an activity and what follows it, per activity."""

    resources: int  # distinct resources
    system_share: float  # share of instances done by a system (resource or role)
    lanes: tuple[int, ...]  # instances per lane (each by its own event's lane), in lane order
    returned: int  # instances after which the case goes back to a step it had done before
    repeat_key: int  # the same for two activities repeated in exactly the same cases (0: none)


@dataclass(frozen=True)
class FailureStep:
    activity: str
    instances: int
    cases: int
    direct: bool  # it follows the group's step (else it is the recovery of another failure)
    after_step: int  # instances right after an instance of the group's step (along the flow into them)
    back: Summary  # from its end to the start of the group's step again


@dataclass(frozen=True)
class FailGroup:
    """Cases that fall into rework after `step`: through the failure steps named."""

    step: str | None  # the step the failures follow (None: the failures start cases)
    failures: tuple[FailureStep, ...]
    back: Summary  # per failure right after `step`: from its end to the start of the next `step` in its case
    failure_instances: int  # instances of the direct failures right after `step`
    step_instances: int
    cases: int  # cases with a failure
    extra_step_instances: int  # instances of `step` beyond the first in those cases
    repeated_after: int  # instances after the case's first failure that repeat an earlier step
    duration_with: Summary
    duration_without: Summary


@dataclass(frozen=True)
class ContactGroup:
    """Customer contacts begun right after one step (a contact's continuation, e.g. an abandoned
    call and its repeat, belongs to the contact it continues)."""

    before: str
    contact: str
    episodes: int
    attempts: int  # instances of the contact step in those episodes
    cases: int
    waiting: Summary  # from the step before to the contact
    missing: tuple[Share, ...] = ()  # expected evidence missing in these cases: cases (count) and share


@dataclass(frozen=True)
class StepWait:
    """Per case, from the first end of `source` to the first start of `target` after it."""

    source: str
    target: str
    waiting: Summary  # count = cases


@dataclass(frozen=True)
class Answer:
    """After a customer step, the next frontstage step of its thread, and the wait for it."""

    customer_step: str
    answer_step: str | None  # None: nothing in the frontstage follows in the thread
    count: int
    waiting: Summary


@dataclass(frozen=True)
class DuplicateCheck:
    """Two steps doing the same action, by different roles, counted per unit (the object both name
    in their thread, else the case)."""

    first: str
    second: str
    unit: str  # "object" or "case"
    first_units: int
    second_units: int
    both_units: int
    both_cases: int
    lag: Summary  # per unit with both: first end of `first` to first start of `second`
    first_hours: float  # service time of all their instances with a start
    second_hours: float


@dataclass(frozen=True)
class StepEffort:
    activity: str
    hours: float
    instances: int
    timed: int  # instances with a service time


@dataclass(frozen=True)
class RoleEffort:
    """Staff hours (service times of instances done by people) of one role."""

    role: str
    hours: float
    instances: int
    timed: int
    steps: tuple[StepEffort, ...]  # most hours first


@dataclass(frozen=True)
class Conformance:
    """Cases against the designed path, and why the others leave it (a case may have several reasons)."""

    cases: int
    following: int
    undesigned: int  # performs a step the design does not name
    repeated: int  # does a step more than once
    out_of_order: int  # enters a phase before one that comes earlier in the design
    missing_phase: int  # skips a main phase
    detour: int  # enters a phase off the main path


@dataclass(frozen=True)
class EvidenceFollow:
    """How often an evidence step follows the step that usually precedes it, in the same thread."""

    after: str
    evidence: str
    units: int  # instances of `after`
    followed: int
    cases_missing: int  # cases with an instance of `after` not followed by the evidence
    contact_cases_missing: int  # of them, cases with a customer contact
    cases_complete: int
    contact_cases_complete: int


@dataclass(frozen=True)
class CaseFigures:
    """The synergy analysis' figures that need the case-level arrays."""

    makeup: dict[str, StepMakeup]
    fails: tuple[FailGroup, ...]
    contacts: tuple[ContactGroup, ...]
    milestone_waits: tuple[StepWait, ...]
    answers: tuple[Answer, ...]
    duplicates: tuple[DuplicateCheck, ...]
    effort: tuple[RoleEffort, ...]
    conformance: Conformance | None  # None: the blueprint defines no phases
    evidence_follows: tuple[EvidenceFollow, ...]
    line_waits: dict[str, Summary]  # per line id: the waits of every flow crossing it
    contact_steps: tuple[str, ...]
    milestones: tuple[str, ...]
    designed_steps: tuple[str, ...]
    main_phases: tuple[int, ...]
