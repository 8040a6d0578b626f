"""Reading the blueprint page's picture back: its bands, lines, phases and step cards, as drawn."""

import re

READ_PICTURE = """() => {
  const box = (el) => { const r = el.getBBox(); return {x: r.x, y: r.y, width: r.width, height: r.height}; };
  const texts = (g, cls) => [...g.querySelectorAll(`text.${cls}`)].map((t) => t.textContent);
  return {
    bands: [...document.querySelectorAll('#picture g.band')].map((g) => ({id: g.id.slice(5),
      name: g.querySelector('text').textContent, box: box(g.querySelector('rect'))})),
    lines: [...document.querySelectorAll('#picture g.line')].map((g) => ({id: g.id.slice(5),
      name: g.querySelector('text').textContent, y: Number(g.querySelector('line').getAttribute('y1'))})),
    phases: [...document.querySelectorAll('#picture g.phase')].map((g) => ({id: g.id,
      lines: [...g.querySelectorAll('text')].map((t) => t.textContent)})),
    steps: [...document.querySelectorAll('#picture g.step')].map((g) => ({id: g.id, name: texts(g, 'name'),
      figures: texts(g, 'figure'), box: box(g.querySelector('rect'))})),
    flows: [...document.querySelectorAll('#picture g.flow')].map((g) => g.id),
  };
}"""

COUNTS = re.compile(r"^([\d,]+) (?:events|ev) · ([\d,]+) cases$")


def read_picture(page) -> dict:
    return page.evaluate(READ_PICTURE)


def counts_of(figure: str) -> tuple[int, int]:
    """Events and cases from a card's first figure line ('21,221 events · 4,580 cases')."""
    found = COUNTS.match(figure)
    assert found, figure
    return int(found[1].replace(",", "")), int(found[2].replace(",", ""))
