"""The blueprint definition: what a client POSTs and PUTs."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.lanes.schemas import LaneRule, LaneRules
from app.params import BodyId, RequestBody, UtcDateTime

# Request models refuse NaN and Infinity (e.g. tolerance: Infinity); app/params.py says why.
_BODY = ConfigDict(extra="forbid", allow_inf_nan=False)


class Correlation(BaseModel):
    """How events of several sources join into one journey: the attribute holding the shared key.

    `attribute` applies to every source; `per_source` overrides it by source name. The value
    `case_id` means the source's own case id. Events without the key are left out and counted."""

    model_config = _BODY

    attribute: str = "case_id"
    per_source: dict[str, str] = Field(default_factory=dict)


class PhaseSpec(BaseModel):
    model_config = _BODY

    name: str = Field(min_length=1, max_length=200)
    activities: list[str] = Field(default_factory=list)
    activity_regex: str | None = None
    assumed_duration_s: float | None = Field(default=None, ge=0)


class HandoffAssumption(BaseModel):
    model_config = _BODY

    source: str
    target: str
    assumed_latency_s: float | None = Field(default=None, ge=0)


class Assumptions(BaseModel):
    """What the workshop assumed: step durations (service time, else waiting before the step),
    phase durations, and the handoffs the design expects."""

    model_config = _BODY

    steps: dict[str, float] = Field(default_factory=dict, description="activity -> assumed seconds")
    phases: dict[str, float] = Field(default_factory=dict, description="phase -> assumed seconds")
    handoffs: list[HandoffAssumption] = Field(default_factory=list)
    tolerance: float = Field(default=0.2, ge=0, description="relative: observed within ±20% is as assumed")


class Filters(BaseModel):
    model_config = _BODY

    from_: UtcDateTime | None = Field(default=None, alias="from")
    to: UtcDateTime | None = None
    segment: list[str] = Field(default_factory=list, description="attribute=value, all must hold")


class BlueprintIn(RequestBody):
    model_config = ConfigDict(**_BODY, populate_by_name=True)

    name: str = Field(min_length=1, max_length=200)
    sources: list[BodyId] = Field(min_length=1)
    correlation: Correlation = Field(default_factory=Correlation)
    lanes: LaneRules | list[LaneRule] = Field(default_factory=LaneRules)
    phases: list[PhaseSpec] = Field(default_factory=list)
    assumptions: Assumptions = Field(default_factory=Assumptions)
    filters: Filters = Field(default_factory=Filters)

    @field_validator("lanes")
    @classmethod
    def _rules(cls, v):
        return LaneRules(rules=v) if isinstance(v, list) else v


class BlueprintOut(BaseModel):
    id: int
    name: str
    sources: list[int]
    correlation: Correlation
    lanes: LaneRules
    phases: list[PhaseSpec]
    assumptions: Assumptions
    filters: Filters
    revision: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, bp) -> "BlueprintOut":
        d: dict[str, Any] = dict(bp.definition)
        return cls(id=bp.id, name=bp.name, revision=bp.revision, created_at=bp.created_at,
                   updated_at=bp.updated_at, **{k: v for k, v in d.items() if k != "name"})

