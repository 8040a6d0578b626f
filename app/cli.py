"""blueprint-miner: serve | migrate | keys create | ingest | demo | sync run | sync status."""

import contextlib
import os
import shutil
import sys
import threading
import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.exc import SQLAlchemyError

from app.config import get_settings
from app.sync.cli import sync_cli

cli = typer.Typer(help="Blueprint Miner: service blueprints mined from event logs.", no_args_is_help=True)
keys = typer.Typer(help="API keys.", no_args_is_help=True)
cli.add_typer(keys, name="keys")
cli.add_typer(sync_cli, name="sync")
console = Console(stderr=True)


# The choices, for typer to check and list in --help (an unknown one is one line and exit 2).
class Scope(StrEnum):
    ingest = "ingest"
    read = "read"
    admin = "admin"


class OnErrorChoice(StrEnum):
    reject = "reject"
    skip = "skip"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise typer.BadParameter("may not be empty")
    return value


def _known_format(value: str | None) -> str | None:
    from app.ingest.files import FORMATS

    if value is not None and value not in FORMATS:
        raise typer.BadParameter(f"unknown format {value!r}; use one of {', '.join(FORMATS)}")
    return value


def _engine():
    from app.db import make_engine

    return make_engine(get_settings().resolved_database_url())


@cli.command()
def migrate() -> None:
    """Bring the database to the latest schema."""
    from app import migrate as migrations
    from app.db import JOB_BUSY_TIMEOUT_S, make_engine

    # A migration waits for SQLite's write lock as long as a job would: it is not in a hurry.
    engine = make_engine(get_settings().resolved_database_url(), busy_timeout_s=JOB_BUSY_TIMEOUT_S)
    migrations.upgrade(engine)
    engine.dispose()
    console.print("database is up to date")


@cli.command()
def serve(host: str = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535, help="TCP port.")] = 8000,
          worker: Annotated[str, typer.Option(help="process (a child worker, the default), thread, or none "
                                                   "(run `blueprint-miner worker` processes apart)")] = "process",
          no_worker: Annotated[bool, typer.Option("--no-worker", help="the same as --worker none")] = False) -> None:
    """Migrate, then serve the API (OpenAPI docs at /docs), with one embedded worker unless told not to."""
    import uvicorn

    from app.logging import configure_logging
    from app.main import create_app

    if worker not in ("process", "thread", "none"):
        raise typer.BadParameter("--worker must be process, thread or none")
    settings = get_settings().model_copy(update={"worker": "none" if no_worker else worker})
    configure_logging(settings.log_level, settings.log_json)
    migrate()
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, access_log=True)


@cli.command("worker")
def worker_command(parent_pid: Annotated[int | None, typer.Option(
        help="stop when this process ends (the embedded worker of `serve`)")] = None) -> None:
    """Run due syncs, queued large uploads and process models until SIGTERM (any number may run)."""
    from app.jobs.runtime import worker_context
    from app.jobs.worker import run_worker, stop_on_signals
    from app.logging import configure_logging
    from app.memory import tune_allocator

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    tune_allocator()
    ctx = worker_context(settings)
    stop_on_signals(ctx)
    if parent_pid is not None:
        _follow_parent(parent_pid, ctx)
    run_worker(ctx)
    ctx.engine.dispose()


