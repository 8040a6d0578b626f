"""Files as they arrive: format detection, guarded gzip inflation, XML prologs without DTDs."""

import gzip
import re
import zlib
from pathlib import Path

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
        return "ocel-xml" if b"<log" not in head else "xes"
    if head.startswith(b"PAR1"):
        return "parquet"
    raise UnsupportedFormat(
        f"cannot tell the format of {filename!r}; name it .csv, .xes, .parquet, .jsonl, .json or .xml "
        f"(optionally .gz), or pass ?format= one of {list(FORMATS)}")


def is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def gunzip_guarded(src: Path, dest: Path, *, max_ratio: int, max_bytes: int) -> Path:
    """Inflate `src` into `dest`, refusing bombs (ratio or size) and truncated streams."""
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
                        raise PayloadTooLarge(
                            f"the gzip stream inflates beyond {'the size limit' if written > max_bytes else f'{max_ratio}x its size'}"
                            " (a decompression bomb?); refused")
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


_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def refuse_dtd(path: Path) -> None:
    """Refuse XML whose prolog declares a DTD: no entity expansion, no external entities (XXE)."""
    with open(path, "rb") as f:
        head = f.read(1 << 16)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    # A DTD may only stand before the root element; stop looking at the first real tag.
    prolog = re.split(rb"<(?![?!])", head, maxsplit=1)[0]
    if _DTD.search(prolog) or (len(prolog) == len(head) and _DTD.search(head)):
        raise InvalidInput("XML with a DOCTYPE or entity declarations is refused (entity expansion and "
                           "external entities are disabled); remove the DTD")


def open_text_probe(path: Path, size: int = 1 << 16) -> bytes:
    with open(path, "rb") as f:
        return f.read(size)


def peek_gzip(path: Path, size: int = 4096) -> bytes:
    try:
        with gzip.open(path, "rb") as f:
            return f.read(size)
    except (OSError, EOFError, zlib.error):
        return b""
