"""Parts of the columnar copy written from an upload's own batches as they are stored.

Bringing the copy up to date after an upload read the upload's events back from SQL: 2.0 s per
million rows on PostgreSQL, 2-3 s on SQLite, between the upload's commit and its `succeeded`. The
batches the upload stores are those events already, so they are also appended to a part file
beside the copy (Arrow IPC), and the copy takes a part instead of reading SQL.

A part is kept only when it is exactly what SQL would give back:
- every valid row was new: no duplicate dropped by the primary key, no changed event replaced;
- every attribute the copy holds is text in the file, or absent from it (SQL's JSON extraction
  gives a number or a boolean back as text that differs between the databases: those uploads
  are read from SQL as before).
It is named by its upload's id and event count, so a part of an upload whose transaction did not
commit matches no stored upload: such parts are removed after a day, or when an upload takes the
id again (SQLite hands out a rolled-back id anew).
Parts are a cache like the copy: any part that cannot be read is ignored, and SQL is read."""

import json
import logging
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from app.ingest.unicode import nfc
from app.scratch import scratch_name
from app.store.frames import COLUMNS

log = logging.getLogger("app.store.parts")
ORPHAN_S = 86_400
_META = b"blueprint-miner-part"
_INTS = {"source_id", "upload_id", "ordinal", "timestamp", "start_timestamp"}


def part_schema(attributes: list[str], *, digests: bool = False) -> pa.Schema:
    """The copy's columns (text undictionaried), and the digest where the part is being written."""
    fields = [pa.field(c, pa.int64() if c in _INTS else pa.string()) for c in COLUMNS]
    fields += [pa.field(f"attr:{a}", pa.string()) for a in attributes]
    return pa.schema(fields + ([pa.field("hash_hi", pa.int64()), pa.field("hash_lo", pa.int64())] if digests else []))


def parts_directory(copy_directory: Path) -> Path:
    return copy_directory / "parts"


def part_path(copy_directory: Path, upload_id: int, events: int) -> Path:
    return parts_directory(copy_directory) / f"upload-{int(upload_id)}-{int(events)}.arrow"


