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


class Rework(_Strict):
    events: int = Field(description="events beyond the first of the activity in a case")
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
    events: int
    cases: int
    service_time: Timing | None
    waiting_before: Timing | None
    rework: Rework
    position: float | None = Field(description="median relative position in its cases, 0 = first, 1 = last")
    evidence: list[Evidence]
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
    observed: Timing
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
    within_lanes: dict[str, list[Pass]]
    resources: list[ResourcePass]


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
    cases: int


class SourceInfo(_Strict):
    id: int
    name: str
    system: str
    events: int
    last_ingest_at: str | None


class Stats(_Strict):
    cases: int
    events: int
    activities: int
    first_timestamp: str | None
    last_timestamp: str | None
    uncorrelated_events: int


class HandoffAssumption(_Strict):
    source: str
    target: str
    comparison: Comparison | None
    observed: bool


class Assumptions(_Strict):
    handoffs: list[HandoffAssumption]
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
    handoffs: Handoffs
    variants: Variants
    case_duration: Timing
    start_activities: dict[str, int]
    end_activities: dict[str, int]
    unmapped: list[Unmapped]
    sources: list[SourceInfo]
    assumptions: Assumptions
    model: Model


def feed_json_schema() -> dict:
    schema = Feed.model_json_schema(by_alias=True)
    schema["$id"] = "blueprint-feed/1"
    return schema
