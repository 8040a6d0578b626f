"""The layout's shapes: what the page, the SVG and the PNG draw, in one coordinate space (px)."""

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2

    def overlaps(self, other: "Box", gap: float = 0) -> bool:
        return not (self.right + gap <= other.x or other.right + gap <= self.x
                    or self.bottom + gap <= other.y or other.bottom + gap <= self.y)


@dataclass(frozen=True)
class Band:
    """A horizontal band: the evidence, or one lane."""

    id: str
    name: str
    caption: str
    box: Box


@dataclass(frozen=True)
class Line:
    """One of the blueprint's three lines, drawn between two bands."""

    id: str
    name: str
    y: float
    x1: float
    x2: float
    note: str  # the handoffs across it, in a few words


@dataclass(frozen=True)
class Phase:
    """A column group with its header: the phase's name, observed and assumed durations."""

    id: str
    name: str
    header: Box
    column: Box  # the phase's extent over the bands
    lines: list[str]
    status: str | None  # the assumed duration's comparison: slower, faster, as_assumed, not_observed
    tooltip: str


@dataclass(frozen=True)
class Step:
    id: str
    activity: str
    lane: str
    phase: str
    box: Box
    title: list[str]
    figures: list[str]
    status: str | None  # the step's assumed duration compared with what it measures
    tooltip: str


@dataclass(frozen=True)
class Evidence:
    step: str
    name: str
    box: Box
    text: str
    connector: list[float]  # x, y1, y2 of the dotted line down to its step


@dataclass(frozen=True)
class Label:
    box: Box
    text: str
    line: str
    worst: bool


@dataclass(frozen=True)
class Flow:
    id: str
    source_step: str
    target_step: str
    path: str  # SVG path data
    width: float
    backward: bool  # to a step in an earlier column: a loop back
    crosses: list[str]
    worst_at: list[str]  # the lines across which it is the slowest handoff
    label: Label | None
    tooltip: str


@dataclass(frozen=True)
class LegendItem:
    kind: str  # step, slower, flow, backward, worst, evidence, line
    text: str


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    title: str
    subtitle: str
    bands: list[Band]
    lines: list[Line]
    phases: list[Phase]
    steps: list[Step]
    evidence: list[Evidence]
    flows: list[Flow]
    legend: list[LegendItem]
    legend_y: float
    thresholds: dict
    hidden: dict
    theme: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"schema": "blueprint-layout/1", **asdict(self)}
