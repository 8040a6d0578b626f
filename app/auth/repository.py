"""SQL for workspaces and API keys."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ApiKey, Workspace
from app.db import dialect_insert


def workspace_by_name(session: Session, name: str) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.name == name)).first()


def workspace_by_id(session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def key_by_id(session: Session, key_id: int | None) -> ApiKey | None:
    return None if key_id is None else session.get(ApiKey, key_id)


def add_workspace_if_missing(session: Session, name: str) -> Workspace:
    """The workspace called `name`, made if missing. Two processes starting at once (two APIs with
    one bootstrap key) may both find it missing: the second insert waits for the first and is
    skipped, where a select-then-insert failed that process's start on the unique name."""
    insert = dialect_insert(session)
    session.execute(insert(Workspace).values(name=name)
                    .on_conflict_do_nothing(index_elements=["name"]))
    return session.scalars(select(Workspace).where(Workspace.name == name)).one()


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def add_key(session: Session, *, workspace_id: int, key_hash: str, prefix: str, scopes: str,
            name: str) -> None:
    """Store a key; a key already stored (the same bootstrap key from another process) is kept."""
    insert = dialect_insert(session)
    session.execute(insert(ApiKey).values(workspace_id=workspace_id, key_hash=key_hash, prefix=prefix,
                                          scopes=scopes, name=name)
                    .on_conflict_do_nothing(index_elements=["key_hash"]))
