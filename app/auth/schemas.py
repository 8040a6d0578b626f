"""The "who am I" contract: what a page needs to know about the key it was given."""

from datetime import datetime

from pydantic import BaseModel, Field


class WorkspaceRef(BaseModel):
    id: int
    name: str


class KeyRef(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The key's first characters, to tell keys apart; never the key")
    created_at: datetime


class WhoAmI(BaseModel):
    workspace: WorkspaceRef
    key: KeyRef
    scopes: list[str] = Field(description="The key's scopes as granted (read, ingest, admin)")
    can: dict[str, bool] = Field(description="Per scope, whether the key may use it (admin implies every scope)")
