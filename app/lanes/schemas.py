"""Lane rules: the contract of a blueprint's `lanes`."""

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Lane(StrEnum):
    customer = "customer"
    frontstage = "frontstage"
    backstage = "backstage"
    support = "support"


LANE_ORDER = (Lane.customer, Lane.frontstage, Lane.backstage, Lane.support)


class RuleMatch(BaseModel):
    """What an event must have for the rule to match; every given condition must hold."""

    model_config = ConfigDict(extra="forbid")

    activity: str | None = None
    activity_regex: str | None = None
    source: str | None = Field(default=None, description="Source name")
    system: str | None = Field(default=None, description="Source system kind: crm, ticketing, ops, other")
    resource: str | None = None
    resource_regex: str | None = None
    role: str | None = None
    role_regex: str | None = None
    attribute: dict[str, str] | None = Field(default=None, description="Attribute values, exact")
    attribute_regex: dict[str, str] | None = None

    @field_validator("activity_regex", "resource_regex", "role_regex")
    @classmethod
    def _compiles(cls, v):
        if v is not None:
            try:
                re.compile(v)
            except re.error as exc:
                raise ValueError(f"invalid regular expression {v!r}: {exc}") from exc
        return v

    @model_validator(mode="after")
    def _not_empty(self):
        if not self.model_dump(exclude_none=True):
            raise ValueError("a rule must match on at least one of activity, source, system, resource, role, "
                             "attribute")
        return self

    def attributes_used(self) -> set[str]:
        return set(self.attribute or {}) | set(self.attribute_regex or {})


class LaneRule(BaseModel):
    """First match wins. A rule may also mark the step as producing evidence."""

    model_config = ConfigDict(extra="forbid")

    lane: Lane
    match: RuleMatch
    evidence: str | None = Field(default=None, description="Evidence the step produces, e.g. 'confirmation email'")
    evidence_attribute: str | None = Field(default=None, description="Take the evidence name from this attribute")


class LaneRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[LaneRule] = Field(default_factory=list)
    default: Lane | None = Field(default=None, description="Lane of events no rule matches (else: unmapped)")

    def attributes_used(self) -> set[str]:
        used: set[str] = set()
        for rule in self.rules:
            used |= rule.match.attributes_used()
            if rule.evidence_attribute:
                used.add(rule.evidence_attribute)
        return used


class SignalOut(BaseModel):
    """One piece of evidence for (or against) a suggestion's lane."""

    kind: str = Field(description="name, opener, shared_account, system_kind, pm4py_roles or default")
    lane: Lane
    weight: float = Field(description="The chance, on its own, that the lane is right")


class SuggestionEvidence(BaseModel):
    events: int = Field(description="Events the rule catches when all the rules are taken in order")
    cases: int
    share: float = Field(description="Of the blueprint's events")
    signals: list[SignalOut]


class SuggestionOut(BaseModel):
    rule: LaneRule | None = Field(description="The rule to PUT (None for the default's entry)")
    lane: Lane
    default: bool = Field(description="True for the entry of the default lane")
    reason: str = Field(description="One plain sentence")
    confidence: float = Field(ge=0, le=1, description="1 - prod(1 - weight) over the signals for the lane, "
                                                      "times 1 - the same for the strongest other lane")
    evidence: SuggestionEvidence


class LaneSuggestionsOut(BaseModel):
    """Suggested rules one by one (in evaluation order: first match wins), the default lane's
    entry, and all of it as a blueprint's `lanes`, which leaves nothing unmapped."""

    actor: str = Field(description="What the rules are built on: role, attr:<team attribute>, resource or none")
    rules: list[SuggestionOut]
    default: SuggestionOut
    lanes: LaneRules
