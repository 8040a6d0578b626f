"""From a stored file to canonical batches: inflate, detect, guard, parse."""

from collections.abc import Iterator
from pathlib import Path

from app.config import Settings
from app.errors import InvalidInput
from app.ingest.files import detect_format, gunzip_guarded, is_gzip, open_text_probe, refuse_archive, refuse_dtd
from app.ingest.parsers import RawBatch
from app.ingest.parsers.csv import read_csv
from app.ingest.parsers.tabular import frame_batches, read_jsonl, read_parquet
from app.ingest.parsers.xes import read_xes
from app.ingest.schemas import UploadOptions
from app.ingest.unreadable import unreadable_ocel


def prepare(path: Path, *, filename: str, options: UploadOptions, settings: Settings) -> tuple[Path, str]:
    """Inflate a gzip upload (guarded) and tell its format; returns the readable path and format."""
    readable = path
    if is_gzip(path):
        readable = gunzip_guarded(path, path.with_name(path.name + ".raw"),
                                  max_ratio=settings.max_decompression_ratio,
                                  max_bytes=settings.max_decompressed_mb << 20)
    head = open_text_probe(readable)
    fmt = detect_format(filename, head, options.format)
    refuse_archive(head, fmt)
    if fmt in ("xes", "ocel-xml"):
        refuse_dtd(readable)
    return readable, fmt


def read_batches(path: Path, fmt: str, *, options: UploadOptions, settings: Settings) -> Iterator[RawBatch]:
    """The file's rows in numbered batches of about `insert_chunk_rows`."""
    rows, max_line = settings.insert_chunk_rows, settings.max_line_mb << 20
    if fmt == "csv":
        return read_csv(path, delimiter=options.delimiter, encoding=options.encoding, max_line=max_line,
                        max_columns=settings.max_columns, batch_rows=rows)
    if fmt == "parquet":
        return read_parquet(path, max_columns=settings.max_columns, batch_rows=rows)
    if fmt == "jsonl":
        return read_jsonl(path, max_line=max_line, max_columns=settings.max_columns, batch_rows=rows)
    from app.mining.readers import read_ocel_frame

    if fmt == "xes":
        return _width_checked(read_xes(path, batch_rows=rows), settings.max_columns)
    try:
        frame = _unpanicked("OCEL 2.0", read_ocel_frame, path, fmt=fmt, object_type=options.object_type,
                            resource_object_type=options.resource_object_type)
    except InvalidInput as exc:
        raise unreadable_ocel(exc.detail.removeprefix("cannot parse the OCEL 2.0 file: "), path) from None
    _check_width(len(frame.columns), settings.max_columns)
    return frame_batches(frame, rows)


def _width_checked(batches: Iterator[RawBatch], limit: int) -> Iterator[RawBatch]:
    for batch in batches:
        _check_width(len(batch.frame.columns), limit)
        yield batch


def _unpanicked(kind: str, reader, *args, **kwargs):
    """Call a pm4py/rustxes reader. rustxes reports malformed XML or JSON by panicking: a pyo3
    PanicException, which derives from BaseException, escapes `except Exception` (failing the
    request with a 500, or killing the upload worker thread) unless it is turned into a 400 here."""
    try:
        return reader(*args, **kwargs)
    except Exception:
        raise
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        reason = str(exc).rsplit("Err` value: ", 1)[-1][:200]
        raise InvalidInput(f"cannot parse the {kind} file: malformed content ({reason})") from None


def _check_width(columns: int, limit: int) -> None:
    if columns > limit:
        raise InvalidInput(f"the events have {columns} attributes; at most {limit} are accepted")