def _attribute_text(frame: pd.DataFrame | None, columns: tuple[str, ...], name: str, rows: int) -> pa.Array | None:
    """The attribute as SQL would give it back (NFC text, null where absent), or None when the
    column holds anything but text. `columns`: the frame's columns that are attributes (a mapped
    column is no attribute, whatever its name)."""
    if frame is None or name not in columns:
        return pa.nulls(rows, pa.string())
    try:
        values = pa.array(frame[name], from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    if pa.types.is_null(values.type):
        return pa.nulls(rows, pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    return nfc(values.cast(pa.string()))


class PartWriter:
    """Appends an upload's stored batches to a scratch part; `keep` names it for the copy, `drop`
    forgets it. It gives up (and writes nothing more) at the first batch SQL would not match."""

    def __init__(self, copy_directory: Path, *, source_id: int, upload_id: int, attributes: list[str]) -> None:
        self.directory, self.source_id, self.upload_id = copy_directory, source_id, upload_id
        self.attributes = sorted(attributes)
        self.schema = part_schema(self.attributes, digests=True)
        self.usable, self.rows = True, 0
        self.path: Path | None = None
        self._sink = self._writer = None
        # A part left by an upload whose commit failed after it was kept: on SQLite the id comes
        # back with the next upload, which must not be read from the other one's rows.
        for stale in parts_directory(copy_directory).glob(f"upload-{int(upload_id)}-*.arrow"):
            stale.unlink(missing_ok=True)

    def add(self, table: pa.Table, frame: pd.DataFrame | None, attribute_columns: tuple[str, ...]) -> None:
        """`table`: canonical events of one batch; `frame`: the same rows' raw columns, of which
        `attribute_columns` went into the events' attributes."""
        if not self.usable:
            return
        batch = self._batch(table, frame, attribute_columns)
        if batch is None:
            return self.drop()
        try:
            self._open()
            self._writer.write_batch(batch)
        except OSError as exc:  # a cache: the copy reads SQL instead
            log.warning("could not write a part of the columnar copy", extra={"error": str(exc)})
            return self.drop()
        self.rows += batch.num_rows

    def _batch(self, table: pa.Table, frame: pd.DataFrame | None,
               attribute_columns: tuple[str, ...]) -> pa.RecordBatch | None:
        """The rows as the part holds them; None when an attribute of the copy is no text here."""
        constant = {"source_id": self.source_id, "upload_id": self.upload_id}
        columns = []
        for field in self.schema:
            if field.name in constant:
                columns.append(pa.array(np.full(table.num_rows, constant[field.name], dtype=np.int64)))
            elif field.name.startswith("attr:"):
                text = _attribute_text(frame, attribute_columns, field.name.removeprefix("attr:"), table.num_rows)
                if text is None:
                    return None
                columns.append(text)
            else:
                columns.append(table.column(field.name).combine_chunks().cast(field.type))
        return pa.RecordBatch.from_arrays(columns, schema=self.schema)

    def _open(self) -> None:
        if self._writer is None:
            parts_directory(self.directory).mkdir(parents=True, exist_ok=True)
            self.path = parts_directory(self.directory) / scratch_name(f".upload-{self.upload_id}", ".tmp")
            self._sink = pa.OSFile(str(self.path), "wb")
            meta = {"upload_id": self.upload_id, "attributes": self.attributes}
            self._writer = pa.ipc.new_file(self._sink, self.schema.with_metadata({_META: json.dumps(meta).encode()}))

    def keep(self, events: int) -> None:
        """The upload stored `events` rows, none of them stored before it: the part, less the
        file's own repeats (the first of each stays, as in the database), is ready for the copy."""
        if not self.usable or self._writer is None or events > self.rows:
            return self.drop()
        try:
            self._close()
            if events < self.rows and not self._without_repeats(events):
                return self.drop()
            os.replace(self.path, part_path(self.directory, self.upload_id, events))
        except (OSError, pa.ArrowInvalid) as exc:
            log.warning("could not keep a part of the columnar copy", extra={"error": str(exc)})
            self.drop()

    def _without_repeats(self, events: int) -> bool:
        """Rewrite the part without the rows that repeat an earlier row's digest; False when what
        is left is not `events` rows (some rows were stored before this upload: SQL decides)."""
        with pa.memory_map(str(self.path)) as source:
            table = pa.ipc.open_file(source).read_all()
        digests = np.stack([table["hash_hi"].to_numpy(), table["hash_lo"].to_numpy()], axis=1)
        _, first = np.unique(digests, axis=0, return_index=True)  # the first row of each digest
        if len(first) != events:
            return False
        table = table.take(np.sort(first))
        with pa.OSFile(str(self.path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        return True

    def drop(self) -> None:
        self.usable = False
        self._close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _close(self) -> None:
        writer, sink, self._writer, self._sink = self._writer, self._sink, None, None
        try:
            if writer is not None:
                writer.close()
        finally:
            if sink is not None:
                sink.close()


def read_part(copy_directory: Path, upload_id: int, events: int, attributes: list[str]) -> pa.Table | None:
    """The upload's part with these attributes, if there is one that holds them all."""
    path = part_path(copy_directory, upload_id, events)
    try:
        with pa.memory_map(str(path)) as source:
            table = pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        return None
    held = json.loads(table.schema.metadata.get(_META, b"{}")).get("attributes", [])
    if not set(attributes) <= set(held) or table.num_rows != events:
        return None
    return table.select(list(part_schema(sorted(attributes)).names)).replace_schema_metadata(None)


def forget_parts(copy_directory: Path, kept_ids: set[int]) -> None:
    """Remove the parts the copy holds now (`kept_ids`), and parts of no stored upload left over
    for a day (their transaction never committed)."""
    directory = parts_directory(copy_directory)
    if not directory.is_dir():
        return
    now = time.time()
    for path in directory.iterdir():
        try:
            upload_id = int(path.name.split("-")[1]) if path.name.startswith("upload-") else None
            if upload_id in kept_ids or now - path.stat().st_mtime > ORPHAN_S:
                path.unlink(missing_ok=True)
        except (OSError, ValueError, IndexError):
            continue
