"""The SVG export: valid SVG, the layout's picture, one element per shown step, every text escaped;
the PNG: resvg's drawing of it, of the same size."""

import io

from lxml import etree
from PIL import Image

from app.web.layout import layout_blueprint
from app.web.png import render_png
from app.web.svg import render_svg
from tests.web.feeds import flow, journey, step

NS = {"svg": "http://www.w3.org/2000/svg"}
SCRIPT = "<script>alert(1)</script> & \"quotes\""


def _parsed(svg: str):
    return etree.fromstring(svg.encode())


def test_the_svg_holds_one_group_per_shown_step_and_flow_at_the_layouts_places():
    layout = layout_blueprint(journey())
    root = _parsed(render_svg(layout))
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert (root.get("width"), root.get("height")) == (f"{layout.width:g}", f"{layout.height:g}")
    groups = root.findall(".//svg:g[@class='step']", NS)
    assert [g.get("id") for g in groups] == [s.id for s in layout.steps]
    for g, card in zip(groups, layout.steps, strict=True):
        rect = g.find("svg:rect", NS)
        assert (float(rect.get("x")), float(rect.get("y"))) == (card.box.x, card.box.y)
        assert [t.text for t in g.findall("svg:text[@class='figure']", NS)] == card.figures
        assert g.find("svg:title", NS).text == card.tooltip
    assert len(root.findall(".//svg:g[@class='flow']", NS)) == len(layout.flows)
    assert len(root.findall(".//svg:g[@class='band']", NS)) == 5
    assert [g.get("id") for g in root.findall(".//svg:g[@class='line']", NS)] == [
        "line-interaction", "line-visibility", "line-internal_interaction"]
    assert not root.findall(".//svg:script", NS) and b"<script" not in etree.tostring(root)


def test_every_name_from_the_data_is_escaped():
    feed = journey()
    bad = step(SCRIPT, "customer", 1, 0.9, 80, evidence=[("<img src=x onerror=alert(1)>", 80)])
    feed["steps"].append(bad)
    feed["flows"].append(flow(feed["steps"][3], bad, 80))
    feed["blueprint"]["name"] = "</svg><script>x</script>"
    svg = render_svg(layout_blueprint(feed))
    root = _parsed(svg)
    assert "<script>" not in svg and "<img" not in svg
    group = root.find(f".//svg:g[@id='{bad['id']}']", NS)
    assert group.find("svg:title", NS).text == SCRIPT
    assert root.find("svg:title", NS).text == "</svg><script>x</script>"
    assert not root.findall(".//svg:script", NS) and not root.findall(".//svg:img", NS)


def test_the_png_is_the_svg_drawn_at_its_size():
    layout = layout_blueprint(journey())
    image = Image.open(io.BytesIO(render_png(render_svg(layout))))
    assert image.format == "PNG" and image.size == (round(layout.width), round(layout.height))
    half = Image.open(io.BytesIO(render_png(render_svg(layout), zoom=0.5)))
    assert half.size == (round(layout.width / 2), round(layout.height / 2))
    assert len(set(image.convert("RGB").getdata())) > 20  # drawn, not blank


def test_names_with_characters_xml_forbids_still_make_a_readable_svg_and_png():
    # Found by `make fuzz`: a blueprint named with a control character made GET /png answer 500.
    feed = journey()
    feed["blueprint"]["name"] = "K\x8a\x05\x0b name\udd3e"
    feed["steps"][0]["activity"] = "Open\x00 ticket"
    svg = render_svg(layout_blueprint(feed))
    root = _parsed(svg)
    assert root.find("svg:title", NS).text == "K\x8a\ufffd\ufffd name\ufffd"
    assert Image.open(io.BytesIO(render_png(svg))).format == "PNG"
