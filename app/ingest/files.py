"""Files as they arrive: format detection, guarded gzip inflation, XML prologs without DTDs."""

import mmap
import re
import zlib
from pathlib import Path

import numpy as np

from app.errors import InvalidInput, PayloadTooLarge, UnsupportedFormat

FORMATS = ("csv", "xes", "parquet", "jsonl", "ocel-json", "ocel-xml")
_SUFFIXES = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv", ".xes": "xes", ".parquet": "parquet", ".pq": "parquet",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".jsonocel": "ocel-json", ".xmlocel": "ocel-xml",
}
_CHUNK = 1 << 20


def detect_format(filename: str, head: bytes, declared: str | None) -> str:
    """The upload's format: as declared, else from the file name, else from its first bytes."""
    if declared:
        if declared not in FORMATS:
            raise UnsupportedFormat(f"unknown format {declared!r}; use one of {list(FORMATS)}")
        return declared
    name = filename.lower().removesuffix(".gz")
    for suffix, fmt in _SUFFIXES.items():
        if name.endswith(suffix):
            return fmt
    if name.endswith(".json"):
        return "ocel-json" if b'"objectTypes"' in head or b'"objects"' in head else "jsonl"
    if name.endswith(".xml"):
        # OCEL 2.0 XML and XES both have a <log> root; OCEL declares its object types first.
        return "ocel-xml" if b"<object-types" in head or b"<objects" in head else "xes"
    if head.startswith(b"PAR1"):
        return "parquet"
    raise UnsupportedFormat(
        f"cannot tell the format of {filename!r}; name it .csv, .xes, .parquet, .jsonl, .json or .xml "
        f"(optionally .gz), or pass ?format= one of {list(FORMATS)}")


# Archives and compressors other than gzip, by their leading bytes ("magic numbers").
_ARCHIVES = ((b"PK\x03\x04", "a ZIP archive"), (b"PK\x05\x06", "an (empty) ZIP archive"),
             (b"7z\xbc\xaf\x27\x1c", "a 7z archive"), (b"\xfd7zXZ\x00", "xz-compressed"),
             (b"\x28\xb5\x2f\xfd", "zstd-compressed"), (b"Rar!\x1a\x07", "a RAR archive"))
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")


def refuse_archive(head: bytes, fmt: str) -> None:
    """Refuse a file that is an archive or compressed other than by gzip (a ZIP named .csv would
    otherwise be read as text and fail with a puzzling message about UTF-16 or NUL bytes)."""
    kind = next((what for magic, what in _ARCHIVES if head.startswith(magic)), None)
    if kind is None and _BZIP2.match(head):
        kind = "bzip2-compressed"
    if kind is not None:
        instead = f"the {_LABELS[fmt]} inside it" if "archive" in kind else "it uncompressed"
        raise UnsupportedFormat(f"the file is {kind}; upload {instead} (gzip is accepted)")


_LABELS = {"csv": "CSV", "xes": "XES", "parquet": "Parquet", "jsonl": "JSON lines", "ocel-json": "OCEL 2.0",
           "ocel-xml": "OCEL 2.0"}


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def gunzip_guarded(src: Path, dest: Path, *, max_ratio: int, max_bytes: int) -> Path:
    """Inflate `src` into `dest`, refusing bombs (ratio or size) and truncated streams.

    On any refusal the partly inflated `dest` is removed: it may be as large as `max_bytes`."""
    try:
        return _gunzip(src, dest, max_ratio=max_ratio, max_bytes=max_bytes)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise


