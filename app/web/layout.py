"""The blueprint's layout, computed from its feed: lanes as rows, phases then median position as
columns, cards, evidence, arrows and labels. Pure: the feed (a dict of schema blueprint-feed/1)
in, a Layout out. The page, the SVG export and the PNG export all draw this one layout, so they
show the same picture; nothing is left to a generic graph layout."""

from app.web import cards
from app.web.grid import LANE_IDS, UNPHASED, Grid, place_steps
from app.web.routing import Ends, flow_id, route_flows
from app.web.shapes import Band, Box, Evidence, Layout, LegendItem, Line, Phase
from app.web.theme import THEME
from app.web.visibility import Visible, visible

MARGIN, TITLE_H, HEADER_H, LABEL_W = 24, 64, 72, 176
COLUMN_W, GROUP_PAD = cards.CARD_W + 44, 16
LANE_PAD, STACK_GAP = 22, 12
EVIDENCE_H, EVIDENCE_GAP, EVIDENCE_MAX = 22, 6, 3
LEGEND_H, MIN_WIDTH, EMPTY_LANE_H = 56, 960, 64
BAND_NAMES = {"evidence": "Physical evidence", "customer": "Customer actions", "frontstage": "Frontstage",
              "backstage": "Backstage", "support": "Support processes"}
BAND_CAPTIONS = {"evidence": "what the customer sees or gets", "customer": "what the customer does",
                 "frontstage": "staff the customer meets",
                 "backstage": "work the customer does not see", "support": "systems, partners, suppliers"}
LINES = (("interaction", "customer", "frontstage"), ("visibility", "frontstage", "backstage"),
         ("internal_interaction", "backstage", "support"))


def layout_blueprint(feed: dict, *, step_share: float | None = None, flow_share: float | None = None) -> Layout:
    """The layout of a feed, with the steps and flows over their frequency thresholds."""
    shown = visible(feed, step_share=step_share, flow_share=flow_share)
    grid = place_steps(shown.steps, feed["phases"])
    xs = _column_xs(grid)
    evidence_rows = _evidence_rows(shown.steps, grid)
    top = MARGIN + TITLE_H + HEADER_H
    tall = _card_heights(shown.steps)
    bands = _bands(grid, evidence_rows, top, width=MARGIN + LABEL_W + _groups_width(grid), tall=tall)
    lane_y = {b.id: b.box.y for b in bands}
    steps = [cards.step_card(s, _card_box(s, grid, xs, lane_y, tall), _phase_key(s, grid)) for s in shown.steps]
    boxes = {s.id: s.box for s in steps}
    lines = _lines(bands, feed)
    flows = _flows(shown, grid, boxes, {line.id: line.y for line in lines})
    bottom = bands[-1].box.bottom
    width = max(MIN_WIDTH, bands[0].box.right + MARGIN)
    return Layout(width=width, height=bottom + LEGEND_H + MARGIN, title=feed["blueprint"]["name"],
                  subtitle=cards.subtitle(feed), bands=bands, lines=lines,
                  phases=_phases(grid, feed, top, bottom), steps=steps,
                  evidence=_evidence(shown.steps, grid, xs, lane_y, boxes), flows=flows,
                  legend=_legend(shown), legend_y=bottom + 20, thresholds=_thresholds(shown),
                  hidden={"steps": shown.folded_steps, "flows": shown.folded_flows,
                          "unmapped_steps": shown.unplaced_steps, "loops": shown.loops}, theme=THEME)


def _groups_width(grid: Grid) -> float:
    return sum(g.columns * COLUMN_W + GROUP_PAD for g in grid.groups)


def _column_xs(grid: Grid) -> list[float]:
    """The left edge of each column's cards."""
    xs, left = [], MARGIN + LABEL_W
    for group in grid.groups:
        for i in range(group.columns):
            xs.append(left + GROUP_PAD / 2 + i * COLUMN_W + (COLUMN_W - cards.CARD_W) / 2)
        left += group.columns * COLUMN_W + GROUP_PAD
    return xs


def _phase_key(step: dict, grid: Grid) -> str:
    column = grid.cells[step["id"]].column
    return next(g.key for g in grid.groups if g.first_column <= column < g.first_column + g.columns)


def _evidence_rows(steps: list[dict], grid: Grid) -> dict[int, list[tuple[dict, dict]]]:
    """Per column, the evidence items above it: (step, item), the step's top items first."""
    rows: dict[int, list[tuple[dict, dict]]] = {}
    for step in sorted(steps, key=lambda s: (grid.cells[s["id"]].column, LANE_IDS.index(s["lane"]))):
        for item in sorted(step["evidence"], key=lambda e: (-e["events"], e["name"])):
            rows.setdefault(grid.cells[step["id"]].column, []).append((step, item))
    return rows


def _card_heights(steps: list[dict]) -> dict[str, float]:
    """Per lane, the height of its cards: the tallest any of its cards needs."""
    tall = dict.fromkeys(LANE_IDS, float(cards.MIN_CARD_H))
    for step in steps:
        tall[step["lane"]] = max(tall[step["lane"]], cards.card_height(step))
    return tall


