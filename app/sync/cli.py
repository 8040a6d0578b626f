"""blueprint-miner sync run | status: a run in this process now (the worker's own code), and a table."""

import threading
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from app.config import get_settings

sync_cli = typer.Typer(help="Scheduled pulls: run one now, or see every source's sync.", no_args_is_help=True)
console = Console(stderr=True)


def _context():
    from app.db import make_engine, make_session_factory
    from app.jobs.worker import WorkerContext

    settings = get_settings()
    engine = make_engine(settings.resolved_database_url())
    return WorkerContext(engine=engine, factory=make_session_factory(engine), settings=settings)


def _workspace_id(session, workspace: str) -> int:
    from app.auth import repository as auth_repo

    found = auth_repo.workspace_by_name(session, workspace)
    if found is None:
        raise typer.BadParameter(f"no workspace {workspace!r}")
    return found.id


def _queue(ctx, source_name: str, workspace: str) -> int:
    from app.db import transaction
    from app.sources import repository as source_repo
    from app.sync import service

    with transaction(ctx.factory) as session:
        workspace_id = _workspace_id(session, workspace)
        source = source_repo.by_name(session, workspace_id=workspace_id, name=source_name)
        if source is None:
            raise typer.BadParameter(f"no source {source_name!r} in workspace {workspace!r}")
        return service.queue_run(session, workspace_id=workspace_id, source_id=source.id).id


@sync_cli.command("run")
def run(source: Annotated[str, typer.Argument(help="Source name.")], workspace: str = "demo") -> None:
    """Run the source's sync now, in this process, through the worker's own code."""
    from app.sync.runner import run_queued_sync

    ctx = _context()
    run_id = _queue(ctx, source, workspace)
    read, result = [0], {}

    def work() -> None:
        try:
            result["run"] = run_queued_sync(ctx, run_id, progress=lambda n: read.__setitem__(0, n))
        except Exception as exc:  # reported below, once the progress bar is gone
            result["error"] = exc

    thread = threading.Thread(target=work)
    columns = (SpinnerColumn(), TextColumn(f"[bold]syncing {source}"), TextColumn("{task.completed:,.0f} read"),
               TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("sync", total=None)
        thread.start()
        while thread.is_alive():
            bar.update(task, completed=read[0])
            time.sleep(0.2)
    ctx.engine.dispose()
    _report(result, run_id)


def _report(result: dict, run_id: int) -> None:
    if "error" in result:
        console.print(f"[red]sync failed:[/red] {getattr(result['error'], 'detail', result['error'])}")
        raise typer.Exit(1)
    done = result.get("run")
    if done is None:
        console.print(f"run {run_id} is being carried out by another worker; follow it with GET /v1/sync/runs/{run_id}")
        raise typer.Exit(1)
    console.print(f"run {done.id} {done.status}: {done.events_ingested} events stored, {done.events_duplicate} "
                  f"duplicates, {done.events_updated} updated, {done.pages} pages, {done.files} files; "
                  f"watermark {done.watermark_before} -> {done.watermark_after}")
    if done.status != "succeeded":
        console.print(f"[red]{done.error}[/red]")
        raise typer.Exit(1)


@sync_cli.command("status")
def status(workspace: str = "demo") -> None:
    """Every source of the workspace with its sync configuration and last run."""
    from app.db import transaction
    from app.sync import service

    ctx = _context()
    # The errors go below the table, whole: squeezed into a column they were unreadable.
    table, errors = Table("source", "connector", "schedule", "on", Column("next run", min_width=10),
                          "last run", "events"), []
    with transaction(ctx.factory) as session:
        for source, config, last in service.status_rows(session, workspace_id=_workspace_id(session, workspace)):
            if config is None:
                table.add_row(source.name, "-", "-", "-", "-", "-", "-")
                continue
            schedule = config.schedule.get("cron") or f"every {config.schedule.get('every_s')} s"
            table.add_row(source.name, config.connector, schedule, "yes" if config.enabled else "no",
                          f"{config.next_run_at:%Y-%m-%d %H:%M:%S}" if config.next_run_at else "-",
                          f"{last.id} {last.status}" if last else "-", str(last.events_ingested) if last else "-")
            if last is not None and last.error:
                errors.append(f"[bold]{escape(source.name)}[/bold], run {last.id}: {escape(last.error)}")
    ctx.engine.dispose()
    out = Console()
    out.print(table)
    for error in errors:
        out.print(error)
