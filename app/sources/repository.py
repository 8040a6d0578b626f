"""SQL for sources."""

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.sources.models import Source


def get(session: Session, *, workspace_id: int, source_id: int) -> Source | None:
    return session.scalars(select(Source).where(Source.id == source_id,
                                                Source.workspace_id == workspace_id)).first()


def by_name(session: Session, *, workspace_id: int, name: str) -> Source | None:
    return session.scalars(select(Source).where(Source.name == name,
                                                Source.workspace_id == workspace_id)).first()


def list_all(session: Session, *, workspace_id: int) -> list[Source]:
    return list(session.scalars(select(Source).where(Source.workspace_id == workspace_id).order_by(Source.id)))


def add(session: Session, source: Source) -> Source:
    session.add(source)
    session.flush()
    return source


def delete(session: Session, source: Source) -> None:
    session.delete(source)
    session.flush()


def bump_data_version(session: Session, *, source_id: int) -> int:
    """Count one more change of the source's events, as one UPDATE that adds 1 to the stored
    value: two uploads into one source at once (two workers) each count, where writing back the
    value read at the start (`source.data_version += 1`) lost one, and feeds cached under the
    shared number stayed stale. Returns the new number."""
    return session.execute(update(Source).where(Source.id == source_id)
                           .values(data_version=Source.data_version + 1)
                           .returning(Source.data_version)).scalar_one()
