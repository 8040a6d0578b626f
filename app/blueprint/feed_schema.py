"""The blueprint feed's contract, `blueprint-feed/1`: published as JSON Schema and in OpenAPI."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Timing(_Strict):
    """Seconds."""

    count: int
    mean_s: float | None
    median_s: float | None
    p90_s: float | None


class Comparison(_Strict):
    assumed_s: float
    observed_median_s: float | None
    observed_p90_s: float | None
    delta_s: float | None
    delta_ratio: float | None
    status: Literal["as_assumed", "slower", "faster", "not_observed"]
    measure: Literal["service", "waiting", "lead", "elapsed", "lane_handoff", "flow"] = Field(
        description="what the observed figure measures: a step's service time, its waiting before, the lead time "
                    "from an earlier step, a phase's elapsed time, a handoff between lanes, or a flow")
    from_: str | None = Field(default=None, alias="from", description="lead: the step it runs from")
    cases: int = Field(description="instances or cases the observed figure covers")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Share(_Strict):
    name: str
    count: int
    share: float


class Rework(_Strict):
    events: int = Field(description="instances beyond the first of the activity in a case")
    cases: int = Field(description="cases that repeat the activity")
    case_share: float


class Evidence(_Strict):
    name: str
    events: int


class Step(_Strict):
    id: str
    activity: str
    lane: Literal["customer", "frontstage", "backstage", "support"] | None
    phase: int | None
    events: int = Field(description="stored events of the activity (starts, completes and other transitions)")
    instances: int = Field(description="activity instances: a start and its complete are one")
    cases: int
    service_time: Timing | None = Field(description="start to end less suspended time, where starts are known")
    waiting_before: Timing | None = Field(description="along the flows into the step")
    queue_time: Timing | None = Field(description="from being offered (schedule, assign) to the start")
    open: int = Field(description="instances started and not completed (in progress)")
    aborted: int
    rework: Rework
    position: float | None = Field(description="median relative position in its cases, 0 = first, 1 = last")
    evidence: list[Evidence]
    roles: list[Share] = Field(description="the roles doing the step, most frequent first (top 5)")
    resources: list[Share]
    channels: list[Share] = Field(description="by the events' channel attribute, where they carry one")
    assumed: Comparison | None


class Lane(_Strict):
    id: str
    name: str
    steps: list[str]


class Line(_Strict):
    id: Literal["interaction", "visibility", "internal_interaction"]
    name: str
    between: list[str]


class Phase(_Strict):
    id: str
    index: int
    name: str
    steps: list[str]
    observed: Timing = Field(description="the same as elapsed")
    elapsed: Timing = Field(description="per case, from the end of the phases before (or the case start) to the "
                                        "latest exit of this phase and those before: adds up to the case duration")
    active: Timing = Field(description="per case, from the phase's first entry to its last exit")
    cases: int
    overlapping_cases: int = Field(description="cases in which the phase begins before the phases before it end")
    assumed: Comparison | None


class Waiting(_Strict):
    mean_s: float | None
    median_s: float | None
    p90_s: float | None


class Flow(_Strict):
    source: str
    target: str
    source_step: str
    target_step: str
    source_lane: str | None
    target_lane: str | None
    count: int
    cases: int
    waiting: Waiting
    crosses: list[Literal["interaction", "visibility", "internal_interaction"]]


class LaneHandoff(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    lines: list[str]
    count: int
    cases: int
    median_s: float | None
    p90_s: float | None
    mean_s: float | None


class Pass(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    count: int


class ResourcePass(Pass):
    cases: int
    median_s: float | None


class Handoffs(_Strict):
    between_lanes: list[LaneHandoff]
    within_lanes: dict[str, list[Pass]] = Field(description="per lane, its top 5 pairs of resources")
    within_lanes_total_pairs: dict[str, int]
    resources: list[ResourcePass] = Field(description="the top 20 pairs; GET .../handoffs pages through all")
    total_pairs: int


class Variant(_Strict):
    activities: list[str]
    cases: int
    share: float


class OtherVariants(_Strict):
    variants: int
    cases: int
    share: float


class Variants(_Strict):
    count: int
    top: list[Variant]
    other: OtherVariants


class Unmapped(_Strict):
    activity: str
    events: int
    instances: int
    cases: int


class SyncFreshness(_Strict):
    last_success_at: str | None = Field(description="when the last successful run finished")
    lag_s: float | None = Field(description="now minus the newest event time a successful run stored")
    next_run_at: str | None
    last_error: str | None = Field(description="the latest run's error, if it failed")


class SourceInfo(_Strict):
    id: int
    name: str
    system: str
    events: int
    last_ingest_at: str | None
    lifecycle: Literal["pair", "complete_only", "events"]
    sync: SyncFreshness | None = Field(default=None, description="null when the source is not synced")


class Lifecycle(_Strict):
    mode: Literal["pair", "complete_only", "events", "mixed"]
    paired: int = Field(description="completes matched with their start")
    open: int
    unmatched_complete: int = Field(description="completes without a start: instances of unknown service time")
    aborted: int


class Stats(_Strict):
    cases: int
    events: int = Field(description="stored events of the cases in the feed")
    instances: int
    activities: int
    first_timestamp: str | None
    last_timestamp: str | None
    uncorrelated_events: int
    lifecycle: Lifecycle


class HandoffAssumption(_Strict):
    source: str
    target: str
    comparison: Comparison | None
    observed: bool


class SegmentComparison(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    comparison: Comparison | None


class Assumptions(_Strict):
    handoffs: list[HandoffAssumption]
    segments: list[SegmentComparison]
    tolerance: float
    not_observed: dict
    undesigned: dict


class BlueprintRef(_Strict):
    id: int
    name: str
    revision: int


class Window(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    from_: str | None = Field(alias="from")
    to: str | None


class Model(_Strict):
    status: Literal["ready", "computing", "failed", "unknown"]
    bpmn_url: str
    coverage: float = Field(description="share of cases whose variants the model is discovered from (the most "
                                        "frequent variants up to 95% of cases)")
    error: str | None


class Warning(_Strict):
    code: str = Field(description="unknown_activity, unknown_step, unknown_attribute, unknown_phase, "
                                  "rule_matches_nothing, phase_matches_nothing")
    where: str = Field(description="the place in the definition, e.g. phases[1].activities[2]")
    message: str


InsightKind = Literal["bottleneck", "duplicated_work", "stuck_at_line", "automation_candidate", "evidence_gap",
                      "frontstage_wait", "fail_point", "wait_point", "avoidable_contact", "happy_path", "effort"]


class FlowRef(_Strict):
    source_step: str
    target_step: str


class HandoffRef(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    by: Literal["lane", "role"]
    from_: str | None = Field(alias="from")
    to: str | None


class CaseShare(_Strict):
    count: int
    share: float = Field(description="of the feed's cases")


class BreakdownRow(_Strict):
    label: str
    step: str | None = Field(description="the step id the row is about, if any")
    numbers: dict[str, float | int | None]


class Insight(_Strict):
    """One finding of the synergy analysis (step 6 of the service blueprint method)."""

    kind: InsightKind = Field(description=(
        "bottleneck: the steps and lane handoffs with the most waiting in all (count x mean), and what is slower "
        "than assumed; duplicated_work: the same action by two roles on one object or case, rework loops, steps "
        "shared by roles or lanes; stuck_at_line: handoffs across the line of visibility or of internal "
        "interaction waiting far longer than the line's median; automation_candidate: frequent, steady backstage "
        "or support steps people do, by few hands; evidence_gap: customer-facing phases without evidence, and "
        "evidence steps missing after the step they usually follow; frontstage_wait: the wait after a customer "
        "step until the frontstage next answers in its thread; fail_point: a step after which cases fall back "
        "into rework; wait_point: the longest waits between the customer's milestones; avoidable_contact: "
        "customer contacts by the step right before them; happy_path: the cases that follow the designed path "
        "(or the most common variant); effort: staff hours per role and step"))
    id: str = Field(description="stable: the same finding has the same id in every feed")
    summary: str = Field(description="one sentence a person reads")
    numbers: dict[str, float | int | None] = Field(description="the finding's figures, by name (seconds in *_s, "
                                                               "days in *_days, shares 0..1)")
    steps: list[str] = Field(description="step ids (steps[].id)")
    flows: list[FlowRef] = Field(description="flows by their source_step and target_step")
    handoffs: list[HandoffRef] = Field(description="handoffs by lane (or role)")
    roles: list[str] = Field(description="the roles it names (effort: the role; duplicated work: who does it twice)")
    cases: CaseShare = Field(description="the cases the finding affects")
    breakdown: list[BreakdownRow] = Field(description="the finding's parts (flows into a step, failure steps, a "
                                                      "role's steps, ...)")


class Insights(_Strict):
    parameters: dict[str, float | int | str] = Field(description="the thresholds used (the defaults, with the "
                                                                 "definition's `insights` overrides)")
    items: list[Insight] = Field(description="by kind, then rank")


class Feed(_Strict):
    """The observed service blueprint."""

    model_config = ConfigDict(extra="forbid", title="blueprint-feed/1")

    schema_: Literal["blueprint-feed/1"] = Field(alias="schema")
    blueprint: BlueprintRef
    generated_at: str
    data_version: str
    window: Window
    segment: list[str]
    stats: Stats
    lanes: list[Lane]
    lines: list[Line]
    phases: list[Phase]
    steps: list[Step]
    flows: list[Flow]
    flow_rule: str = Field(description="how flows were drawn: within threads, or over each case")
    handoffs: Handoffs
    variants: Variants
    case_duration: Timing
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    unmapped: list[Unmapped]
    sources: list[SourceInfo]
    warnings: list[Warning] = Field(description="what the definition names that the data does not have")
    assumptions: Assumptions
    insights: Insights = Field(description="the synergy analysis: where the flow gets stuck, duplicated work, what "
                                           "could be automated, where the frontstage could do better")
    model: Model


def feed_json_schema() -> dict:
    schema = Feed.model_json_schema(by_alias=True)
    schema["$id"] = "blueprint-feed/1"
    return schema
