"""FastAPI dependencies that authenticate the caller and check a scope."""

from typing import Annotated

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.auth.service import Principal, authenticate
from app.db import SessionDep

# Declares the bearer scheme in OpenAPI (and the docs' Authorize button); the 401 is ours.
bearer = HTTPBearer(auto_error=False, scheme_name="apiKey", bearerFormat="bpm_…",
                    description="An API key: `Authorization: Bearer bpm_…` (blueprint-miner keys create).")


def _principal(session: SessionDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> Principal:
    return authenticate(session, credentials.credentials if credentials else None)


def scoped(*scopes: str):
    """A dependency giving the principal, after checking it holds one of `scopes`."""

    def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        principal.require(*scopes)
        return principal

    return Depends(dependency)


ReadPrincipal = Annotated[Principal, scoped("read")]
IngestPrincipal = Annotated[Principal, scoped("ingest")]
AdminPrincipal = Annotated[Principal, scoped("admin")]
# Following an upload: a key that may upload may read what became of its uploads.
UploadStatusPrincipal = Annotated[Principal, scoped("ingest", "read")]
