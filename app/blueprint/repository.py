"""SQL for blueprints."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.blueprint.models import Blueprint


def get(session: Session, *, workspace_id: int, blueprint_id: int) -> Blueprint | None:
    return session.scalars(select(Blueprint).where(Blueprint.id == blueprint_id,
                                                   Blueprint.workspace_id == workspace_id)).first()


def list_all(session: Session, *, workspace_id: int) -> list[Blueprint]:
    return list(session.scalars(select(Blueprint).where(Blueprint.workspace_id == workspace_id)
                                .order_by(Blueprint.id)))


def add(session: Session, blueprint: Blueprint) -> Blueprint:
    session.add(blueprint)
    session.flush()
    return blueprint


def delete(session: Session, blueprint: Blueprint) -> None:
    session.delete(blueprint)
    session.flush()
