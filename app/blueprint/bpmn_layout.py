"""Lay a process graph out in fixed lane bands, left to right. Pure: plain data in, boxes out.

Columns come from a longest-path layering with the back edges of loops left out, so the width grows
with the longest path (every column holds a node of it, none is empty). A column is as wide as its
widest shape, so columns of gateways and events stay narrow. Inside a (lane, column) cell the nodes
stack in rows; a node takes the row of a predecessor in its lane when that row is free, which keeps
sequences on one straight line. Each lane band is as tall as its fullest cell needs; the lanes keep
their given order, top to bottom, and the pool holds them all."""

from collections import deque
from dataclasses import dataclass

SIZES = {"task": (100, 80), "gateway": (50, 50), "event": (36, 36)}
GAP = 50  # between columns: the vertical parts of edges run in the middle of it
ROW_H = 110  # one row: the tallest shape (80) with 15 px above and below, where edges may run
LANE_PAD = 20  # above the first row and below the last one of a lane
LABEL_W = 30  # the band with the pool's name, and each lane's


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "task", "gateway" or "event" (SIZES)
    lane: str


@dataclass(frozen=True)
class Flow:
    id: str
    source: str
    target: str


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Grid:
    """Where things went: every node's column and box, the columns' x extents, and the lines
    no shape crosses (the middles of the gaps between columns; the borders between rows)."""

    pool: Box
    lanes: dict[str, Box]
    shapes: dict[str, Box]
    column: dict[str, int]
    spans: list[tuple[float, float]]  # per column: left x, right x
    gaps: list[float]  # x of the gap's middle before column c (one more: after the last column)
    channels: list[float]  # y of every row border, top to bottom
    back: frozenset[str]  # ids of the flows that are back edges of loops


def back_edges(nodes: list[Node], flows: list[Flow]) -> frozenset[str]:
    """The flows that close a cycle in a depth-first search from the start nodes (nodes without
    incoming flows first, then the rest in the given order)."""
    out: dict[str, list[Flow]] = {n.id: [] for n in nodes}
    has_in = {f.target for f in flows}
    for f in flows:
        out[f.source].append(f)
    state: dict[str, int] = {}  # 1: on the search path, 2: done
    back = set()
    for root in [n.id for n in nodes if n.id not in has_in] + [n.id for n in nodes]:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, rest = stack[-1]
            flow = next(rest, None)
            if flow is None:
                state[node] = 2
                stack.pop()
            elif state.get(flow.target) == 1:
                back.add(flow.id)
            elif flow.target not in state:
                state[flow.target] = 1
                stack.append((flow.target, iter(out[flow.target])))
    return frozenset(back)


def columns(nodes: list[Node], flows: list[Flow], back: frozenset[str]) -> dict[str, int]:
    """Longest-path layering over the forward flows (a topological order, Kahn's)."""
    forward = [f for f in flows if f.id not in back]
    indegree = {n.id: 0 for n in nodes}
    out: dict[str, list[str]] = {n.id: [] for n in nodes}
    for f in forward:
        indegree[f.target] += 1
        out[f.source].append(f.target)
    column = {n.id: 0 for n in nodes}
    ready = deque(n.id for n in nodes if indegree[n.id] == 0)
    while ready:
        node = ready.popleft()
        for target in out[node]:
            column[target] = max(column[target], column[node] + 1)
            indegree[target] -= 1
            if indegree[target] == 0:
                ready.append(target)
    return column


def rows(nodes: list[Node], flows: list[Flow], back: frozenset[str], column: dict[str, int]) -> dict[str, int]:
    """Each node's row in its lane: column by column, a node wants the lowest row of its forward
    predecessors in its lane (ties: the order of those flows) and gets the nearest free row at or
    below it; nodes with no such predecessor take the free rows left, in the given order."""
    lane = {n.id: n.lane for n in nodes}
    preds: dict[str, list[tuple[str, int]]] = {n.id: [] for n in nodes}
    for k, f in enumerate(flows):
        if f.id not in back and lane[f.source] == lane[f.target]:
            preds[f.target].append((f.source, k))
    cells: dict[tuple[int, str], list[str]] = {}
    for n in sorted(nodes, key=lambda n: column[n.id]):  # stable: the given order within a column
        cells.setdefault((column[n.id], n.lane), []).append(n.id)
    row: dict[str, int] = {}
    for key in sorted(cells, key=lambda k: k[0]):
        wants = {}
        for node in cells[key]:
            placed = [(row[p], k) for p, k in preds[node] if p in row]
            wants[node] = min(placed) if placed else None
        taken: set[int] = set()
        order = sorted((n for n in cells[key] if wants[n] is not None), key=lambda n: wants[n])
        for node in order + [n for n in cells[key] if wants[n] is None]:
            r = wants[node][0] if wants[node] is not None else 0
            while r in taken:
                r += 1
            taken.add(r)
            row[node] = r
    return row


def grid(nodes: list[Node], flows: list[Flow], lanes: list[str]) -> Grid:
    """Columns, rows, and from them every box: the pool, one band per lane, one shape per node."""
    back = back_edges(nodes, flows)
    column = columns(nodes, flows, back)
    row = rows(nodes, flows, back, column)
    size = {n.id: SIZES[n.kind] for n in nodes}
    count = max(column.values(), default=-1) + 1
    widths = [0.0] * count
    for node, c in column.items():
        widths[c] = max(widths[c], size[node][0])
    spans, x = [], 2 * LABEL_W + GAP
    for width in widths:
        spans.append((x, x + width))
        x += width + GAP
    gaps = [left - GAP / 2 for left, _ in spans] + [x - GAP / 2]
    pool_w = max(x, 2 * LABEL_W + 2 * GAP)
    lane_boxes, channels, y = {}, [], 0.0
    for lane in lanes:
        height = max([row[n.id] + 1 for n in nodes if n.lane == lane], default=1)
        lane_boxes[lane] = Box(LABEL_W, y, pool_w - LABEL_W, 2 * LANE_PAD + height * ROW_H)
        channels += [y + LANE_PAD + r * ROW_H for r in range(height + 1)]
        y += 2 * LANE_PAD + height * ROW_H
    shapes = {}
    for n in nodes:
        (w, h), (left, right) = size[n.id], spans[column[n.id]]
        top = lane_boxes[n.lane].y + LANE_PAD + row[n.id] * ROW_H
        shapes[n.id] = Box((left + right - w) / 2, top + (ROW_H - h) / 2, w, h)
    return Grid(pool=Box(0, 0, pool_w, y), lanes=lane_boxes, shapes=shapes, column=column, spans=spans,
                gaps=gaps, channels=channels, back=back)
