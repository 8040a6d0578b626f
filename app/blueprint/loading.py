"""Loading a blueprint's events: its definition, its sources, each source's columnar copy."""

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.blueprint.events import SourceRows
from app.blueprint.models import Blueprint
from app.blueprint.schemas import BlueprintIn
from app.blueprint.warnings import Vocabulary, definition_warnings
from app.errors import UnprocessableEvents
from app.ingest import repository as uploads
from app.mining.lifecycle import Mode
from app.sources import repository as sources
from app.sources.models import Source
from app.store import columnar


def definition_of(blueprint: Blueprint) -> BlueprintIn:
    """The stored definition, validated as when it was written. One stored under older rules (a
    pattern RE2 refuses, say) is reported, not run: PUT a corrected definition."""
    try:
        return BlueprintIn(name=blueprint.name, **blueprint.definition)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise UnprocessableEvents(
            f"blueprint {blueprint.id}'s stored definition is no longer valid ({where}: {first.get('msg')}); "
            "PUT a corrected definition",
            errors=[{"row": None, "column": where, "message": first.get("msg", "")}]) from None


def blueprint_sources(session: Session, *, workspace_id: int, definition: BlueprintIn) -> list[Source]:
    """The blueprint's sources that still exist, in the order it lists them."""
    found = (sources.get(session, workspace_id=workspace_id, source_id=i) for i in definition.sources)
    return [s for s in found if s is not None]


def source_rows(session: Session, definition: BlueprintIn, srcs: list[Source], attributes: list[str],
                data_dir: Path) -> list[SourceRows]:
    """Each source's columnar events, with the attributes asked for and its correlation key."""
    corr = definition.correlation
    out = []
    for s in srcs:
        key = corr.per_source.get(s.name, corr.attribute)
        thread = s.mapping.get("thread")
        wanted = sorted(set(attributes) | ({key} - {"case_id"}) | set(columnar.feed_attributes(s.mapping)))
        table = columnar.source_table(session.get_bind(), source_id=s.id, attributes=wanted, data_dir=data_dir,
                                      uploads=uploads.upload_keys(session, source_id=s.id))
        out.append(SourceRows(id=s.id, name=s.name, system=s.system, table=table,
                              case_column="case_id" if key == "case_id" else f"attr:{key}",
                              thread_column=f"attr:{thread}" if thread else None,
                              lifecycle=_declared_mode(s.mapping)))
    return out


def _declared_mode(mapping: dict) -> str | None:
    value = mapping.get("lifecycle")
    return value if value in {m.value for m in Mode} else None


def _distinct(rows: list[SourceRows], column: str) -> frozenset[str]:
    found: set[str] = set()
    for r in rows:
        if column in r.table.column_names and r.table.num_rows:
            found.update(v for v in pc.unique(r.table[column].cast(pa.string())).to_pylist() if v is not None)
    return frozenset(found)


def vocabulary(rows: list[SourceRows], attributes: list[str]) -> Vocabulary:
    """The distinct values of the sources' events (the attributes asked for: those with a value)."""
    present = {a for a in attributes if _distinct(rows, f"attr:{a}")}
    return Vocabulary(activities=_distinct(rows, "activity"), resources=_distinct(rows, "resource"),
                      roles=_distinct(rows, "role"), sources=frozenset(r.name for r in rows),
                      systems=frozenset(r.system for r in rows), attributes=frozenset(present),
                      empty=not any(r.table.num_rows for r in rows))


def warnings_for(session: Session, *, workspace_id: int, blueprint: Blueprint, data_dir: Path) -> list[dict]:
    """What the blueprint's definition names that its sources' events do not have."""
    definition = definition_of(blueprint)
    srcs = blueprint_sources(session, workspace_id=workspace_id, definition=definition)
    named = sorted(definition.lanes.attributes_used())
    rows = source_rows(session, definition, srcs, named, data_dir)
    return definition_warnings(definition, vocabulary(rows, named))
