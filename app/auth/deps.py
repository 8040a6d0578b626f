"""FastAPI dependencies that authenticate the caller and check a scope."""

from typing import Annotated

from fastapi import Depends, Header

from app.auth.service import Principal, authenticate
from app.db import SessionDep


def _principal(session: SessionDep,
               authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Principal:
    return authenticate(session, authorization)


def scoped(scope: str):
    """A dependency giving the principal, after checking it holds `scope`."""

    def dependency(principal: Annotated[Principal, Depends(_principal)]) -> Principal:
        principal.require(scope)
        return principal

    return Depends(dependency)


AnyPrincipal = Annotated[Principal, Depends(_principal)]
ReadPrincipal = Annotated[Principal, scoped("read")]
IngestPrincipal = Annotated[Principal, scoped("ingest")]
AdminPrincipal = Annotated[Principal, scoped("admin")]
