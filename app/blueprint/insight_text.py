"""How an insight is written down: its JSON shape, a stable id, and numbers and durations a
person reads ("5.4 days", "2,362", "16.1%"). Pure."""

import hashlib
from dataclasses import dataclass, field

from app.blueprint.ids import step_id


def duration(seconds: float | None) -> str:
    """Seconds as a person says them: 75 s, 12 min, 4.2 h, 5.4 days, 487 days (a tenth of a day
    means nothing past 100 days), 1,204 days."""
    if seconds is None:
        return "unknown"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 36 * 3600:
        return f"{seconds / 3600:.1f} h"
    if seconds < 100 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / 86400:,.0f} days"


def total(seconds: float) -> str:
    """A sum of waits: in whole days from 100 days on (2,362 days), else as a duration."""
    return f"{seconds / 86400:,.0f} days" if seconds >= 100 * 86400 else duration(seconds)


def count(n: float) -> str:
    return f"{n:,.0f}"


def times(n: int) -> str:
    return "once" if n == 1 else f"{count(n)} times"


def plural(n: int, word: str) -> str:
    return f"{count(n)} {word}" if n == 1 else f"{count(n)} {word}s"


def share(x: float | None) -> str:
    return "unknown" if x is None else f"{x:.1%}"


def quoted(names) -> str:
    """'a', 'b' and 'c'."""
    items = [f"'{n}'" for n in names]
    if len(items) < 2:
        return items[0] if items else "none"
    return ", ".join(items[:-1]) + " and " + items[-1]


def ordinal(rank: int) -> str:
    return {1: "", 2: "second-", 3: "third-"}.get(rank, f"{rank}th-")


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


@dataclass
class Insight:
    """One finding of the synergy analysis, and what it names."""

    kind: str
    subject: str  # what the finding is about, for its id: a step, a flow, a phase, a role
    summary: str
    numbers: dict[str, float | int | None]
    cases: int
    steps: list[str] = field(default_factory=list)  # activities
    flows: list[tuple[str, str]] = field(default_factory=list)  # (source, target) activities
    handoffs: list[tuple[str, str, str]] = field(default_factory=list)  # (by, from, to)
    roles: list[str] = field(default_factory=list)
    breakdown: list[dict] = field(default_factory=list)  # {label, step (activity or None), numbers}

    def as_json(self, total_cases: int) -> dict:
        digest = hashlib.sha1(f"{self.kind}\n{self.subject}".encode()).hexdigest()[:12]
        return {"kind": self.kind, "id": f"{self.kind}-{digest}", "summary": self.summary,
                "numbers": self.numbers, "steps": [step_id(a) for a in dict.fromkeys(self.steps)],
                "flows": [{"source_step": step_id(a), "target_step": step_id(b)} for a, b in self.flows],
                "handoffs": [{"by": by, "from": a, "to": b} for by, a, b in self.handoffs], "roles": self.roles,
                "cases": {"count": self.cases, "share": self.cases / total_cases if total_cases else 0.0},
                "breakdown": [{"label": row["label"], "step": step_id(row["step"]) if row.get("step") else None,
                               "numbers": row["numbers"]} for row in self.breakdown]}
