"""Start-up clean-up of the files uploads leave behind when a process is killed mid-way.

A spooled upload (and the copies its job derives from it: the inflated `.raw`, XES pieces) is
kept while its upload is queued or running: the job may be running in another process. Once the
upload is final (succeeded, failed) its files go, whoever wrote them. Files no upload refers to
go when the process that wrote them is gone (app/scratch.py): a file being received right now has
no upload yet, but its writer is alive."""

from pathlib import Path

from sqlalchemy.orm import Session

from app.config import Settings
from app.ingest import repository
from app.scratch import remove_orphans

ACTIVE = ("queued", "running")


def _spool_of(path: Path) -> str:
    """The spool a file belongs to: the file itself, or the one its name extends (`x.raw`)."""
    return path.name.split(".", 1)[0]


def remove_leftovers(session: Session, settings: Settings) -> int:
    """Remove spooled and staging files no live job can own; returns how many went."""
    removed = 0
    status = {Path(u.spool_path).name: u.status for u in repository.with_spool(session)}
    for upload in repository.with_spool(session):
        if upload.status not in ACTIVE:
            upload.spool_path = None  # its file is removed below
    if settings.upload_dir.exists():
        files = [p for p in settings.upload_dir.iterdir() if p.is_file()]
        for path in files:
            if status.get(_spool_of(path), "active") not in (*ACTIVE, "active"):
                path.unlink(missing_ok=True)
                removed += 1
        removed += remove_orphans((p for p in files if p.exists()),
                                  keep=lambda p: status.get(_spool_of(p)) in ACTIVE)
    if settings.staging_dir.exists():
        removed += remove_orphans(p for p in settings.staging_dir.iterdir())
    return removed
