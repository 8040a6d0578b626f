"""Where each shown step sits: lane = row, phase then median position = column. Pure.

Within a phase, steps are taken in order of their median relative position in the cases; a new
column begins when a step's position is more than COLUMN_SPAN past the column's first, or when its
lane's stack in the column is full. Steps of one lane in one column (alternatives at about the
same point of the journey, such as ordering online or by phone) stack. No graph layout is
involved: the same feed always gives the same grid."""

from dataclasses import dataclass

LANE_IDS = ("customer", "frontstage", "backstage", "support")
COLUMN_SPAN = 0.02
MAX_STACK = 3
UNPHASED = "unphased"


@dataclass(frozen=True)
class Cell:
    column: int  # across the whole blueprint, from 0
    slot: int  # place in its lane's stack within the column, from 0


@dataclass(frozen=True)
class Group:
    """A run of columns: one phase, or the steps outside every phase."""

    key: str  # the phase's id, or UNPHASED
    phase: dict | None
    first_column: int
    columns: int


@dataclass(frozen=True)
class Grid:
    cells: dict[str, Cell]
    groups: list[Group]
    depth: dict[str, int]  # per lane: the deepest stack (at least 1)
    columns: int
    occupied: frozenset[str]  # the lanes with a shown step


def _order(step: dict) -> tuple:
    return (step["position"] if step["position"] is not None else 0.0, -step["cases"], step["activity"])


def _columns(steps: list[dict]) -> list[list[tuple[dict, int]]]:
    """The steps of one group in columns, each step with its slot in its lane's stack."""
    columns: list[list[tuple[dict, int]]] = []
    start, stacks = 0.0, {}
    for step in sorted(steps, key=_order):
        position = _order(step)[0]
        if not columns or position - start > COLUMN_SPAN or stacks.get(step["lane"], 0) >= MAX_STACK:
            columns.append([])
            start, stacks = position, {}
        slot = stacks.get(step["lane"], 0)
        stacks[step["lane"]] = slot + 1
        columns[-1].append((step, slot))
    return columns


def _groups(steps: list[dict], phases: list[dict]) -> list[tuple[str, dict | None, list[dict]]]:
    by_phase: dict[int | None, list[dict]] = {}
    for step in steps:
        by_phase.setdefault(step["phase"], []).append(step)
    known = {p["index"] for p in phases}
    out = [(p["id"], p, by_phase.get(p["index"], [])) for p in sorted(phases, key=lambda p: p["index"])]
    outside = [s for phase, members in by_phase.items() if phase not in known for s in members]
    if outside:
        out.append((UNPHASED, None, outside))
    return out


def place_steps(steps: list[dict], phases: list[dict]) -> Grid:
    """The grid of the shown steps: every phase has at least one column, even when empty."""
    cells: dict[str, Cell] = {}
    groups: list[Group] = []
    depth = dict.fromkeys(LANE_IDS, 1)
    column = 0
    for key, phase, members in _groups(steps, phases):
        columns = _columns(members) or [[]]
        groups.append(Group(key=key, phase=phase, first_column=column, columns=len(columns)))
        for placed in columns:
            for step, slot in placed:
                cells[step["id"]] = Cell(column=column, slot=slot)
                depth[step["lane"]] = max(depth[step["lane"]], slot + 1)
            column += 1
    return Grid(cells=cells, groups=groups, depth=depth, columns=column,
                occupied=frozenset(s["lane"] for s in steps))
