"""A file's first rows, before anything is stored: the columns, the rows as text, a guessed mapping,
and, with a mapping, the canonical events those rows make and the errors they would have.

The upload screen sends only the beginning of a large file (`partial`): an incomplete last line
(CSV, JSON lines) or trace (XES) is dropped, and gzip is inflated as far as it goes. Nothing is
written to the database; the spooled file is removed when the answer is made."""

import zlib
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from app.config import Settings
from app.errors import AppError, InvalidInput
from app.ingest.files import is_gzip
from app.ingest.guess import guess_mapping
from app.ingest.mapping import resolve
from app.ingest.normalize import canonicalize
from app.ingest.parsers import RawBatch
from app.ingest.pipeline import prepare, read_batches
from app.ingest.unicode import nfc_columns

MAX_PREVIEW_BYTES = 64 << 20
MAX_INFLATED = 64 << 20
WHOLE_ONLY = ("parquet", "ocel-json", "ocel-xml")
EVENT_FIELDS = ("case_id", "activity", "timestamp", "start_timestamp", "resource", "role", "lifecycle")


def _inflate_beginning(path: Path) -> Path:
    """The beginning of a gzip file, inflated as far as its bytes go (up to MAX_INFLATED)."""
    out = path.with_name(path.name + ".head")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    with open(path, "rb") as src, open(out, "wb") as dest:
        written = 0
        while (chunk := src.read(1 << 20)) and written < MAX_INFLATED:
            try:
                data = inflater.decompress(chunk, MAX_INFLATED - written)
            except zlib.error as exc:
                raise InvalidInput(f"the file is not readable gzip: {exc}") from None
            dest.write(data)
            written += len(data)
    return out


def bytes_per_row(path: Path, fmt: str) -> float | None:
    """The mean length of a line (CSV and JSON lines: a row), to estimate a whole file's rows from its size."""
    if fmt not in ("csv", "jsonl"):
        return None
    with open(path, "rb") as f:
        data = f.read(MAX_INFLATED)
    lines = data.count(b"\n") or 1
    return len(data) / lines


def _whole_records(path: Path, fmt: str) -> None:
    """Cut the beginning of a file after its last whole record (in place)."""
    data = path.read_bytes()
    if fmt == "xes":
        end = data.rfind(b"</trace>")
        if end < 0:
            raise InvalidInput("the beginning of this XES file holds no whole trace; send more of it")
        path.write_bytes(data[:end + len(b"</trace>")] + b"\n</log>\n")
    elif (end := data.rfind(b"\n")) >= 0:
        path.write_bytes(data[:end + 1])


def _text(value) -> str | None:
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    if isinstance(value, datetime | pd.Timestamp):
        return value.isoformat()
    return str(value)


def _iso(micros) -> str | None:
    return None if micros is None else datetime.fromtimestamp(micros / 1e6, tz=UTC).isoformat()


def _first_batch(path: Path, filename: str, *, options, partial: bool, settings: Settings,
                 rows: int) -> tuple[str, RawBatch, list[Path], float | None]:
    made: list[Path] = []
    if partial and is_gzip(path):
        path = _inflate_beginning(path)
        made.append(path)
        filename = filename.removesuffix(".gz").removesuffix(".GZ")
    readable, fmt = prepare(path, filename=filename, options=options, settings=settings)
    if readable != path:
        made.append(readable)
    if partial:
        if fmt in WHOLE_ONLY:
            raise InvalidInput(f"a {fmt} file is read from its end as well: send the whole file to preview it")
        _whole_records(readable, fmt)
    per_row = bytes_per_row(readable, fmt)
    small = settings.model_copy(update={"insert_chunk_rows": max(rows, 1000)})
    batch = next(iter(read_batches(readable, fmt, options=options, settings=small)), None)
    if batch is None or batch.frame is None:
        raise InvalidInput("the file holds no rows to preview")
    return fmt, batch, made, per_row


def _head(batch: RawBatch, rows: int) -> RawBatch:
    frame = batch.frame.head(rows)
    frame.columns = nfc_columns([str(c) for c in frame.columns])
    last = int(batch.rows[len(frame) - 1]) if len(frame) else 0
    return RawBatch(frame=frame, rows=batch.rows[:len(frame)],
                    errors=[e for e in batch.errors if e["row"] is None or e["row"] <= last])


def _events(head: RawBatch, mapping: dict, zone: str) -> dict:
    """The canonical events of the previewed rows under `mapping`, and their errors."""
    try:
        resolved = resolve(mapping, list(head.frame.columns))
        canon = canonicalize(head, resolved, zone=zone, max_errors=len(head.frame) + len(head.errors))
    except AppError as exc:
        return {"mapping": None, "events": [], "errors": exc.extra.get("errors") or
                [{"row": None, "column": None, "message": exc.detail}]}
    table = canon.table.select(["ordinal", *EVENT_FIELDS]).to_pylist()
    events = [{"row": e["ordinal"] + 1, **{k: e[k] for k in EVENT_FIELDS},
               "timestamp": _iso(e["timestamp"]), "start_timestamp": _iso(e["start_timestamp"])} for e in table]
    used = {"case_id": resolved.case_id, "activity": list(resolved.activity), "timestamp": resolved.timestamp,
            **{k: getattr(resolved, k) for k in ("start_timestamp", "resource", "role", "lifecycle")
               if getattr(resolved, k)}}
    return {"mapping": used, "events": events, "errors": canon.errors}


def preview_file(path: Path, filename: str, *, options, partial: bool, rows: int, mapping: dict | None,
                 timezone: str, settings: Settings) -> dict:
    """The preview of a spooled file (removed afterwards, with anything made from it)."""
    made: list[Path] = [path]
    try:
        fmt, batch, extra, per_row = _first_batch(path, filename, options=options, partial=partial, settings=settings,
                                         rows=rows)
        made += extra
        head = _head(batch, rows)
        columns = list(head.frame.columns)
        values = head.frame.astype(object).to_numpy().tolist()
        out = {"format": fmt, "partial": partial, "columns": columns, "bytes_per_row": per_row,
               "rows": [{"row": int(r), "values": [_text(v) for v in vals]} for r, vals in zip(head.rows, values,
                                                                                              strict=True)],
               "rejected": head.errors, "suggested_mapping": guess_mapping(columns)}
        wanted = mapping if mapping is not None else ({} if fmt == "xes" else None)
        return out | (_events(head, wanted, timezone) if wanted is not None else
                      {"mapping": None, "events": [], "errors": []})
    finally:
        for made_path in made:
            made_path.unlink(missing_ok=True)
