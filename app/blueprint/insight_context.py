"""What every kind of insight reads: the observed blueprint, the thresholds, the assembled feed,
and a few look-ups over them. Pure."""

from dataclasses import dataclass

from app.blueprint.insight_parameters import InsightParameters
from app.blueprint.observed import ObservedBlueprint
from app.blueprint.schemas import BlueprintIn
from app.mining.results import EvidenceFollow, StepFigures


@dataclass(frozen=True)
class Context:
    observed: ObservedBlueprint
    definition: BlueprintIn
    parameters: InsightParameters
    feed: dict
    steps: dict[str, StepFigures]
    activity_of: dict[str, str]  # step id -> activity
    cases: int
    floor: float  # the fewest cases (or instances) a finding rests on

    @classmethod
    def of(cls, observed: ObservedBlueprint, definition: BlueprintIn, feed: dict) -> "Context":
        parameters = observed.insight_parameters
        cases = observed.stats.cases
        return cls(observed=observed, definition=definition, parameters=parameters, feed=feed,
                   steps={s.activity: s for s in observed.observed.steps},
                   activity_of={s["id"]: s["activity"] for s in feed["steps"]}, cases=cases,
                   floor=max(parameters.min_cases, parameters.min_case_share * cases))

    @property
    def flows_json(self) -> list[dict]:
        return self.feed["flows"]

    def cases_of(self, activity: str) -> int:
        step = self.steps.get(activity)
        return step.cases if step else 0

    @property
    def expected_evidence(self) -> list[EvidenceFollow]:
        """Evidence steps that usually follow their step (in at least the expected share of its
        instances)."""
        p = self.parameters
        return [e for e in self.observed.synergy.evidence_follows
                if e.units and e.followed >= p.evidence_expected_share * e.units]
