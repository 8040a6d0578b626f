"""/v1/me: who the caller's key belongs to and what it may do."""

from fastapi import APIRouter

from app.auth import service
from app.auth.deps import AnyPrincipal
from app.auth.schemas import WhoAmI
from app.db import SessionDep

router = APIRouter(tags=["auth"])


@router.get("/v1/me", response_model=WhoAmI)
def who_am_i(session: SessionDep, principal: AnyPrincipal):
    """The key's workspace, name, prefix and scopes (any valid key may ask; 401 otherwise)."""
    return service.whoami(session, principal)
