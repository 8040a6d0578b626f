"""Edges of a laid-out process: orthogonal waypoints from shape border to shape border. Pure.

Each flow gets the first of a few candidate routes, simplest first, that passes through no shape:
a straight line; one bend out of a gateway's top or bottom corner (splits) or into one (joins);
two bends in the gap after the source or before the target; a detour along a row border. The last
kind always exists and is always clear, since no shape crosses a row border or a gap's middle: so
every edge misses every shape but its own two ends."""

from bisect import bisect_left, bisect_right

from app.blueprint.bpmn_layout import Box, Flow, Grid

Point = tuple[float, float]


def _hits(points: list[Point], boxes: list[Box]) -> bool:
    """Whether a segment of the route enters the inside of a box (touching a border is no hit)."""
    for (x1, y1), (x2, y2) in zip(points, points[1:], strict=False):
        lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
        # Segments are axis-parallel: strict inequalities leave out those that only touch a border.
        if any(lo_x < b.right and hi_x > b.x and lo_y < b.bottom and hi_y > b.y for b in boxes):
            return True
    return False


class Router:
    """Routes flows on one grid; shapes are looked up by column, so a check stays local."""

    def __init__(self, grid: Grid, kinds: dict[str, str]) -> None:
        self.grid, self.kinds = grid, kinds
        self.lefts = [left for left, _ in grid.spans]
        self.by_column: list[list[Box]] = [[] for _ in grid.spans]
        for node, c in grid.column.items():
            self.by_column[c].append(grid.shapes[node])

    def near(self, x1: float, x2: float) -> list[Box]:
        lo, hi = min(x1, x2), max(x1, x2)
        first = max(bisect_right(self.lefts, lo) - 1, 0)
        last = bisect_left(self.lefts, hi)
        return [b for column in self.by_column[first:last + 1] for b in column]

    def clear(self, points: list[Point]) -> bool:
        xs = [x for x, _ in points]
        return not _hits(points, self.near(min(xs), max(xs)))

    def route(self, flow: Flow) -> list[Point]:
        a, b = self.grid.shapes[flow.source], self.grid.shapes[flow.target]
        ca, cb = self.grid.column[flow.source], self.grid.column[flow.target]
        after, before = self.grid.gaps[ca + 1], self.grid.gaps[cb]
        channels = sorted(self.grid.channels, key=lambda y: (abs(y - a.cy) + abs(y - b.cy), y))
        if flow.id in self.grid.back or ca >= cb:
            tries = [_around(a, b, y) for y in channels[:4]]
        else:
            tries = self._forward(flow, a, b, after, before) + [
                _around(a, b, y) for y in channels[:4] if self._gateways(flow)]
        for points in tries:
            if points and self.clear(points):
                return _tidy(points)
        y = channels[0]  # along a row border, bends in the middles of gaps: nothing in the way
        return _tidy([(a.right, a.cy), (after, a.cy), (after, y), (before, y), (before, b.cy), (b.x, b.cy)])

    def _gateways(self, flow: Flow) -> bool:
        return self.kinds[flow.source] == "gateway" and self.kinds[flow.target] == "gateway"

    def _forward(self, flow: Flow, a: Box, b: Box, after: float, before: float) -> list[list[Point]]:
        if a.cy == b.cy:
            return [[(a.right, a.cy), (b.x, b.cy)]]
        down = b.cy > a.cy
        tries = []
        if self.kinds[flow.source] == "gateway":  # a split: out of the corner facing the target
            tries.append([(a.cx, a.bottom if down else a.y), (a.cx, b.cy), (b.x, b.cy)])
        if self.kinds[flow.target] == "gateway":  # a join: into the corner facing the source
            tries.append([(a.right, a.cy), (b.cx, a.cy), (b.cx, b.y if down else b.bottom)])
        tries += [[(a.right, a.cy), (x, a.cy), (x, b.cy), (b.x, b.cy)] for x in dict.fromkeys((after, before))]
        return tries


def _around(a: Box, b: Box, y: float) -> list[Point] | None:
    """Out of the source's top or bottom, along the row border y, into the target's top or bottom
    (both above y, or both below it); None when y lies between them."""
    if y >= max(a.bottom, b.bottom):
        return [(a.cx, a.bottom), (a.cx, y), (b.cx, y), (b.cx, b.bottom)]
    if y <= min(a.y, b.y):
        return [(a.cx, a.y), (a.cx, y), (b.cx, y), (b.cx, b.y)]
    return None


def _tidy(points: list[Point]) -> list[Point]:
    """Without repeated points and without middle points of straight runs."""
    out: list[Point] = []
    for p in points:
        if out and p == out[-1]:
            continue
        if len(out) >= 2 and (out[-2][0] == out[-1][0] == p[0] or out[-2][1] == out[-1][1] == p[1]):
            out[-1] = p
        else:
            out.append(p)
    return out


def routes(grid: Grid, flows: list[Flow], kinds: dict[str, str]) -> dict[str, list[Point]]:
    """Waypoints of every flow, by flow id."""
    router = Router(grid, kinds)
    return {f.id: router.route(f) for f in flows}
