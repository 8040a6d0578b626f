"""The layout's SVG as a PNG, drawn by resvg (resvg-py: the Rust renderer in a self-contained
wheel; no system library, no network, and the same text shaping on every machine with the font)."""

import resvg_py

from app.web.theme import THEME


def render_png(svg: str, *, zoom: float = 1.0) -> bytes:
    """PNG bytes of an SVG document, `zoom` times its size, on the theme's background."""
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background=THEME["background"]))
