"""The layout of a feed: bands, lines, phase columns, cards, evidence, arrows; deterministic."""

import json

from app.web.layout import layout_blueprint
from tests.web.feeds import journey, many_steps


def _inside(inner, outer) -> bool:
    return (outer.x <= inner.x and inner.right <= outer.right + 1e-6 and outer.y <= inner.y
            and inner.bottom <= outer.bottom + 1e-6)


def test_bands_run_top_to_bottom_and_the_lines_lie_between_them():
    layout = layout_blueprint(journey())
    assert [b.id for b in layout.bands] == ["evidence", "customer", "frontstage", "backstage", "support"]
    for upper, lower in zip(layout.bands, layout.bands[1:], strict=False):
        assert upper.box.bottom == lower.box.y
    bands = {b.id: b.box for b in layout.bands}
    assert [(line.id, line.y) for line in layout.lines] == [
        ("interaction", bands["customer"].bottom), ("visibility", bands["frontstage"].bottom),
        ("internal_interaction", bands["backstage"].bottom)]
    assert [line.name for line in layout.lines] == ["Line of interaction", "Line of visibility",
                                                    "Line of internal interaction"]


def test_each_card_sits_in_its_lane_and_in_its_phases_column():
    feed = journey()
    layout = layout_blueprint(feed)
    bands = {b.id: b.box for b in layout.bands}
    phases = {p.id: p for p in layout.phases}
    lanes = {s["id"]: s["lane"] for s in feed["steps"]}
    assert len(layout.steps) == 6
    for card in layout.steps:
        assert _inside(card.box, bands[lanes[card.id]])
        assert _inside(card.box, phases[card.phase].column)
    by_name = {c.activity: c for c in layout.steps}
    assert by_name["Order online"].box.x == by_name["Order by phone"].box.x  # stacked alternatives
    assert by_name["Order online"].box.y < by_name["Order by phone"].box.y
    assert by_name["Send confirmation"].box.x < by_name["Pick items"].box.x < by_name["Courier delivers"].box.x


def test_cards_and_headers_carry_the_feeds_figures():
    layout = layout_blueprint(journey())
    card = next(c for c in layout.steps if c.activity == "Send confirmation")
    assert card.figures == ["100 events · 100 cases", "wait 1 h · p90 2 h", "service 2 min · p90 4 min",
                            "assumed 1 min · slower ×2.0"]
    assert card.status == "slower"
    pick = next(c for c in layout.steps if c.activity == "Pick items")
    assert "rework in 12% of cases" in pick.figures
    order = layout.phases[0]
    assert order.lines == ["Order", "median 2 h · p90 4 h", "assumed 1 h · slower ×2.0"] and order.status == "slower"
    assert layout.phases[1].lines[2] == "no assumed duration"


def test_evidence_sits_in_its_band_above_its_steps_column():
    layout = layout_blueprint(journey())
    band = layout.bands[0].box
    cards = {c.id: c.box for c in layout.steps}
    assert sorted(e.text for e in layout.evidence) == ["confirmation email · 100", "parcel · 95", "web shop · 70"]
    for item in layout.evidence:
        assert _inside(item.box, band) and item.box.x == cards[item.step].x
        x, top, bottom = item.connector
        assert top == item.box.bottom and bottom == cards[item.step].y


def test_flows_crossing_lines_are_labelled_and_the_slowest_per_line_marked():
    layout = layout_blueprint(journey())
    flows = {f.id: f for f in layout.flows}
    assert len(flows) == 6  # the self-loop is the card's rework, not an arrow
    pick_courier = next(f for f in layout.flows if f.crosses == ["internal_interaction"] and not f.backward)
    assert pick_courier.worst_at == ["internal_interaction"]
    assert pick_courier.label.text == "slowest: 95 · 1.2 d"  # 30 h
    back = next(f for f in layout.flows if f.backward)
    assert back.label is None or not back.label.worst
    lines = {line.id: line.y for line in layout.lines}
    for f in layout.flows:
        if f.label is not None:
            assert f.label.box.cy == lines[f.label.line] and f.label.line in f.crosses


def test_a_large_log_shows_at_most_60_steps_and_the_same_feed_gives_the_same_layout():
    feed = many_steps(200)
    layout = layout_blueprint(feed)
    assert len(layout.steps) == 60 and layout.hidden["steps"] == 140
    assert layout.thresholds["steps"]["default"] and layout.thresholds["steps"]["min_cases"] == 761
    assert layout_blueprint(feed).as_json() == layout.as_json()
    assert json.loads(json.dumps(layout.as_json()))["schema"] == "blueprint-layout/1"
    assert len(layout_blueprint(feed, step_share=0).steps) == 200
