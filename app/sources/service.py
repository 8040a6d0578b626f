"""Register, change and describe source systems."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.ingest import repository as uploads
from app.sources import repository
from app.sources.models import Source
from app.sources.schemas import SourceCreate, SourceStats, SourceUpdate
from app.store import repository as events


def get_source(session: Session, *, workspace_id: int, source_id: int) -> Source:
    """The source, or 404 (also for another workspace's source, so existence does not leak)."""
    source = repository.get(session, workspace_id=workspace_id, source_id=source_id)
    if source is None:
        raise NotFound(f"no source {source_id}")
    return source


def create_source(session: Session, *, workspace_id: int, body: SourceCreate) -> Source:
    if repository.by_name(session, workspace_id=workspace_id, name=body.name):
        raise Conflict(f"a source named {body.name!r} exists already")
    return repository.add(session, Source(
        workspace_id=workspace_id, name=body.name, system=body.system.value, timezone=body.timezone,
        mapping=body.mapping.model_dump(exclude_defaults=True)))


def update_source(session: Session, *, workspace_id: int, source_id: int, body: SourceUpdate) -> Source:
    source = get_source(session, workspace_id=workspace_id, source_id=source_id)
    changes = body.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] != source.name and repository.by_name(
            session, workspace_id=workspace_id, name=changes["name"]):
        raise Conflict(f"a source named {changes['name']!r} exists already")
    if body.mapping is not None:
        changes["mapping"] = body.mapping.model_dump(exclude_defaults=True)
    for key, value in changes.items():
        setattr(source, key, value.value if hasattr(value, "value") else value)
    source.updated_at = datetime.now(UTC)
    return source


def delete_source(session: Session, *, workspace_id: int, source_id: int) -> None:
    """Remove the source with its uploads and events."""
    source = get_source(session, workspace_id=workspace_id, source_id=source_id)
    events.delete_source_events(session, source_id=source.id)
    uploads.delete_for_source(session, source_id=source.id)
    repository.delete(session, source)


def list_sources(session: Session, *, workspace_id: int) -> list[Source]:
    return repository.list_all(session, workspace_id=workspace_id)


def source_stats(session: Session, *, workspace_id: int, source_id: int) -> SourceStats:
    source = get_source(session, workspace_id=workspace_id, source_id=source_id)
    stored, last = uploads.stored_counts(session, source_id=source.id)
    return SourceStats(source_id=source.id, **events.source_stats(session, source_id=source.id), uploads=stored,
                       last_ingest_at=last)


def source_attributes(session: Session, *, workspace_id: int, source_id: int) -> list[str]:
    source = get_source(session, workspace_id=workspace_id, source_id=source_id)
    return events.attribute_names(session, source_id=source.id)
