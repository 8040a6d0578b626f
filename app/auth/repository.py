"""SQL for workspaces and API keys."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import ApiKey, Workspace


def workspace_by_name(session: Session, name: str) -> Workspace | None:
    return session.scalars(select(Workspace).where(Workspace.name == name)).first()


def workspace_by_id(session: Session, workspace_id: int) -> Workspace | None:
    return session.get(Workspace, workspace_id)


def key_by_id(session: Session, key_id: int | None) -> ApiKey | None:
    return None if key_id is None else session.get(ApiKey, key_id)


def add_workspace(session: Session, name: str) -> Workspace:
    ws = Workspace(name=name)
    session.add(ws)
    session.flush()
    return ws


def key_by_hash(session: Session, key_hash: str) -> ApiKey | None:
    return session.scalars(select(ApiKey).where(ApiKey.key_hash == key_hash)).first()


def add_key(session: Session, *, workspace_id: int, key_hash: str, prefix: str, scopes: str,
            name: str) -> ApiKey:
    key = ApiKey(workspace_id=workspace_id, key_hash=key_hash, prefix=prefix, scopes=scopes, name=name)
    session.add(key)
    session.flush()
    return key
