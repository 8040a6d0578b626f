"""The blueprint's colours and type: one palette for the page, the SVG and the PNG."""

FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

THEME = {
    "font": FONT,
    "background": "#ffffff",
    "text": "#1f2933",
    "muted": "#52606d",
    "band": {"evidence": "#f7f3e8", "customer": "#e8f1fb", "frontstage": "#eaf6ee",
             "backstage": "#f3eefa", "support": "#f2f2f2"},
    "band_text": "#323f4b",
    "line": "#7b8794",
    "phase_header": "#ffffff",
    "phase_divider": "#cbd2d9",
    "card": "#ffffff",
    "card_border": "#9aa5b1",
    "evidence": "#fff8e1",
    "evidence_border": "#c9a227",
    "flow": "#616e7c",
    "flow_backward": "#9a6b00",
    "worst": "#c62828",
    "label": "#ffffff",
    "status": {"slower": "#c62828", "faster": "#2e7d32", "as_assumed": "#52606d", "not_observed": "#8e6c00"},
}
