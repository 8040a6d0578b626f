"""Flows as arrows between step cards: their paths, where they cross the blueprint's lines, the
labels there, and the slowest handoff across each line. Pure.

Forward flows run from a card's right edge to the next card's left edge; flows within one column
run between bottom and top edges; flows back to an earlier column bow below both cards, dashed.
Each path is one cubic Bézier curve, sampled to find where it crosses a line's y."""

import math
from dataclasses import dataclass

from app.web.format import count, duration
from app.web.shapes import Box, Flow, Label

SAMPLES = 48
LABEL_H, LABEL_CHAR_W, LABEL_PAD = 16, 6.4, 8
MIN_WIDTH, MAX_EXTRA_WIDTH = 1.2, 4.8
BACKWARD_WIDTH = 0.6
WORST_MIN_SHARE = 0.05  # of the most frequent flow across the line: rarer ones are never called slowest

Point = tuple[float, float]


@dataclass(frozen=True)
class Ends:
    """A flow's two cards and their columns."""

    source: Box
    target: Box
    source_column: int
    target_column: int


def curve(ends: Ends) -> tuple[Point, Point, Point, Point, bool]:
    """The Bézier control points of a flow, and whether it runs back to an earlier column."""
    s, t = ends.source, ends.target
    if ends.target_column > ends.source_column:
        p0, p3 = (s.right, s.cy), (t.x, t.cy)
        dx = max(30.0, (p3[0] - p0[0]) / 2)
        return p0, (p0[0] + dx, p0[1]), (p3[0] - dx, p3[1]), p3, False
    if ends.target_column == ends.source_column:
        down = t.y >= s.y
        offset = 10.0 if down else -10.0
        p0 = (s.cx + offset, s.bottom if down else s.y)
        p3 = (t.cx + offset, t.y if down else t.bottom)
        dy = (p3[1] - p0[1]) / 2
        return p0, (p0[0], p0[1] + dy), (p3[0], p3[1] - dy), p3, False
    p0, p3 = (s.x, s.cy + 12), (t.right, t.cy + 12)
    bow = 40.0 + min(abs(p0[0] - p3[0]) / 8, 60.0)
    return p0, (p0[0] - 50, max(p0[1], p3[1]) + bow), (p3[0] + 50, max(p0[1], p3[1]) + bow), p3, True


def _at(points: tuple[Point, Point, Point, Point], t: float) -> Point:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    u = 1 - t
    a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
    return a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3


def crossing(points: tuple[Point, Point, Point, Point], y: float) -> Point | None:
    """Where the curve first crosses the height y (None if it never does)."""
    previous = _at(points, 0.0)
    for i in range(1, SAMPLES + 1):
        current = _at(points, i / SAMPLES)
        if (previous[1] - y) * (current[1] - y) <= 0 and previous[1] != current[1]:
            k = (y - previous[1]) / (current[1] - previous[1])
            return previous[0] + k * (current[0] - previous[0]), y
        previous = current
    return None


def path_data(points: tuple[Point, Point, Point, Point]) -> str:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    return f"M{x0:.1f},{y0:.1f} C{x1:.1f},{y1:.1f} {x2:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"


def stroke_width(cases: int, most: int) -> float:
    """Arrow width by the flow's cases: area-true (square root), 1.2 to 6 px."""
    return round(MIN_WIDTH + MAX_EXTRA_WIDTH * math.sqrt(cases / most), 2) if most else MIN_WIDTH


def slowest_per_line(flows: list[dict]) -> dict[str, str]:
    """Per line: the id of the flow across it with the longest median waiting, among those in at
    least WORST_MIN_SHARE of the cases of the most frequent flow across it (ties: more cases)."""
    out: dict[str, str] = {}
    for line in ("interaction", "visibility", "internal_interaction"):
        across = [f for f in flows if line in f["crosses"] and f["waiting"]["median_s"] is not None]
        if not across:
            continue
        floor = WORST_MIN_SHARE * max(f["cases"] for f in across)
        frequent = [f for f in across if f["cases"] >= floor]
        worst = max(frequent, key=lambda f: (f["waiting"]["median_s"], f["cases"], f["id"]))
        out[line] = worst["id"]
    return out


def flow_id(flow: dict) -> str:
    return f"flow-{flow['source_step'].removeprefix('step-')}-{flow['target_step'].removeprefix('step-')}"


def label_text(flow: dict, worst: bool) -> str:
    text = f"{count(flow['count'])} · {duration(flow['waiting']['median_s'])}"
    return f"slowest: {text}" if worst else text


def tooltip(flow: dict) -> str:
    w = flow["waiting"]
    return (f"{flow['source']} → {flow['target']}: {count(flow['count'])} times in {count(flow['cases'])} cases; "
            f"waiting median {duration(w['median_s'])}, p90 {duration(w['p90_s'])}")


def _candidate(flow: dict, points, line_y: dict[str, float], worst_at: list[str]) -> tuple[str, Point] | None:
    """The line a flow's label goes on (where it is the slowest, else the middle one it crosses)."""
    lines = worst_at or flow["crosses"][len(flow["crosses"]) // 2:][:1]
    for line in lines:
        point = crossing(points, line_y[line])
        if point is not None:
            return line, point
    return None


def place_labels(wanted: list[tuple[dict, str, Point, bool]], keep_clear: list[Box]) -> dict[str, Label]:
    """Labels at their crossings, slowest first then by cases, skipping any that would overlap one
    already placed or a card (its figures stay in the flow's tooltip and details)."""
    placed: dict[str, Label] = {}
    boxes = list(keep_clear)
    for flow, line, (x, y), worst in sorted(wanted, key=lambda w: (not w[3], -w[0]["cases"], w[0]["id"])):
        text = label_text(flow, worst)
        width = len(text) * LABEL_CHAR_W + LABEL_PAD
        box = Box(round(x - width / 2, 1), round(y - LABEL_H / 2, 1), round(width, 1), LABEL_H)
        if worst or not any(box.overlaps(other, 2) for other in boxes):
            placed[flow["id"]] = Label(box=box, text=text, line=line, worst=worst)
            boxes.append(box)
    return placed


def route_flows(flows: list[dict], ends: dict[str, Ends], line_y: dict[str, float],
                cards: list[Box]) -> list[Flow]:
    """The arrows of the shown flows (each dict has an `id`), with their labels and highlights."""
    worst = slowest_per_line(flows)
    most = max((f["cases"] for f in flows), default=0)
    curves, wanted = {}, []
    for flow in flows:
        *points, backward = curve(ends[flow["id"]])
        curves[flow["id"]] = (tuple(points), backward)
        worst_at = [line for line, fid in worst.items() if fid == flow["id"]]
        found = _candidate(flow, tuple(points), line_y, worst_at) if flow["crosses"] else None
        if found is not None:
            wanted.append((flow, found[0], found[1], bool(worst_at)))
    labels = place_labels(wanted, cards)
    # Loops back are drawn thinner: they matter, but should not hide the way forward.
    return [Flow(id=f["id"], source_step=f["source_step"], target_step=f["target_step"],
                 path=path_data(curves[f["id"]][0]),
                 width=round(stroke_width(f["cases"], most) * (BACKWARD_WIDTH if curves[f["id"]][1] else 1), 2),
                 backward=curves[f["id"]][1], crosses=list(f["crosses"]),
                 worst_at=[line for line, fid in worst.items() if fid == f["id"]], label=labels.get(f["id"]),
                 tooltip=tooltip(f)) for f in flows]
