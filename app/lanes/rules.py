"""Assign lanes to events by ordered rules. Pure: plain pandas in, plain pandas out."""

import numpy as np
import pandas as pd
import pyarrow as pa

from app.lanes.schemas import LaneRule, LaneRules
from app.patterns import column_matches


def _equals(values: pd.Series, wanted: str) -> np.ndarray:
    return (values == wanted).fillna(False).to_numpy(dtype=bool)


def _matches(values: pd.Series, pattern: str) -> np.ndarray:
    """RE2 (linear time, whatever the pattern), searched anywhere in the value; null never matches."""
    text = pa.array(values.where(values.notna(), None).astype(object), type=pa.string(), from_pandas=True)
    return column_matches(text, pattern)


def rule_mask(kinds: pd.DataFrame, rule: LaneRule) -> np.ndarray:
    """Which rows of `kinds` the rule matches."""
    m = rule.match
    mask = np.ones(len(kinds), dtype=bool)
    for column, exact, pattern in (("activity", m.activity, m.activity_regex),
                                   ("resource", m.resource, m.resource_regex),
                                   ("role", m.role, m.role_regex)):
        if exact is not None:
            mask &= _equals(kinds[column], exact)
        if pattern is not None:
            mask &= _matches(kinds[column], pattern)
    if m.source is not None:
        mask &= _equals(kinds["source"], m.source)
    if m.system is not None:
        mask &= _equals(kinds["system"], m.system)
    for name, value in (m.attribute or {}).items():
        mask &= _equals(kinds[f"attr:{name}"], value) if f"attr:{name}" in kinds else False
    for name, pattern in (m.attribute_regex or {}).items():
        mask &= _matches(kinds[f"attr:{name}"], pattern) if f"attr:{name}" in kinds else False
    return mask


def assign_lanes(kinds: pd.DataFrame, lanes: LaneRules) -> pd.DataFrame:
    """Add `lane`, `evidence` and `rule` (index of the rule that matched, -1 for none) to each row.

    `kinds` holds distinct event kinds: activity, source, system, resource, role, and
    `attr:<name>` columns for attributes the rules use. Rows no rule matches get the default
    lane if there is one, else no lane: the caller lists them as unmapped."""
    out = kinds.copy()
    lane = np.full(len(kinds), None, dtype=object)
    evidence = np.full(len(kinds), None, dtype=object)
    rule_index = np.full(len(kinds), -1, dtype=np.int64)
    for i, rule in enumerate(lanes.rules):
        hit = (rule_index == -1) & rule_mask(kinds, rule)
        lane[hit], rule_index[hit] = rule.lane.value, i
        if rule.evidence:
            evidence[hit] = rule.evidence
        elif rule.evidence_attribute and f"attr:{rule.evidence_attribute}" in kinds:
            evidence[hit] = kinds[f"attr:{rule.evidence_attribute}"].to_numpy(dtype=object)[hit]
    if lanes.default is not None:
        lane[rule_index == -1] = lanes.default.value
    # Object columns keep None for "no lane" (pandas would infer text and turn it into NaN).
    out["lane"] = pd.Series(lane, index=out.index, dtype=object)
    out["evidence"] = pd.Series(evidence, index=out.index, dtype=object).where(pd.notna(evidence), None)
    out["rule"] = rule_index
    return out