def _follow_parent(parent_pid: int, ctx) -> None:
    """Stop (gracefully) when the parent goes, even if it is killed: Linux sends SIGTERM then."""
    import ctypes
    import signal as signals

    with contextlib.suppress(OSError, AttributeError):  # not Linux: the watch below still stops it
        ctypes.CDLL("libc.so.6").prctl(1, signals.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent_pid:  # it ended before the request took effect
        ctx.stopping.set()

    def watch() -> None:
        while not ctx.stopping.wait(1.0):
            if os.getppid() != parent_pid:
                ctx.stopping.set()

    threading.Thread(target=watch, daemon=True, name="parent-watch").start()


@keys.command("create")
def keys_create(workspace: Annotated[str, typer.Option(help="Workspace name (made if missing).",
                                                      callback=_not_blank)],
                scope: Annotated[list[Scope] | None, typer.Option(help="Repeatable; default: all three.")] = None,
                name: str = "") -> None:
    """Create an API key and print it (it is stored only as a hash)."""
    from app.auth import service as auth
    from app.db import make_session_factory, transaction

    scopes = [s.value for s in scope] if scope else list(auth.SCOPES)
    engine = _engine()
    with transaction(make_session_factory(engine)) as session:
        key = auth.create_key(session, workspace=workspace, scopes=scopes, name=name)
    engine.dispose()
    console.print(f"API key for workspace {workspace!r} (scopes: {', '.join(scopes)}):")
    print(key)


@cli.command()
def ingest(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
           source: Annotated[str, typer.Option(help="Source name (must exist in the workspace).")],
           workspace: str = "demo",
           format: Annotated[str | None, typer.Option(callback=_known_format, help="Default: from the name.")] = None,
           on_error: OnErrorChoice = OnErrorChoice.reject, object_type: str | None = None) -> None:
    """Ingest a local file through the same service code as HTTP uploads, with a progress bar."""
    from app.ingest.schemas import UploadOptions

    options = UploadOptions(format=format, on_error=on_error.value, object_type=object_type)
    upload = _run_local_upload(file, workspace=workspace, source_name=source, options=options)
    console.print(f"upload {upload.id}: {upload.events_ingested} events stored, "
                  f"{upload.events_duplicate} duplicates, {upload.cases} cases, {upload.rows_rejected} rows rejected")


def _run_local_upload(file: Path, *, workspace: str, source_name: str, options):
    from app.auth import repository as auth_repo
    from app.db import make_session_factory, transaction
    from app.ingest import jobs
    from app.ingest import repository as upload_repository
    from app.ingest.spool import Spooled
    from app.scratch import scratch_name
    from app.sources import repository as source_repo
    from app.store.service import ColumnarRefresher

    settings = get_settings()
    engine = _engine()
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        ws = auth_repo.workspace_by_name(session, workspace)
        found = ws and source_repo.by_name(session, workspace_id=ws.id, name=source_name)
        if not found:
            raise typer.BadParameter(f"no source {source_name!r} in workspace {workspace!r}")
        ids = (ws.id, found.id)
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    spool = settings.upload_dir / scratch_name("upload")
    shutil.copyfile(file, spool)
    runner = jobs.UploadRunner(engine, factory, settings)
    runner.on_stored = ColumnarRefresher(engine, factory, settings.data_dir,
                                         upload_keys=upload_repository.upload_keys).refresh_now
    result: dict = {}

    def work() -> None:
        try:
            result["upload"], _ = jobs.submit_upload(runner, workspace_id=ids[0], source_id=ids[1], options=options,
                                                     spooled=Spooled(path=spool, filename=file.name,
                                                                     size=spool.stat().st_size), run_now=True)
        except Exception as exc:  # reported below, after the progress bar closes
            result["error"] = exc

    _with_progress(threading.Thread(target=work), runner)
    engine.dispose()
    if "error" in result:
        console.print(f"[red]upload failed:[/red] {getattr(result['error'], 'detail', result['error'])}")
        raise typer.Exit(1)
    return result["upload"]


def _with_progress(thread: threading.Thread, runner) -> None:
    columns = (TextColumn("[bold]ingesting"), BarColumn(), TextColumn("{task.completed:,.0f} rows"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("ingest", total=None)
        thread.start()
        while thread.is_alive():
            current = runner.current
            bar.update(task, completed=(runner.progress_of(current) or 0) if current else 0)
            time.sleep(0.2)
        thread.join()


@cli.command()
def demo(folder: Annotated[Path, typer.Option(exists=True, file_okay=False, help="Holds manifest.json.")]
         = Path("sample_logs/demo")) -> None:
    """Migrate, then load the demo (a workspace, its sources and logs) unless it is loaded already."""
    from app.demo import load_demo

    if not (folder / "manifest.json").is_file():
        raise typer.BadParameter(f"{folder} holds no manifest.json", param_hint="'--folder'")
    migrate()
    load_demo(folder, settings=get_settings(), console=console, run_upload=_run_local_upload)


def main() -> None:
    """The console script: a database that cannot be reached is one line, not a traceback."""
    try:
        cli()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        console.print(f"[red]database error:[/red] {escape(reason)} (check BLUEPRINT_DATABASE_URL)")
        sys.exit(1)


if __name__ == "__main__":
    main()
