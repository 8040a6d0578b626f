"""Lane rules: the contract of a blueprint's `lanes`."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.patterns import check_pattern

MAX_RULES = 500
MAX_ATTRIBUTE_CONDITIONS = 20  # per rule
MAX_ATTRIBUTES_USED = 50  # distinct attributes all rules together read (each is a column to load)


class Lane(StrEnum):
    customer = "customer"
    frontstage = "frontstage"
    backstage = "backstage"
    support = "support"


LANE_ORDER = (Lane.customer, Lane.frontstage, Lane.backstage, Lane.support)
LANE_NAMES = tuple(lane.value for lane in LANE_ORDER)


def lane_name(value):
    """A lane name in any case ("Customer") as the lane; anything else fails naming the valid lanes."""
    if isinstance(value, str) and value.strip().lower() in LANE_NAMES:
        return value.strip().lower()
    if value is None:
        return value
    raise ValueError(f"{value!r} is not a lane; the lanes are {', '.join(LANE_NAMES)}")


class RuleMatch(BaseModel):
    """What an event must have for the rule to match; every given condition must hold."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    activity: str | None = None
    activity_regex: str | None = Field(default=None, description="RE2 syntax, searched anywhere in the value")
    source: str | None = Field(default=None, description="Source name")
    system: str | None = Field(default=None, description="Source system kind: crm, ticketing, ops, other")
    resource: str | None = None
    resource_regex: str | None = None
    role: str | None = None
    role_regex: str | None = None
    attribute: dict[str, str] | None = Field(default=None, description="Attribute values, exact",
                                             max_length=MAX_ATTRIBUTE_CONDITIONS)
    attribute_regex: dict[str, str] | None = Field(default=None, description="Attribute values, RE2",
                                                   max_length=MAX_ATTRIBUTE_CONDITIONS)

    @field_validator("activity_regex", "resource_regex", "role_regex")
    @classmethod
    def _compiles(cls, v):
        return None if v is None else check_pattern(v)

    @field_validator("attribute_regex")
    @classmethod
    def _attribute_patterns(cls, v):
        for name, pattern in (v or {}).items():
            try:
                check_pattern(pattern)
            except ValueError as exc:
                raise ValueError(f"attribute {name!r}: {exc}") from None
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

    @field_validator("lane", mode="before")
    @classmethod
    def _lane(cls, v):
        return lane_name(v)


class LaneRules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[LaneRule] = Field(default_factory=list, max_length=MAX_RULES)
    default: Lane | None = Field(default=None, description="Lane of events no rule matches (else: unmapped)")

    @field_validator("default", mode="before")
    @classmethod
    def _default(cls, v):
        return lane_name(v)

    @model_validator(mode="after")
    def _attributes_bounded(self):
        used = self.attributes_used()
        if len(used) > MAX_ATTRIBUTES_USED:
            raise ValueError(f"the rules read {len(used)} distinct attributes; at most {MAX_ATTRIBUTES_USED}")
        return self

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
    # Not required: the route leaves out None (response_model_exclude_none), so the default's entry has no rule.
    rule: LaneRule | None = Field(default=None, description="The rule to PUT (absent from the default's entry)")
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
