"""SQL for uploads (this package owns the uploads table)."""

from datetime import datetime

from sqlalchemy import delete as delete_rows
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.ingest.models import Upload
from app.store.columnar import UploadKey


def get(session: Session, *, workspace_id: int, upload_id: int) -> Upload | None:
    return session.scalars(select(Upload).where(Upload.id == upload_id,
                                                Upload.workspace_id == workspace_id)).first()


def get_any(session: Session, upload_id: int) -> Upload | None:
    return session.get(Upload, upload_id)


def list_for_source(session: Session, *, source_id: int) -> list[Upload]:
    return list(session.scalars(select(Upload).where(Upload.source_id == source_id).order_by(Upload.id.desc())))


def add(session: Session, upload: Upload) -> Upload:
    session.add(upload)
    session.flush()
    return upload


def delete(session: Session, upload: Upload) -> None:
    session.delete(upload)
    session.flush()


def with_status(session: Session, statuses: tuple[str, ...]) -> list[Upload]:
    return list(session.scalars(select(Upload).where(Upload.status.in_(statuses)).order_by(Upload.id)))


def fail_interrupted(session: Session, *, detail: str) -> int:
    """Mark uploads that were running when the server stopped as failed."""
    return session.execute(update(Upload).where(Upload.status == "running")
                           .values(status="failed", detail=detail)).rowcount


def with_spool(session: Session) -> list[Upload]:
    """Uploads that still name a spooled file."""
    return list(session.scalars(select(Upload).where(Upload.spool_path.is_not(None))))


def stored_counts(session: Session, *, source_id: int) -> tuple[int, datetime | None]:
    """How many of the source's uploads succeeded, and when the last one finished."""
    row = session.execute(select(func.count(), func.max(Upload.finished_at))
                          .where(Upload.source_id == source_id, Upload.status == "succeeded")).one()
    return int(row[0]), row[1]


def delete_for_source(session: Session, *, source_id: int) -> None:
    session.execute(delete_rows(Upload).where(Upload.source_id == source_id))


def upload_keys(session: Session, *, source_id: int) -> list[UploadKey]:
    """The source's stored uploads, as the columnar copy identifies them."""
    rows = session.execute(select(Upload.id, Upload.created_at, Upload.events_ingested)
                           .where(Upload.source_id == source_id, Upload.status == "succeeded")
                           .order_by(Upload.id)).all()
    return [UploadKey(id=r[0], created=r[1].isoformat(), events=int(r[2])) for r in rows]


def take_events(session: Session, moved: dict[int, int]) -> None:
    """Earlier uploads gave up events (replaced by a newer version): they hold that many fewer."""
    for upload_id, count in moved.items():
        session.execute(update(Upload).where(Upload.id == upload_id)
                        .values(events_ingested=Upload.events_ingested - count))
