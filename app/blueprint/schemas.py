"""The blueprint definition: what a client POSTs and PUTs."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from app.blueprint.insight_parameters import InsightSettings
from app.lanes.schemas import LaneRules
from app.params import BodyId, RequestBody, UtcDateTime
from app.patterns import check_pattern

# Limits of one definition (documented in the README): beyond them a feed would read too many
# columns or compare too many things to answer in time.
MAX_SOURCES = 50
MAX_PHASES = 100
MAX_PHASE_ACTIVITIES = 2000
MAX_STEP_ASSUMPTIONS = 2000
MAX_HANDOFF_ASSUMPTIONS = 500
MAX_SEGMENTS = 20
FINITE = ConfigDict(extra="forbid", allow_inf_nan=False)


class Correlation(BaseModel):
    """How events of several sources join into one journey: the attribute holding the shared key.

    `attribute` applies to every source; `per_source` overrides it by source name. The value
    `case_id` means the source's own case id. Events without the key are left out and counted."""

    model_config = FINITE

    attribute: str = Field(default="case_id", min_length=1, max_length=200)
    per_source: dict[str, str] = Field(default_factory=dict, max_length=MAX_SOURCES)


class PhaseSpec(BaseModel):
    model_config = FINITE

    name: str = Field(min_length=1, max_length=200)
    activities: list[str] = Field(default_factory=list, max_length=MAX_PHASE_ACTIVITIES)
    activity_regex: str | None = Field(default=None, description="RE2 syntax, searched anywhere in the name")
    assumed_duration_s: float | None = Field(default=None, ge=0)

    @field_validator("activity_regex")
    @classmethod
    def _compiles(cls, v):
        return None if v is None else check_pattern(v)


class HandoffAssumption(BaseModel):
    model_config = FINITE

    source: str
    target: str
    assumed_latency_s: float | None = Field(default=None, ge=0)


class Measure(StrEnum):
    service = "service"  # start to end of the step
    waiting = "waiting"  # before the step, along the flows that lead to it
    lead = "lead"  # from the first occurrence of a named earlier step to the step's first end, per case


class StepAssumption(BaseModel):
    """An assumed duration of a step, saying what it measures."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

    assumed_s: float = Field(ge=0)
    measure: Measure | None = Field(default=None, description="service, waiting or lead; default: service where "
                                                              "the step has start times, else waiting")
    from_: str | None = Field(default=None, alias="from", description="lead: the earlier step it runs from")

    @model_validator(mode="after")
    def _lead_has_a_start(self):
        if self.measure == Measure.lead and not self.from_:
            raise ValueError("a lead assumption names the step it runs from ('from')")
        if self.from_ and self.measure not in (None, Measure.lead):
            raise ValueError(f"'from' belongs to a lead assumption, not a {self.measure.value} one")
        return self


class SegmentAssumption(BaseModel):
    """The lead time assumed between two steps: from the first occurrence of `from` to the first
    end of `to` after it, per case."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, populate_by_name=True)

    from_: str = Field(alias="from", min_length=1)
    to: str = Field(min_length=1)
    assumed_s: float = Field(ge=0)


class Assumptions(BaseModel):
    """What the workshop assumed: step durations (each with its measure), lead times between
    steps, phase durations, and the handoffs the design expects."""

    model_config = FINITE

    steps: dict[str, float | StepAssumption] = Field(
        default_factory=dict, max_length=MAX_STEP_ASSUMPTIONS,
        description="activity -> assumed seconds, or {assumed_s, measure, from}")
    segments: list[SegmentAssumption] = Field(default_factory=list, max_length=MAX_HANDOFF_ASSUMPTIONS)
    phases: dict[str, float] = Field(default_factory=dict, description="phase -> assumed seconds",
                                     max_length=MAX_PHASES)
    handoffs: list[HandoffAssumption] = Field(default_factory=list, max_length=MAX_HANDOFF_ASSUMPTIONS)
    tolerance: float = Field(default=0.2, ge=0, le=100, description="relative: observed within ±20% is as assumed")

    @field_validator("steps", "phases")
    @classmethod
    def _durations(cls, v: dict):
        for name, value in v.items():
            seconds = value.assumed_s if isinstance(value, StepAssumption) else value
            if seconds < 0:
                raise ValueError(f"{name!r}: an assumed duration cannot be negative ({seconds})")
        return v


def _segment(value: str) -> str:
    name, sep, _ = value.partition("=")
    if not sep or not name:
        raise ValueError(f"segment {value!r}: write it as attribute=value")
    return value


class Filters(BaseModel):
    model_config = FINITE

    from_: UtcDateTime | None = Field(default=None, alias="from")
    to: UtcDateTime | None = None
    segment: list[Annotated[str, AfterValidator(_segment)]] = Field(
        default_factory=list, description="attribute=value, all must hold",
                               max_length=MAX_SEGMENTS)


class BlueprintIn(RequestBody):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)

    name: str = Field(min_length=1, max_length=200)
    sources: list[BodyId] = Field(min_length=1, max_length=MAX_SOURCES, description="Source ids, each once")
    correlation: Correlation = Field(default_factory=Correlation)
    lanes: LaneRules = Field(default_factory=LaneRules,
                             description="Rules (first match wins) and a default lane; a plain list of rules is "
                                         "read as {'rules': [...]}")
    phases: list[PhaseSpec] = Field(default_factory=list, max_length=MAX_PHASES)
    assumptions: Assumptions = Field(default_factory=Assumptions)
    filters: Filters = Field(default_factory=Filters)
    insights: InsightSettings = Field(default_factory=InsightSettings,
                                      description="Overrides of the insights' thresholds; the rest keep their defaults")

    @field_validator("lanes", mode="before")
    @classmethod
    def _rules(cls, v):
        # Before validation: a plain list then fails with the rules' own errors, not first with
        # a complaint that it is not an object.
        return {"rules": v} if isinstance(v, list) else v

    @field_validator("sources")
    @classmethod
    def _each_once(cls, v: list[int]):
        repeated = sorted({i for i in v if v.count(i) > 1})
        if repeated:
            raise ValueError(f"source {repeated[0]} is listed more than once; list each source once")
        return v


class BlueprintOut(BaseModel):
    id: int
    name: str
    sources: list[int]
    correlation: Correlation
    lanes: LaneRules
    phases: list[PhaseSpec]
    assumptions: Assumptions
    filters: Filters
    insights: InsightSettings = Field(default_factory=InsightSettings)
    revision: int
    created_at: datetime
    updated_at: datetime
    warnings: list[dict] = Field(default_factory=list, description="what the definition names that the sources' "
                                 "events do not have: {code, where, message}; the definition is stored anyway")

    @classmethod
    def of(cls, bp, warnings: list[dict] | None = None) -> "BlueprintOut":
        d: dict[str, Any] = dict(bp.definition)
        return cls(id=bp.id, name=bp.name, revision=bp.revision, created_at=bp.created_at,
                   updated_at=bp.updated_at, warnings=warnings or [], **{k: v for k, v in d.items() if k != "name"})



class HandoffsBy(StrEnum):
    lane = "lane"
    resource = "resource"
    role = "role"


class HandoffPair(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    count: int
    cases: int
    median_s: float | None
    p90_s: float | None
    mean_s: float | None
    lines: list[str] | None = None


class HandoffPage(BaseModel):
    by: HandoffsBy
    lane: str | None
    total: int = Field(description="pairs in all")
    offset: int
    limit: int
    items: list[HandoffPair]
