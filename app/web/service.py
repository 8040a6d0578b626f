"""The blueprint's picture: its feed (cached), laid out, drawn as SVG or PNG."""

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from app.blueprint import feed as feeds
from app.blueprint.cache import FeedCache
from app.blueprint.process_model import ModelStore
from app.web.layout import layout_blueprint
from app.web.png import render_png
from app.web.shapes import Layout
from app.web.svg import render_svg

MAX_PNG_PIXELS = 60_000_000  # a 7,000 x 1,400 px blueprint at zoom 2 is 39 M


@dataclass(frozen=True)
class PictureQuery:
    """The feed's query (window, segments) and the frequency thresholds of the picture."""

    window: tuple[datetime | None, datetime | None]
    segment: list[str]
    step_share: float | None
    flow_share: float | None

    def tag(self) -> str:
        return f"{self.step_share}-{self.flow_share}"


def blueprint_layout(session: Session, cache: FeedCache, *, workspace_id: int, blueprint_id: int,
                     query: PictureQuery, models: ModelStore, data_dir: Path) -> tuple[Layout, str]:
    """The layout of the blueprint's feed for the query, and its ETag (the feed's, with the thresholds)."""
    feed, etag = feeds.feed_for(session, cache, workspace_id=workspace_id, blueprint_id=blueprint_id,
                                window=query.window, segment=query.segment, models=models, data_dir=data_dir)
    layout = layout_blueprint(feed, step_share=query.step_share, flow_share=query.flow_share)
    return layout, f"{etag}-{query.tag()}"


def svg_of(layout: Layout) -> str:
    return render_svg(layout)


def png_of(layout: Layout, *, zoom: float) -> bytes:
    """The PNG of the layout at `zoom`, reduced so that it stays under MAX_PNG_PIXELS."""
    fits = (MAX_PNG_PIXELS / max(layout.width * layout.height, 1)) ** 0.5
    return render_png(render_svg(layout), zoom=min(zoom, fits))
