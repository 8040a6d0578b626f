"""Lane rules, pure: first match wins, every condition of a rule must hold, no silent guesses."""

import pandas as pd
import pytest
from pydantic import ValidationError

from app.lanes.rules import assign_lanes
from app.lanes.schemas import LaneRules, RuleMatch

KINDS = pd.DataFrame({
    "activity": ["Place order", "Confirm order", "Check stock", "Send email", "Fix bug", "Mystery"],
    "source": ["crm", "crm", "ops", "crm", "ticketing", "ops"],
    "system": ["crm", "crm", "ops", "crm", "ticketing", "ops"],
    "resource": ["web", "ann", "wms-bot", "mailer", "dev.joe", None],
    "role": ["customer", "agent", None, "system", "engineer", None],
    "attr:channel": ["web", "phone", None, None, None, None],
})


def lanes(rules: list[dict], default=None) -> list:
    return assign_lanes(KINDS, LaneRules(rules=rules, default=default))["lane"].tolist()


def test_first_match_wins_and_unmatched_stay_unmapped():
    got = lanes([{"lane": "customer", "match": {"role": "customer"}},
                 {"lane": "frontstage", "match": {"role_regex": "^(agent|customer)$"}},
                 {"lane": "support", "match": {"system": "ops"}}])
    assert got == ["customer", "frontstage", "support", None, None, "support"]


def test_every_condition_must_hold():
    got = lanes([{"lane": "backstage", "match": {"source": "ops", "resource_regex": "bot$"}}])
    assert got == [None, None, "backstage", None, None, None]


def test_activity_exact_and_regex_and_attributes():
    got = lanes([{"lane": "support", "match": {"activity": "Send email"}},
                 {"lane": "customer", "match": {"attribute": {"channel": "web"}}},
                 {"lane": "backstage", "match": {"activity_regex": "(?i)^fix"}}])
    assert got == ["customer", None, None, "support", "backstage", None]


def test_default_lane_takes_the_rest():
    assert lanes([{"lane": "customer", "match": {"role": "customer"}}], default="backstage") == [
        "customer", "backstage", "backstage", "backstage", "backstage", "backstage"]


def test_evidence_fixed_or_from_an_attribute():
    rules = LaneRules(rules=[
        {"lane": "support", "match": {"activity": "Send email"}, "evidence": "confirmation email"},
        {"lane": "customer", "match": {"role": "customer"}, "evidence_attribute": "channel"}])
    out = assign_lanes(KINDS, rules)
    assert out["evidence"].tolist() == ["web", None, None, "confirmation email", None, None]
    assert out["rule"].tolist() == [1, -1, -1, 0, -1, -1]


def test_rules_are_validated():
    with pytest.raises(ValidationError):
        RuleMatch()  # matches nothing in particular
    with pytest.raises(ValidationError):
        RuleMatch(activity_regex="(unclosed")
    with pytest.raises(ValidationError):
        LaneRules(rules=[{"lane": "attic", "match": {"role": "x"}}])
