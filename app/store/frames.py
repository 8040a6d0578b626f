"""Events at rest -> a pandas frame for mining: canonical columns plus the attributes asked for."""

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.store.models import Event

COLUMNS = ("source_id", "upload_id", "ordinal", "case_id", "activity", "timestamp", "start_timestamp",
           "resource", "role", "lifecycle")


def load_events(session: Session, *, source_ids: list[int], attributes: list[str]) -> pd.DataFrame:
    """The sources' events; each attribute in `attributes` becomes a column `attr:<name>` (text)."""
    extracted = [Event.attributes[name].as_string().label(f"attr:{name}") for name in attributes]
    query = select(*(getattr(Event, c) for c in COLUMNS), *extracted).where(Event.source_id.in_(source_ids))
    result = session.execute(query)
    frame = pd.DataFrame(result.fetchall(), columns=[*COLUMNS, *(f"attr:{n}" for n in attributes)])
    for column in ("timestamp", "ordinal", "source_id", "upload_id"):
        frame[column] = frame[column].astype("int64")
    frame["start_timestamp"] = frame["start_timestamp"].astype("Int64")
    return frame
