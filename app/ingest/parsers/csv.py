"""CSV (any delimiter, declared or detected encoding) read in streamed Arrow batches."""

import codecs
import csv
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from app.errors import InvalidInput
from app.ingest.files import long_line
from app.ingest.options import delimiter_problem, encoding_problem
from app.ingest.parsers import RawBatch, block_size, refuse_nul, too_long_line

_DELIMITERS = (",", ";", "\t", "|")
# UTF-32 first: its little-endian BOM begins with UTF-16's.
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _encoding(head: bytes, declared: str | None) -> tuple[str, int]:
    """The encoding and the BOM length to skip."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    if declared:
        if problem := encoding_problem(declared):
            raise InvalidInput(problem)
        return declared, 0
    return "utf-8", 0


def _header(path: Path, *, encoding: str, bom: int, max_line: int) -> str:
    with open(path, "rb") as f:
        f.seek(bom)
        head = f.read(max_line + 1)
    if not head.strip():
        raise InvalidInput("the file is empty")
    cut = head.find(b"\n") if encoding.startswith("utf-8") or encoding in ("latin-1", "cp1252") else -1
    if cut < 0 and len(head) > max_line:
        raise InvalidInput(f"the header line is longer than {max_line >> 20} MB; is this a CSV file?")
    raw = head if cut < 0 else head[:cut]
    if b"\x00" in raw and not codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        raise InvalidInput(f"the header holds NUL bytes, so it is not {encoding} text: is the file UTF-16 "
                           "without a byte-order mark? pass ?encoding=utf-16-le (or utf-16-be)")
    try:
        # Incremental: a multi-byte character cut at the end of the probe is not an error.
        text = codecs.getincrementaldecoder(encoding)("strict").decode(raw, final=False)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the header is not valid {encoding} (byte {exc.start}); pass ?encoding=") from exc
    return text.splitlines()[0] if text else ""


def _delimiter(header: str, declared: str | None) -> str:
    if declared:
        if problem := delimiter_problem(declared):
            raise InvalidInput(problem)
        return declared
    counts = {d: header.count(d) for d in _DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _locate_bad_utf8(path: Path, bom: int) -> tuple[int, int]:
    """The 1-based data row and byte offset of the first invalid UTF-8 sequence."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines = bom, 0
    with open(path, "rb") as f:
        f.seek(bom)
        while chunk := f.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                return lines + chunk[:exc.start].count(b"\n"), offset + exc.start
            lines += chunk.count(b"\n")
            offset += len(chunk)
    return lines, offset


def read_csv(path: Path, *, delimiter: str | None, encoding: str | None, max_line: int,
             max_columns: int, batch_rows: int) -> Iterator[RawBatch]:
    """Stream the CSV as batches of string columns (empty cells are null)."""
    with open(path, "rb") as f:
        head = f.read(4)
    enc, bom = _encoding(head, encoding)
    header = _header(path, encoding=enc, bom=bom, max_line=max_line)
    sep = _delimiter(header, delimiter)
    names = next(csv.reader([header], delimiter=sep), [])  # the header alone, with quoting rules
    if len(names) > max_columns:
        raise InvalidInput(f"the file has {len(names)} columns; at most {max_columns} are accepted "
                           "(max_columns)")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if names.count(n) > 1})
        raise InvalidInput(f"the header repeats column names: {dupes}")
    if long_line(path, max_line) is not None:  # Arrow's blocks alone let lines of up to twice max_line in
        raise too_long_line(path, max_line, "CSV", header_lines=1)
    bad_rows: list[dict] = []

    def on_invalid(row) -> str:
        joined = "; an unclosed quote (\") may have joined lines" if "\n" in (row.text or "") else ""
        message = f"expected {row.expected_columns} fields, found {row.actual_columns}{joined}"
        bad_rows.append({"row": (row.number - 1) if row.number else None, "column": None, "message": message})
        return "skip"

    reader = _open(path, enc, bom, sep, names, max_line, on_invalid)
    yield from _batches(reader, path, bom, max_line, batch_rows, bad_rows)


def _open(path, enc, bom, sep, names, max_line, on_invalid):
    try:
        return pacsv.open_csv(
            path,
            # Single-threaded: only then does Arrow tell the invalid-row handler the row's number
            # (the streaming reader gains little from threads anyway).
            read_options=pacsv.ReadOptions(encoding=enc, block_size=block_size(max_line), use_threads=False),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        raise _arrow_error(exc, path, bom, max_line) from exc


def _batches(reader, path: Path, bom: int, max_line: int, batch_rows: int,
             bad_rows: list[dict]) -> Iterator[RawBatch]:
    pending, count, row = [], 0, 1
    while True:
        try:
            batch = reader.read_next_batch()
        except StopIteration:
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            raise _arrow_error(exc, path, bom, max_line) from exc
        pending.append(batch)
        count += batch.num_rows
        if count >= batch_rows:
            row = yield from _emit(pending, row, bad_rows)
            pending, count = [], 0
    if pending or bad_rows:
        yield from _emit(pending, row, bad_rows)


def _emit(pending, row: int, bad_rows: list[dict]):
    table = pa.Table.from_batches(pending) if pending else None
    n = table.num_rows if table is not None else 0
    skipped = sorted(e["row"] for e in bad_rows if e["row"])
    # Valid rows are numbered around the skipped ones; skipped rows come back as errors.
    rows = np.arange(row, row + n + len(skipped), dtype=np.int64)
    rows = rows[~np.isin(rows, skipped)][:n] if skipped else rows[:n]
    frame = table.to_pandas() if table is not None else None
    if frame is not None:
        refuse_nul(frame, rows)
    yield RawBatch(frame=frame, rows=rows, errors=list(bad_rows))
    bad_rows.clear()
    return (int(rows[-1]) + 1) if n else row + len(skipped)


def _arrow_error(exc: Exception, path: Path, bom: int, max_line: int) -> Exception:
    text = str(exc)
    if "UTF8" in text or "utf-8" in text.lower() or isinstance(exc, UnicodeDecodeError):
        row, offset = _locate_bad_utf8(path, bom)
        return InvalidInput(f"the file is not valid UTF-8 (row {row}, byte {offset}); declare its "
                            "encoding with ?encoding= (e.g. latin-1, cp1252)",
                            errors=[{"row": row, "column": None, "message": "invalid UTF-8"}])
    if "straddling" in text or "block size" in text:
        return too_long_line(path, max_line, "CSV", header_lines=1)
    return InvalidInput(f"cannot parse the CSV file: {text[:300]}")
