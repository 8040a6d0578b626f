"""A worker's runtime: its database handles, and what follows once a source has new events (its
columnar copy brought up to date, the feeds of the blueprints that use it computed and saved)."""

import logging

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.blueprint.cache import FeedCache
from app.blueprint.process_model import ModelStore
from app.config import Settings
from app.db import JOB_BUSY_TIMEOUT_S, import_models, make_engine, make_session_factory, transaction
from app.ingest import repository as uploads
from app.jobs.worker import WorkerContext
from app.store.service import ColumnarRefresher

log = logging.getLogger("app.jobs.runtime")


def precompute_feeds(factory: sessionmaker[Session], cache: FeedCache, models: ModelStore, settings: Settings,
                     source_id: int) -> int:
    """Compute (and save) the default feed of every blueprint that draws on the source."""
    from app.blueprint import feed as feeds
    from app.blueprint import repository as blueprints
    from app.sources.models import Source

    done = 0
    with transaction(factory) as session:
        source = session.get(Source, source_id)
        if source is None:
            return 0
        for bp in blueprints.list_all(session, workspace_id=source.workspace_id):
            if source_id not in (bp.definition or {}).get("sources", []):
                continue
            try:
                feeds.feed_result(session, cache, workspace_id=bp.workspace_id, blueprint_id=bp.id,
                                  window=(None, None), segment=[], data_dir=settings.data_dir, models=models)
                done += 1
            except Exception:  # a definition the data cannot serve: its feed answers with the reason
                log.warning("precomputing a feed failed", extra={"blueprint_id": bp.id}, exc_info=True)
    return done


def source_updater(engine: Engine, factory: sessionmaker[Session], settings: Settings, cache: FeedCache,
                   models: ModelStore):
    """The on_stored hook of a worker: the copy first (the feed reads it), then the feeds."""
    refresher = ColumnarRefresher(engine, factory, settings.data_dir, upload_keys=uploads.upload_keys)

    def on_stored(source_id: int) -> None:
        refresher.refresh_now(source_id)
        precompute_feeds(factory, cache, models, settings, source_id)

    return on_stored


def worker_context(settings: Settings, *, engine: Engine | None = None,
                   factory: sessionmaker[Session] | None = None, cache: FeedCache | None = None) -> WorkerContext:
    """A context for a worker in this process (its own engine unless given one)."""
    import_models()  # every table on the metadata: the jobs' models refer to one another
    engine = engine or make_engine(settings.resolved_database_url(), busy_timeout_s=JOB_BUSY_TIMEOUT_S)
    factory = factory or make_session_factory(engine)
    cache = cache or FeedCache(size=8)
    models = ModelStore(factory)
    ctx = WorkerContext(engine=engine, factory=factory, settings=settings)
    ctx.state.update(feed_cache=cache, models=models,
                     on_stored=source_updater(engine, factory, settings, cache, models))
    return ctx
