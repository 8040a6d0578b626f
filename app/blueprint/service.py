"""Define blueprints (the feed itself is built in feed.py)."""

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from app.blueprint import repository
from app.blueprint.models import Blueprint
from app.blueprint.schemas import BlueprintIn
from app.errors import NotFound, UnprocessableEvents
from app.sources import repository as sources


def _definition(session: Session, workspace_id: int, body: BlueprintIn) -> dict:
    for source_id in body.sources:
        if sources.get(session, workspace_id=workspace_id, source_id=source_id) is None:
            raise UnprocessableEvents(f"sources: no source {source_id} in this workspace",
                                      errors=[{"row": None, "column": "sources", "message": f"unknown {source_id}"}])
    definition = body.model_dump(mode="json", by_alias=True, exclude={"name"})
    # Only the thresholds it overrides: the others follow the defaults, now and as they improve.
    overrides = {k: v for k, v in definition.pop("insights").items() if v is not None}
    return {**definition, "insights": overrides} if overrides else definition


def get_blueprint(session: Session, *, workspace_id: int, blueprint_id: int) -> Blueprint:
    found = repository.get(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    if found is None:
        raise NotFound(f"no blueprint {blueprint_id}")
    return found


def create_blueprint(session: Session, *, workspace_id: int, body: BlueprintIn) -> Blueprint:
    return repository.add(session, Blueprint(workspace_id=workspace_id, name=body.name, revision=1,
                                             definition=_definition(session, workspace_id, body)))


def replace_blueprint(session: Session, *, workspace_id: int, blueprint_id: int, body: BlueprintIn) -> Blueprint:
    found = get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id)
    found.name, found.definition = body.name, _definition(session, workspace_id, body)
    found.revision += 1
    found.updated_at = datetime.now(UTC)
    return found


def delete_blueprint(session: Session, *, workspace_id: int, blueprint_id: int) -> None:
    repository.delete(session, get_blueprint(session, workspace_id=workspace_id, blueprint_id=blueprint_id))


def list_blueprints(session: Session, *, workspace_id: int) -> list[Blueprint]:
    return repository.list_all(session, workspace_id=workspace_id)
