"""Lane suggestions for a blueprint: gather its events with their team-like attributes, ask
pm4py for organisational roles, run the pure core, answer in the API's shapes."""

from pathlib import Path

from sqlalchemy.orm import Session

from app.blueprint import service as blueprints
from app.blueprint.events import gather
from app.blueprint.loading import blueprint_sources, definition_of, source_rows
from app.lanes.assign import kind_lanes
from app.lanes.dry_run import Taken, dry_run
from app.lanes.schemas import (
    ActivityCount,
    DryRunOut,
    LaneRules,
    LaneSuggestionsOut,
    RuleCount,
    RuleTake,
    SignalOut,
    SuggestionEvidence,
    SuggestionOut,
)
from app.lanes.suggest import Suggestion, suggest_lanes
from app.lanes.vocabulary import team_attribute_candidates
from app.mining.roles import discover_roles
from app.store import repository as store


def suggest_blueprint_lanes(session: Session, *, workspace_id: int, blueprint_id: int,
                            data_dir: Path) -> LaneSuggestionsOut:
    """Suggested lane rules for all of the blueprint's events, each with its evidence and reason."""
    bp = blueprints.get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    definition = definition_of(bp)
    srcs = blueprint_sources(session, workspace_id=workspace_id, definition=definition)
    names = {n for s in srcs for n in store.attribute_names(session, source_id=s.id)}
    teams = team_attribute_candidates(sorted(names))
    frame = gather(source_rows(session, definition, srcs, teams, data_dir), teams, (None, None), []).frame()
    result = suggest_lanes(frame, discover_roles(frame), team_columns=[f"attr:{t}" for t in teams])
    return LaneSuggestionsOut(actor=result.actor, rules=[_out(s) for s in result.rules],
                              default=_out(result.default), lanes=result.lane_rules())


def _out(suggestion: Suggestion) -> SuggestionOut:
    evidence = suggestion.evidence
    signals = [SignalOut(kind=s.kind, lane=s.lane, weight=s.weight) for s in suggestion.signals]
    return SuggestionOut(rule=suggestion.rule, lane=suggestion.lane, default=suggestion.rule is None,
                         reason=suggestion.reason, confidence=suggestion.confidence,
                         evidence=SuggestionEvidence(events=evidence.events, cases=evidence.cases,
                                                     share=evidence.share, signals=signals))


def dry_run_lanes(session: Session, *, workspace_id: int, blueprint_id: int, rules: LaneRules,
                  data_dir: Path) -> DryRunOut:
    """What `rules` would take of the blueprint's events, rule by rule, and what would stay unmapped."""
    bp = blueprints.get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    definition = definition_of(bp)
    srcs = blueprint_sources(session, workspace_id=workspace_id, definition=definition)
    attributes = sorted(rules.attributes_used())
    found = gather(source_rows(session, definition, srcs, attributes, data_dir), attributes, (None, None), [])
    kinds, kind = found.kinds(attributes)
    rule_of_event = kind_lanes(kinds, rules)[2][kind] if len(kind) else kind
    ev = found.ev
    result = dry_run(ev.act, ev.act_labels, ev.case, rule_of_event, rules=len(rules.rules),
                     has_default=rules.default is not None)
    return DryRunOut(events=result.events, default=_take(result.default), unmapped=_take(result.unmapped),
                     rules=[RuleCount(index=i, lane=rule.lane, **_take(taken).model_dump())
                            for i, (rule, taken) in enumerate(zip(rules.rules, result.rules, strict=True))])


def _take(taken: Taken) -> RuleTake:
    return RuleTake(events=taken.events, cases=taken.cases, activities=taken.activities,
                    top=[ActivityCount(activity=a, events=n) for a, n in taken.top])