def _gunzip(src: Path, dest: Path, *, max_ratio: int, max_bytes: int) -> Path:
    compressed = max(src.stat().st_size, 1)
    written = 0
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        with open(src, "rb") as fin, open(dest, "wb") as fout:
            while chunk := fin.read(_CHUNK):
                data = inflater.decompress(chunk, _CHUNK * 4)
                while True:
                    written += len(data)
                    # Small files may legitimately inflate a lot (headers, repeated keys): allow 64 MB.
                    if written > max_bytes or (written > (64 << 20) and written > compressed * max_ratio):
                        raise _bomb(written > max_bytes, max_bytes, max_ratio)
                    fout.write(data)
                    if not inflater.unconsumed_tail:
                        break
                    data = inflater.decompress(inflater.unconsumed_tail, _CHUNK * 4)
                if inflater.eof and inflater.unused_data.strip(b"\x00"):
                    raise InvalidInput("the file holds several gzip members; upload one stream")
            tail = inflater.flush()
            fout.write(tail)
    except zlib.error as exc:
        raise InvalidInput(f"the gzip stream is corrupt: {exc}") from exc
    if not inflater.eof:
        raise InvalidInput("the gzip stream is truncated (it ends before its last block)")
    return dest


def _bomb(over_size: bool, max_bytes: int, max_ratio: int) -> PayloadTooLarge:
    limit = (f"{max_bytes >> 20} MB (max_decompressed_mb)" if over_size
             else f"{max_ratio}x its compressed size")
    return PayloadTooLarge(f"the gzip stream inflates beyond {limit}; a decompression bomb? refused")


def long_line(path: Path, max_line: int) -> int | None:
    """The 1-based number of the first line longer than `max_line` bytes, or None.

    Exact, and cheap for the files that have none: if every aligned window of max_line/2 bytes
    holds a line end, no line is longer than max_line (two line ends are then less than max_line
    apart), and that takes one memchr per window. Only otherwise are the lines measured."""
    size, half = path.stat().st_size, max(max_line // 2, 1)
    if size <= max_line:
        return None
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if all(data.find(b"\n", start, start + half) >= 0 for start in range(0, size - half, half)):
            return None
    return first_long_line(path, max_line)


def first_long_line(path: Path, max_line: int) -> int | None:
    """The 1-based number of the first line longer than `max_line` bytes, scanning in chunks."""
    line, start, offset = 1, 0, 0  # `start`: file offset where the current line begins
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK * 8):
            ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10) + offset
            if len(ends):
                lengths = np.diff(np.concatenate(([start], ends + 1))) - 1
                long = np.flatnonzero(lengths > max_line)
                if len(long):
                    return line + int(long[0])
                line, start = line + len(ends), int(ends[-1]) + 1
            offset += len(chunk)
            if offset - start > max_line:
                return line
    return None


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_MAX = 1 << 16
_QUIET = re.compile(rb"<!--.*?-->|<\?.*?\?>", re.DOTALL)


def refuse_dtd(path: Path) -> None:
    """Refuse XML whose prolog declares a DTD: no entity expansion, no external entities (XXE)."""
    with open(path, "rb") as f:
        raw = f.read(_PROLOG_MAX)
    # A DTD may only stand before the root element: drop comments and processing instructions
    # (which may hold a fake '<tag'), then stop looking at the first real tag.
    prolog, *root = re.split(rb"<(?!!)", _QUIET.sub(b"", _xml_head(raw)), maxsplit=1)
    if _DTD.search(prolog):
        raise InvalidInput("XML with a DOCTYPE or entity declarations is refused (entity expansion and "
                           "external entities are disabled); remove the DTD")
    if not root and len(raw) == _PROLOG_MAX:
        raise InvalidInput(f"the XML prolog (everything before the root element) is longer than "
                           f"{_PROLOG_MAX >> 10} KB; refused")


def _xml_head(head: bytes) -> bytes:
    """The head as UTF-8-comparable bytes: BOMs dropped, UTF-16 decoded (so a DTD cannot hide)."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            return head[len(bom):] if codec == "utf-8" else head[len(bom):].decode(codec, "replace").encode()
    if head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return head.decode("utf-16-le" if head[0] else "utf-16-be", "replace").encode()
    return head


def open_text_probe(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)
