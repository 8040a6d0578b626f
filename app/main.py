"""The application factory: routers, error handler, lifespan; no logic."""

from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.auth import service as auth
from app.auth.endpoints import router as auth_router
from app.blueprint.cache import FeedCache
from app.blueprint.endpoints import router as blueprint_router
from app.blueprint.process_model import ModelStore
from app.config import Settings, get_settings
from app.db import make_engine, make_session_factory, transaction
from app.errors import install_error_handlers
from app.ingest import repository as upload_repository
from app.ingest.endpoints import router as ingest_router
from app.ingest.jobs import UploadRunner
from app.ingest.leftovers import remove_leftovers
from app.jobs.embedded import EmbeddedWorker
from app.limits import RequestLimits
from app.memory import tune_allocator
from app.openapi import install_openapi
from app.sources.endpoints import router as sources_router
from app.store.frames import load_reader
from app.store.service import ColumnarRefresher
from app.sync.endpoints import router as sync_router
from app.web.endpoints import router as picture_router
from app.web.pages import router as pages_router
from app.web.pages import static_files


def _embedded_worker(settings: Settings, engine, factory, cache: FeedCache) -> EmbeddedWorker:
    context = None
    if settings.worker == "thread":
        from app.jobs.runtime import worker_context

        context = worker_context(settings, engine=engine, factory=factory, cache=cache)
    return EmbeddedWorker(settings, settings.worker, thread_context=context)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    tune_allocator()
    engine = make_engine(settings.resolved_database_url(), busy_timeout_s=settings.sqlite_busy_timeout_s)
    factory = make_session_factory(engine)
    runner = UploadRunner(engine, factory, settings)
    refresher = ColumnarRefresher(engine, factory, settings.data_dir, upload_keys=upload_repository.upload_keys)
    runner.on_stored = refresher.refresh_now  # small uploads: the copy is current when they answer
    cache = FeedCache()
    worker = _embedded_worker(settings, engine, factory, cache)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for folder in (settings.upload_dir, settings.staging_dir):
            folder.mkdir(parents=True, exist_ok=True)
        with transaction(factory) as session:
            if settings.bootstrap_api_key:
                auth.create_key(session, workspace=settings.bootstrap_workspace, scopes=list(auth.SCOPES),
                                name="bootstrap", key=settings.bootstrap_api_key)
            remove_leftovers(session, settings)
        load_reader(engine.dialect.name)  # before the first request, not inside one
        worker.start()
        yield
        worker.stop()
        refresher.close()
        engine.dispose()

    app = FastAPI(title="Blueprint Miner", version="0.1.0", lifespan=lifespan,
                  description="Service blueprints mined from the event logs of CRM, ticketing and "
                              "operations systems.",
                  license_info={"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"})
    app.state.settings, app.state.engine, app.state.session_factory = settings, engine, factory
    app.state.uploads = runner
    app.state.columnar = refresher
    app.state.feed_cache = cache
    app.state.models = ModelStore(factory)
    install_error_handlers(app)
    app.add_middleware(RequestLimits)
    app.include_router(auth_router)
    app.include_router(sources_router)
    app.include_router(ingest_router)
    app.include_router(blueprint_router)
    app.include_router(sync_router)
    app.include_router(picture_router)
    app.include_router(pages_router)
    app.mount("/static", static_files(), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: no key needed."""
        return {"status": "ok"}

    # /openapi.json, /docs and /redoc answer without a key: the contract is public, the data is not.
    install_openapi(app)
    return app