def _bands(grid: Grid, evidence_rows: dict, top: float, width: float, tall: dict[str, float]) -> list[Band]:
    deepest = min(max((len(v) for v in evidence_rows.values()), default=1), EVIDENCE_MAX)
    heights = {"evidence": 2 * LANE_PAD + deepest * EVIDENCE_H + (deepest - 1) * EVIDENCE_GAP}
    for lane in LANE_IDS:
        depth = grid.depth[lane]
        heights[lane] = (2 * LANE_PAD + depth * tall[lane] + (depth - 1) * STACK_GAP if lane in grid.occupied
                         else EMPTY_LANE_H)
    bands, y = [], top
    for band in ("evidence", *LANE_IDS):
        caption = BAND_CAPTIONS[band] if band == "evidence" or band in grid.occupied else "no step shown in this lane"
        bands.append(Band(id=band, name=BAND_NAMES[band], caption=caption,
                          box=Box(MARGIN, y, width - MARGIN, heights[band])))
        y += heights[band]
    return bands


def _card_box(step: dict, grid: Grid, xs: list[float], lane_y: dict[str, float], tall: dict[str, float]) -> Box:
    cell, height = grid.cells[step["id"]], tall[step["lane"]]
    y = lane_y[step["lane"]] + LANE_PAD + cell.slot * (height + STACK_GAP)
    return Box(round(xs[cell.column], 1), round(y, 1), cards.CARD_W, height)


def _lines(bands: list[Band], feed: dict) -> list[Line]:
    by_id = {b.id: b for b in bands}
    names = {line["id"]: line["name"] for line in feed["lines"]}
    out = []
    for line_id, above, _below in LINES:
        y = by_id[above].box.bottom
        out.append(Line(id=line_id, name=names.get(line_id, line_id), y=y, x1=MARGIN, x2=by_id[above].box.right,
                        note=cards.line_note(feed, line_id)))
    return out


def _flows(shown: Visible, grid: Grid, boxes: dict[str, Box], line_y: dict[str, float]):
    flows = [{**f, "id": flow_id(f)} for f in shown.flows]
    ends = {f["id"]: Ends(source=boxes[f["source_step"]], target=boxes[f["target_step"]],
                          source_column=grid.cells[f["source_step"]].column,
                          target_column=grid.cells[f["target_step"]].column) for f in flows}
    return route_flows(flows, ends, line_y, list(boxes.values()))


def _phases(grid: Grid, feed: dict, top: float, bottom: float) -> list[Phase]:
    out, left = [], MARGIN + LABEL_W
    for group in grid.groups:
        width = group.columns * COLUMN_W + GROUP_PAD
        header = Box(left, MARGIN + TITLE_H, width, HEADER_H - 8)
        column = Box(left, top, width, bottom - top)
        if group.key == UNPHASED:
            out.append(Phase(id=UNPHASED, name="Not in a phase", header=header, column=column,
                             lines=["steps no phase names"], status=None, tooltip="Steps no phase names"))
        else:
            out.append(cards.phase_header(group.phase, header, column, feed["stats"]["cases"]))
        left += width
    return out


def _evidence(steps: list[dict], grid: Grid, xs: list[float], lane_y: dict[str, float],
              boxes: dict[str, Box]) -> list[Evidence]:
    out = []
    band_top = lane_y["evidence"] + LANE_PAD
    for column, items in sorted(_evidence_rows(steps, grid).items()):
        shown = items if len(items) <= EVIDENCE_MAX else items[:EVIDENCE_MAX - 1]
        for i, (step, item) in enumerate(shown):
            box = Box(round(xs[column], 1), band_top + i * (EVIDENCE_H + EVIDENCE_GAP), cards.CARD_W, EVIDENCE_H)
            lane_offset = 14 + 8 * LANE_IDS.index(step["lane"])
            connector = [box.x + lane_offset, box.bottom, boxes[step["id"]].y]
            out.append(Evidence(step=step["id"], name=item["name"], box=box,
                                text=cards.evidence_text(item), connector=connector))
        if len(items) > EVIDENCE_MAX:
            rest = items[EVIDENCE_MAX - 1:]
            box = Box(round(xs[column], 1), band_top + (EVIDENCE_MAX - 1) * (EVIDENCE_H + EVIDENCE_GAP),
                      cards.CARD_W, EVIDENCE_H)
            out.append(Evidence(step=rest[0][0]["id"], name="", box=box, text=f"+ {len(rest)} more",
                                connector=[]))
    return out


def _thresholds(shown: Visible) -> dict:
    return {kind: {"share": t.share, "min_cases": t.min_cases, "default": t.default}
            for kind, t in (("steps", shown.step_threshold), ("flows", shown.flow_threshold))}


def _legend(shown: Visible) -> list[LegendItem]:
    return [LegendItem("step", "step: events, cases, waiting before (median, p90), service time, rework"),
            LegendItem("slower", "red: slower than assumed"),
            LegendItem("flow", "arrow: a flow, as wide as its cases"),
            LegendItem("backward", "dashed: back to an earlier step"),
            LegendItem("worst", "slowest handoff across a line (count · median wait)"),
            LegendItem("folded", cards.folded_text(shown))]
