"""The thresholds of the synergy analysis (the feed's `insights`): named defaults, each documented,
and the part of a blueprint definition that overrides them (`insights: {...}`).

The defaults live once, here; a definition stores only what it overrides (None elsewhere), so a
better default reaches every blueprint that did not choose its own."""

from dataclasses import dataclass, field, fields, replace

from pydantic import ConfigDict, Field, create_model, field_validator

from app.patterns import check_pattern


def _p(default, doc: str, **bounds):
    return field(default=default, metadata={"doc": doc, **bounds})


@dataclass(frozen=True)
class InsightParameters:
    top: int = _p(3, "at most this many insights of one kind and subject, the highest ranked first", ge=1, le=50)
    min_cases: int = _p(5, "the fewest cases a finding may rest on", ge=1)
    min_case_share: float = _p(0.01, "and the smallest share of all cases", ge=0, le=1)
    stuck_min_ratio: float = _p(2.0, "a flow across the line of visibility or of internal interaction is stuck "
                                     "when its median wait is at least this many times the line's median", ge=1)
    automation_min_per_case: float = _p(0.9, "an automation candidate runs at least this often per case", ge=0)
    automation_max_spread: float = _p(1.5, "and its service time's p90 is at most this many times its median",
                                      ge=1)
    automation_max_resources: int = _p(3, "and at most this many resources do it", ge=1)
    automation_min_timed_share: float = _p(0.5, "and at least this share of its instances has a start (a "
                                                "service time)", ge=0, le=1)
    system_pattern: str = _p(r"(?i)(^|[^a-z])(bot|api|system|robot|rpa|batch|cron|daemon)([^a-z]|$)",
                             "RE2: a resource or role it matches is a system, not a person (its work is already "
                             "automated and is no staff effort)")
    contact_pattern: str = _p(r"(?i)\b(call|phone|ticket|complain|chat|contact|enquir|inquir)|^report",
                              "RE2: a customer-lane step whose activity, or the channel of most of its instances, "
                              "it matches is a contact (report only at the start: reporting a problem is, signing "
                              "a report is not)")
    fail_min_return_share: float = _p(0.8, "a step is a failure when after at least this share of its instances "
                                           "the case goes back to a step it had done before", ge=0, le=1)
    fail_max_case_share: float = _p(0.5, "and at most this share of the cases do it (what most cases do is the "
                                         "process, not a failure)", ge=0, le=1)
    rework_min_case_share: float = _p(0.05, "a rework loop is reported when at least this share of the cases "
                                            "doing the step repeat it", ge=0, le=1)
    shared_step_min_share: float = _p(0.1, "a step is shared between roles (or lanes) when a second one does at "
                                           "least this share of its instances", ge=0, le=1)
    duplicate_min_overlap: float = _p(0.5, "two steps that do the same action on the same object by different "
                                           "roles are duplicated when both happen in at least this share of the "
                                           "units (objects, else cases) of the rarer one", ge=0, le=1)
    evidence_expected_share: float = _p(0.5, "an evidence step is expected after the step that usually precedes "
                                             "it when it follows at least this share of that step's instances",
                                        ge=0, le=1)
    evidence_min_missing_share: float = _p(0.1, "and its absence is a gap from this share on", ge=0, le=1)
    milestone_min_case_share: float = _p(0.5, "a customer milestone (a customer step, or a frontstage step done "
                                              "by people) is one at least this share of the cases reach",
                                         ge=0, le=1)
    main_phase_min_case_share: float = _p(0.5, "the designed path runs through the phases at least this share of "
                                               "the cases enter", ge=0, le=1)


DEFAULTS = InsightParameters()
PATTERNS = ("system_pattern", "contact_pattern")


def _override(f) -> tuple:
    bounds = {k: v for k, v in f.metadata.items() if k in ("ge", "le")}
    return (f.type | None, Field(default=None, description=f"{f.metadata['doc']} (default {f.default!r})",
                                 **bounds))


def _patterns(cls, value):
    return None if value is None else check_pattern(value)


InsightSettings = create_model(
    "InsightSettings", __config__=ConfigDict(extra="forbid", allow_inf_nan=False),
    __doc__="Overrides of the insights' thresholds (InsightParameters); a field left out keeps its default.",
    __validators__={"_patterns": field_validator(*PATTERNS)(classmethod(_patterns))},
    **{f.name: _override(f) for f in fields(InsightParameters)})


def parameters_of(settings) -> InsightParameters:
    """The defaults with a definition's overrides applied."""
    given = {k: v for k, v in settings.model_dump().items() if v is not None} if settings is not None else {}
    return replace(DEFAULTS, **given)


def parameters_json(parameters: InsightParameters) -> dict:
    return {f.name: getattr(parameters, f.name) for f in fields(parameters)}
