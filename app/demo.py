"""Load the demo from sample_logs/demo/manifest.json, once: a re-run adds nothing."""

import json
from pathlib import Path

from app.auth import service as auth
from app.config import Settings
from app.db import make_engine, make_session_factory, transaction
from app.demo_live import configure_live
from app.ingest import repository as uploads
from app.ingest.schemas import UploadOptions
from app.sources import repository as sources
from app.sources.models import Source
from app.sources.schemas import Mapping


def load_demo(folder: Path, *, settings: Settings, console, run_upload) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    workspace = manifest["workspace"]
    engine = make_engine(settings.resolved_database_url())
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        ws = auth.ensure_workspace(session, workspace)
        printed = _demo_key(session, settings, workspace)
        todo = []
        for spec in manifest["sources"]:
            source = sources.by_name(session, workspace_id=ws.id, name=spec["name"])
            if source is None:
                source = sources.add(session, Source(
                    workspace_id=ws.id, name=spec["name"], system=spec["system"],
                    timezone=spec.get("timezone", "UTC"),
                    mapping=Mapping(**spec["mapping"]).model_dump(exclude_defaults=True)))
            if "live" in spec:  # pulled by a sync job as the server runs (app/demo_live.py)
                coming = configure_live(session, workspace_id=ws.id, source_id=source.id, folder=folder,
                                        settings=settings, spec=spec["live"])
                if coming is not None:
                    console.print(f"demo: source {spec['name']!r} is synced every {spec['live'].get('every_s', 15)} s;"
                                  f" {coming} of its events arrive over {spec['live'].get('replay_minutes', 10)} "
                                  "minutes once the server runs")
            elif not uploads.stored_counts(session, source_id=source.id)[0]:
                todo += [(spec["name"], folder / f) for f in spec["files"]]
    engine.dispose()
    for source_name, path in todo:
        upload = run_upload(path, workspace=workspace, source_name=source_name, options=UploadOptions())
        console.print(f"demo: {path.name} -> source {source_name!r}: {upload.events_ingested} events")
    _ensure_blueprint(settings, workspace, manifest["blueprint"], console)
    console.print(f"demo workspace {workspace!r} is loaded; its API key: {printed}")


def _demo_key(session, settings: Settings, workspace: str) -> str:
    """The bootstrap key if set, else a demo key made once and kept in data_dir (keys are stored hashed)."""
    key = settings.bootstrap_api_key
    kept = settings.data_dir / "demo-api-key"
    if not key and kept.exists():
        key = kept.read_text().strip()
    key = auth.create_key(session, workspace=workspace, scopes=list(auth.SCOPES), name="demo", key=key)
    if not settings.bootstrap_api_key:
        kept.parent.mkdir(parents=True, exist_ok=True)
        kept.write_text(key + "\n")
        kept.chmod(0o600)
    return key


def _ensure_blueprint(settings: Settings, workspace: str, spec: dict, console) -> None:
    """The demo's blueprint, made once (source names in the manifest become ids)."""
    from app.blueprint import repository as blueprints
    from app.blueprint import service as blueprint_service
    from app.blueprint.schemas import BlueprintIn

    engine = make_engine(settings.resolved_database_url())
    with transaction(make_session_factory(engine)) as session:
        ws = auth.ensure_workspace(session, workspace)
        existing = [b for b in blueprints.list_all(session, workspace_id=ws.id) if b.name == spec["name"]]
        if not existing:
            ids = [sources.by_name(session, workspace_id=ws.id, name=n).id for n in spec["sources"]]
            body = BlueprintIn(**{**spec, "sources": ids})
            made = blueprint_service.create_blueprint(session, workspace_id=ws.id, body=body)
            console.print(f"demo: blueprint {spec['name']!r} is /v1/blueprints/{made.id}/feed")
    engine.dispose()
