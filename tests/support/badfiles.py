"""Generators for the bad-input corpus: small files as bytes, big ones streamed into a directory."""

import gzip
import io
import random
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = b"case,activity,time\n"
MAPPING = {"case_id": "case", "activity": "activity", "timestamp": "time"}
GOOD_CSV = HEADER + b"seed,Open,2024-01-01 09:00:00\nseed,Close,2024-01-01 10:00:00\n"
_MB = 1 << 20


def csv(*rows: str, header: bytes = HEADER) -> bytes:
    """A CSV with the standard header (unless another is given) and the given data lines."""
    return header + "".join(row + "\n" for row in rows).encode()


def long_line_csv(path: Path, mb: int) -> Path:
    """A CSV whose only data row is `mb` MB long, written a megabyte at a time."""
    chunk = b"x" * _MB
    with open(path, "wb") as f:
        f.write(HEADER + b"c1,A,2024-01-01 10:00:00,")
        for _ in range(mb):
            f.write(chunk)
        f.write(b"\n")
    return path


def wide_csv(path: Path, columns: int) -> Path:
    """A CSV with `columns` columns (the mapped three first) and one data row."""
    with open(path, "wb") as f:
        f.write(b"case,activity,time," + ",".join(f"x{i}" for i in range(columns - 3)).encode() + b"\n")
        f.write(b"c1,A,2024-01-01 10:00:00" + b",1" * (columns - 3) + b"\n")
    return path


def gzip_bomb(path: Path, inflated_mb: int) -> Path:
    """A gzip stream of `inflated_mb` MB of zeros (about 1000:1), compressed a megabyte at a time."""
    zeros = bytes(_MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with open(path, "wb") as f:
        for _ in range(inflated_mb):
            f.write(compressor.compress(zeros))
        f.write(compressor.flush())
    return path


def random_bytes(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def truncated_gzip(payload: bytes) -> bytes:
    """A gzip stream cut off halfway: its last block and trailer are missing."""
    whole = gzip.compress(payload)
    return whole[: len(whole) // 2]


def docx_like() -> bytes:
    """Bytes that look like an Office document (a ZIP signature, then noise)."""
    return b"PK\x03\x04\x14\x00\x06\x00" + random_bytes(4096)


def parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def corrupt_parquet() -> bytes:
    """A real Parquet file with its middle overwritten: magic bytes intact, pages garbage."""
    data = bytearray(parquet(pa.table({"case": ["c1"] * 50, "activity": ["A"] * 50,
                                       "time": ["2024-01-01 10:00:00"] * 50})))
    middle = len(data) // 2
    data[8:middle] = random_bytes(middle - 8)
    return bytes(data)


_XES_BODY = (
    '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">'
    '<trace><string key="concept:name" value="{case}"/>'
    '<event><string key="concept:name" value="{activity}"/>'
    '<date key="time:timestamp" value="2024-01-01T10:00:00.000+00:00"/></event></trace></log>\n')
_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'


def xes(activity: str = "Open", case: str = "c1", doctype: str = "", padding: str = "") -> bytes:
    return (_PROLOG + padding + doctype + _XES_BODY.format(case=case, activity=activity)).encode()


def xes_xxe(target: str = "file:///etc/passwd", padding: str = "") -> bytes:
    """XES whose event name is an external entity pointing at a local file."""
    return xes("&xxe;", doctype=f'<!DOCTYPE log [<!ENTITY xxe SYSTEM "{target}">]>\n', padding=padding)


def xes_billion_laughs(levels: int = 10) -> bytes:
    """XES with the classic nested-entity expansion (10^levels copies of 'lol')."""
    decls = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels))
    return xes(f"&lol{levels - 1};", doctype=f"<!DOCTYPE log [{decls}]>\n")
