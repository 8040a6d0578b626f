"""Workspaces, API keys (stored hashed) and scopes."""

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth import repository
from app.errors import Forbidden, InvalidInput, Unauthorized

SCOPES = ("ingest", "read", "admin")
KEY_PREFIX = "bpm_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: a workspace and what its key may do."""

    workspace_id: int
    scopes: frozenset[str]
    key_id: int | None = None

    def require(self, *scopes: str) -> None:
        """403 unless the key holds one of `scopes` (admin implies every scope)."""
        if "admin" not in self.scopes and not self.scopes.intersection(scopes):
            needed = " or ".join(f"'{s}'" for s in scopes)
            raise Forbidden(f"this API key lacks the {needed} scope")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _check_scopes(scopes: list[str]) -> str:
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise InvalidInput(f"scopes must be a non-empty subset of {list(SCOPES)}; got {scopes}")
    return ",".join(s for s in SCOPES if s in scopes)


def ensure_workspace(session: Session, name: str):
    """The workspace called `name`, created if missing."""
    return repository.workspace_by_name(session, name) or repository.add_workspace_if_missing(session, name)


def create_key(session: Session, *, workspace: str, scopes: list[str], name: str = "",
               key: str | None = None) -> str:
    """Create an API key for `workspace` (made if missing) and return it; only its hash is kept."""
    scope_text = _check_scopes(scopes)
    ws = ensure_workspace(session, workspace)
    key = key or KEY_PREFIX + secrets.token_urlsafe(32)
    if repository.key_by_hash(session, hash_key(key)) is None:  # a start with its key made only reads
        repository.add_key(session, workspace_id=ws.id, key_hash=hash_key(key), prefix=key[:8],
                           scopes=scope_text, name=name)
    return key


def authenticate(session: Session, key: str | None) -> Principal:
    """The principal behind the key of an `Authorization: Bearer <key>` header, or 401."""
    if not key:
        raise Unauthorized("send an API key as 'Authorization: Bearer <key>'")
    found = repository.key_by_hash(session, hash_key(key.strip()))
    if found is None:
        raise Unauthorized("unknown API key")
    return Principal(workspace_id=found.workspace_id, scopes=frozenset(found.scopes.split(",")), key_id=found.id)


def whoami(session: Session, principal: Principal) -> dict:
    """The caller's workspace, its key (name and prefix, never the key) and what the key may do."""
    key = repository.key_by_id(session, principal.key_id)
    workspace = repository.workspace_by_id(session, principal.workspace_id)
    granted = set(SCOPES) if "admin" in principal.scopes else set(principal.scopes)
    return {"workspace": {"id": workspace.id, "name": workspace.name},
            "key": {"id": key.id, "name": key.name, "prefix": key.prefix, "created_at": key.created_at},
            "scopes": [s for s in SCOPES if s in principal.scopes],
            "can": {scope: scope in granted for scope in SCOPES}}
