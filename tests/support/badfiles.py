"""The bad-input corpus: generators (small files as bytes, big ones streamed into a directory) and
the table of uploads that must be refused, with the problem each must get."""

import bz2
import gzip
import io
import json
import lzma
import random
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HEADER = b"case,activity,time\n"
TS = "2024-01-01 10:00:00"
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
        f.write(HEADER + b"c1,A,")  # the time field is the long one
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


def xes_log(*traces: list[tuple[str, str]]) -> bytes:
    """XES with one trace per argument, each a list of (activity, date) events."""
    body = "".join(
        f'<trace><string key="concept:name" value="c{i}"/>' + "".join(
            f'<event><string key="concept:name" value="{activity}"/><date key="time:timestamp" value="{date}"/>'
            "</event>" for activity, date in trace) + "</trace>" for i, trace in enumerate(traces, 1))
    return (_PROLOG + '<log xes.version="1.0" xmlns="http://www.xes-standard.org/">' + body + "</log>\n").encode()


def ocel_json(*times: str, object_type: str = "order") -> bytes:
    """OCEL 2.0 JSON: one object of `object_type`, one event of type A per time, all linked to it."""
    return json.dumps({
        "objectTypes": [{"name": object_type, "attributes": []}], "eventTypes": [{"name": "A", "attributes": []}],
        "objects": [{"id": "o1", "type": object_type, "attributes": [], "relationships": []}],
        "events": [{"id": f"e{i}", "type": "A", "time": t, "attributes": [],
                    "relationships": [{"objectId": "o1", "qualifier": "of"}]} for i, t in enumerate(times)]}).encode()


def nested_json(levels: int, kind: str = "list") -> str:
    """A JSON value nested `levels` deep: lists, or objects {"a": ...}."""
    return "[" * levels + "]" * levels if kind == "list" else '{"a": ' * levels + "1" + "}" * levels


def nested_struct(levels: int) -> pa.Array:
    """Two rows of a struct column nested `levels` deep, built without recursion."""
    kind, value = pa.int64(), 1
    for _ in range(levels):
        kind, value = pa.struct([("a", kind)]), {"a": value}
    return pa.array([value, value], type=kind)


def zipped(name: str, content: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr(name, content)
    return buf.getvalue()


@dataclass
class Bad:
    """One refused upload: its bytes, the problem expected, the (row, column) pairs of `errors`
    (when given) and a text the first error's message must hold (when given)."""

    content: bytes
    status: int
    needles: tuple[str, ...]
    errors: list[tuple] | None = None
    message: str | None = None
    name: str = "data.csv"
    params: dict = field(default_factory=dict)


def jsonl(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def parquet_with(**wrong: pa.Array) -> bytes:
    return parquet(pa.table({"case": pa.array(["c1", "c2"]), "activity": pa.array(["A", "B"]),
                                 "time": pa.array([TS, TS]), **wrong}))


def wrong_type(column: str, why: str, **wrong: pa.Array) -> Bad:
    return Bad(parquet_with(**wrong), 422, (f"column '{column}'", why), [(None, column)], name="log.parquet")


JSONL_GOOD = f'{{"case": "c1", "activity": "A", "time": "{TS}"}}'


def jsonl_with_x(value: str) -> str:
    """The good JSON line with an attribute x holding `value` (JSON text)."""
    return JSONL_GOOD[:-1] + f', "x": {value}}}'

LATIN1 = csv(f"c3,Open,{TS}", "c3,Révision,2024-01-01 11:00:00").decode().encode("latin-1")
RANGE = "is outside the supported range 1900-01-01 to 2200-12-31 (UTC)"
ARCHIVE = "upload the CSV inside it (gzip is accepted)"
DEEP = "nested deeper than 64 levels"
ONE_INVALID = ("1 of 2 rows are invalid", "on_error=skip")
NOT_BINARY_TEXT = "binary data that is not UTF-8"
REFUSED = {
    # 1-3: structure
    "empty-file": Bad(b"", 400, ("the file is empty",)),
    "blank-lines-only": Bad(b"\n\n  \n", 400, ("the file is empty",)),
    "header-only": Bad(HEADER, 422, ("holds no events",)),
    "mapped-column-missing": Bad(csv("c1,A", header=b"case,activity\n"), 422,
                                 ("timestamp", "column 'time'", "does not have"), [(None, "time")]),
    "duplicate-column-names": Bad(csv(f"c1,A,{TS},B", header=b"case,activity,time,activity\n"), 400,
                                  ("repeats column names", "['activity']")),
    "row-with-100000-fields": Bad(csv(f"c1,A,{TS}", f"c1,B,{TS}" + ",x" * 99_997), 422,
                                  ("1 of 2 rows are invalid",), [(2, None)],
                                  "expected 3 fields, found 100000"),
    "unclosed-quote": Bad(csv(f"c1,A,{TS}", f'c1,"B,{TS}', f"c1,C,{TS}"), 422,
                          ("1 of 2 rows are invalid",), [(2, None)], "unclosed quote"),
    # 4-5: values
    "unparseable-timestamps": Bad(csv(f"c1,A,{TS}", "c1,B,not a time", f"c1,C,{TS}", "c1,D,2024-13-45 10:00"),
                                  422, ("2 of 4 rows are invalid", "on_error=skip"),
                                  [(2, "time"), (4, "time")],
                                  "cannot parse 'not a time'"),
    "mixed-time-zones": Bad(csv("c1,A,2024-01-01T10:00:00+01:00", "c1,B,2024-01-01T11:00:00",
                                    "c1,C,2024-01-01T12:00:00Z"), 422, ("1 of 3 rows are invalid",),
                            [(2, "time")], "mixed time zones"),
    "skip-but-no-good-row": Bad(csv("s1,A,never", "s1,B,nope"), 422, ("none of the 2 rows",),
                                [(1, "time"), (2, "time")], params={"on_error": "skip"}),
    # 6: encodings, and NUL characters (PostgreSQL cannot store them)
    "latin1-sent-as-utf8": Bad(LATIN1, 400, ("not valid UTF-8", "row 2", "?encoding="), [(2, None)]),
    "unknown-encoding": Bad(LATIN1, 422, ("query.encoding", "unknown encoding 'klingon-8'"),
                            params={"encoding": "klingon-8"}),
    "utf16-without-bom": Bad(csv(f"c1,A,{TS}").decode().encode("utf-16-le"), 400,
                             ("NUL bytes", "UTF-16", "?encoding=utf-16-le")),
    "nul-in-csv-value": Bad(csv(f"c1,A,{TS}", f"c1,B\x00C,{TS}"), 400,
                            ("row 2, column 'activity'", "NUL character"), [(2, "activity")]),
    "nul-in-jsonl-attribute": Bad(jsonl(JSONL_GOOD, JSONL_GOOD.replace("}", ', "note": "a\\u0000b"}')), 400,
                                  ("row 2, column 'note'", "NUL character"), [(2, "note")], name="e.jsonl"),
    # 7: compression (the bombs have tests of their own)
    "truncated-gzip": Bad(truncated_gzip(csv(*[f"c{i},A,{TS}" for i in range(2000)])), 400,
                          ("gzip stream is truncated",), name="data.csv.gz"),
    "gzip-garbage-after-magic": Bad(b"\x1f\x8b\x08\x00" + random_bytes(4000), 400,
                                    ("gzip stream is corrupt",), name="data.csv.gz"),
    "two-gzip-members": Bad(gzip.compress(GOOD_CSV) + gzip.compress(b"c9,A,2024\n"), 400,
                            ("several gzip members",), name="data.csv.gz"),
    # XML and OCEL that do not parse (rustxes panics on these: must not be a 500)
    "malformed-xes": Bad(xes("Open")[:-40], 400, ("cannot parse the XES file",), name="cut.xes"),
    "not-xml-as-xes": Bad(GOOD_CSV, 400, ("cannot parse the XES file",), params={"format": "xes"}),
    "ocel-json-truncated": Bad(b'{"objectTypes": [', 400, ("cannot parse the OCEL 2.0 file",),
                               name="log.jsonocel", params={"object_type": "order"}),
    "ocel-json-wrong-shape": Bad(b'{"objectTypes": 5, "objects": "x"}', 400,
                                 ("cannot parse the OCEL 2.0 file",),
                                 name="log.jsonocel", params={"object_type": "order"}),
    # 13: Parquet with wrong types, or broken
    "parquet-time-boolean": wrong_type("time", "type bool", time=pa.array([True, False])),
    "parquet-time-list": wrong_type("time", "type list", time=pa.array([[TS], [TS]])),
    "parquet-time-struct": wrong_type("time", "type struct", time=pa.array([{"at": TS}, {"at": TS}])),
    "parquet-time-number": wrong_type("time", "epoch_s", time=pa.array([1.5, 2.5])),
    "parquet-case-list": wrong_type("case", "type list", case=pa.array([["c1"], ["c2"]])),
    "parquet-case-struct": wrong_type("case", "type struct", case=pa.array([{"id": "c1"}, {"id": "c2"}])),
    "parquet-case-binary": wrong_type("case", NOT_BINARY_TEXT, case=pa.array([b"c1", b"\xff\xfe"])),
    "parquet-attribute-binary": wrong_type("blob", NOT_BINARY_TEXT, blob=pa.array([b"\x89PNG", b"ok"])),
    "parquet-activity-boolean": wrong_type("activity", "type bool", activity=pa.array([True, False])),
    "parquet-corrupt": Bad(corrupt_parquet(), 400, ("not a readable Parquet file",), name="log.parquet"),
    "parquet-truncated": Bad(parquet_with()[:300], 400, ("not a readable Parquet file",), name="log.parquet"),
    "csv-declared-parquet": Bad(GOOD_CSV, 400, ("not a readable Parquet file",),
                                params={"format": "parquet"}),
    # 14: unknown formats
    "docx": Bad(docx_like(), 415, ("cannot tell the format", "'report.docx'"), name="report.docx"),
    "declared-docx": Bad(docx_like(), 415, ("unknown format 'docx'",), name="report.docx",
                         params={"format": "docx"}),
    # JSON lines: the first malformed line is named
    "jsonl-unterminated-string": Bad(jsonl(JSONL_GOOD, '{"case": "c1", "time": "2024-01-01', JSONL_GOOD), 400,
                                     ("line 2 is not valid JSON", "unterminated string"), [(2, None)],
                                     name="e.jsonl"),
    "jsonl-unterminated-object": Bad(jsonl(JSONL_GOOD, '{"case": "c1"', JSONL_GOOD), 400,
                                     ("line 2 is not valid JSON",), [(2, None)], name="e.jsonl"),
    "jsonl-trailing-garbage": Bad(jsonl(JSONL_GOOD, JSONL_GOOD + " extra"), 400,
                                  ("line 2 is not valid JSON",),
                                  [(2, None)], name="e.jsonl"),
    "jsonl-missing-value": Bad(jsonl(JSONL_GOOD, JSONL_GOOD, '{"case": "c1", "time": }'), 400,
                               ("line 3 is not valid JSON", "expecting value"), [(3, None)], name="e.jsonl"),
    "jsonl-array-line": Bad(jsonl(JSONL_GOOD, '["c1", "B", "2024-01-01"]'), 400,
                            ("line 2 is not a JSON object",),
                            [(2, None)], name="e.jsonl"),
    "jsonl-number-line": Bad(jsonl(JSONL_GOOD, "42"), 400, ("line 2 is not a JSON object",), [(2, None)],
                             name="e.jsonl"),
    "jsonl-list-timestamp": Bad(jsonl(JSONL_GOOD.replace(f'"{TS}"', f'["{TS}"]'), JSONL_GOOD), 422,
                                ("column 'time'", "lists or objects"), [(None, "time")], name="e.jsonl"),
    # The request itself
    "invalid-on_error": Bad(GOOD_CSV, 422, ("on_error",), params={"on_error": "ignore"}),
    # Timestamps outside the supported range, on every reader (years 1900..2200, UTC)
    "year-1": Bad(csv("c1,A,0001-01-01T00:00:00", f"c1,B,{TS}"), 422, ONE_INVALID, [(1, "time")],
                  f"timestamp 0001-01-01T00:00:00 {RANGE}"),
    "year-1-with-offset": Bad(csv(f"c1,A,{TS}Z", "c1,B,0001-01-01T00:00:00+05:00"), 422, ONE_INVALID,
                              [(2, "time")], f"timestamp 0001-01-01T00:00:00+05:00 {RANGE}"),
    "year-2201": Bad(csv(f"c1,A,{TS}", "c1,B,2201-01-01 00:00:00"), 422, ONE_INVALID, [(2, "time")],
                     f"timestamp 2201-01-01 00:00:00 {RANGE}"),
    "year-99999": Bad(csv(f"c1,A,{TS}", "c1,B,99999-01-01 00:00:00"), 422, ONE_INVALID, [(2, "time")],
                      f"timestamp 99999-01-01 00:00:00 {RANGE}"),
    "jsonl-year-2300": Bad(jsonl(JSONL_GOOD, JSONL_GOOD.replace(TS, "2300-06-01 10:00:00")), 422, ONE_INVALID,
                           [(2, "time")], f"timestamp 2300-06-01T10:00:00 {RANGE}", name="e.jsonl"),
    "parquet-microseconds-1e18": Bad(parquet_with(time=pa.array([10**18, 1_704_103_200_000_000],
                                                                pa.timestamp("us"))),
                                     422, ONE_INVALID, [(1, "time")], f"timestamp 33658-09-27T01:46:40 {RANGE}",
                                     name="log.parquet"),
    "parquet-seconds-far": Bad(parquet_with(time=pa.array([1_704_103_200, 10**15], pa.timestamp("s", tz="UTC"))),
                               422, ONE_INVALID, [(2, "time")], f"timestamp 31690708-07-05T01:46:40Z {RANGE}",
                               name="log.parquet"),
    "parquet-nanoseconds-1677": Bad(parquet_with(time=pa.array([-(2**63) + 1, 0], pa.timestamp("ns"))), 422,
                                    ONE_INVALID, [(1, "time")], f"timestamp 1677-09-21T00:12:43 {RANGE}",
                                    name="log.parquet"),
    "parquet-date32-far": Bad(parquet_with(time=pa.array([19_723, 2**31 - 1], pa.date32())), 422, ONE_INVALID,
                              [(2, "time")], f"timestamp 5881580-07-11 {RANGE}", name="log.parquet"),
    "xes-year-1": Bad(xes_log([("A", "2024-01-01T10:00:00.000+00:00")],
                              [("B", "2024-01-01T11:00:00.000+00:00"), ("C", "0001-01-01T10:00:00.000+00:00")]),
                      422, ("the XES file holds a date rustxes cannot read: 0001-01-01T10:00:00.000+00:00",
                            "'time:timestamp', event 3", "1900-01-01 to 2200-12-31"),
                      [(3, "time:timestamp")], f"timestamp 0001-01-01T10:00:00.000+00:00 {RANGE}", name="y.xes"),
    "ocel-year-2300": Bad(ocel_json("2024-01-01T10:00:00Z", "2300-01-01T10:00:00Z"), 422,
                          ("the OCEL 2.0 file holds a date its reader cannot read: 2300-01-01T10:00:00Z",),
                          name="log.jsonocel", params={"object_type": "order"}),
    # Options that are not what they claim to be: refused (422) before the body is read
    "encoding-rot13": Bad(GOOD_CSV, 422, ("query.encoding", "'rot13' is not a text encoding"),
                          params={"encoding": "rot13"}),
    "encoding-base64": Bad(GOOD_CSV, 422, ("'base64' is not a text encoding",), params={"encoding": "base64"}),
    "encoding-with-nul": Bad(GOOD_CSV, 422, ("query.encoding", "NUL character"), params={"encoding": "utf-8\x00"}),
    "delimiter-nul": Bad(GOOD_CSV, 422, ("query.delimiter", "NUL character"), params={"delimiter": "\x00"}),
    "delimiter-non-ascii": Bad(GOOD_CSV, 422, ("query.delimiter", "delimiter 'é' is not accepted",
                                               "printable ASCII"), params={"delimiter": "é"}),
    "delimiter-quote": Bad(GOOD_CSV, 422, ("is not accepted",), params={"delimiter": '"'}),
    "delimiter-two-characters": Bad(GOOD_CSV, 422, ("is not accepted",), params={"delimiter": ";;"}),
    "object-type-with-nul": Bad(GOOD_CSV, 422, ("query.object_type", "NUL character"),
                                params={"object_type": "o\x00"}),
    # Nesting: Arrow's JSON reader crashes the process near 100,000 levels, json.dumps recurses
    "jsonl-lists-5000-deep": Bad(jsonl(JSONL_GOOD, jsonl_with_x(nested_json(5000))),
                                 400, ("line 2", DEEP), [(2, None)], name="e.jsonl"),
    "jsonl-objects-5000-deep": Bad(jsonl(jsonl_with_x(nested_json(5000, "object"))),
                                   400, ("line 1", DEEP), [(1, None)], name="e.jsonl"),
    "jsonl-lists-100000-deep": Bad(jsonl(JSONL_GOOD, JSONL_GOOD, jsonl_with_x(nested_json(10**5))),
                                   400, ("line 3", DEEP), [(3, None)], name="e.jsonl"),
    "jsonl-65-deep": Bad(jsonl(jsonl_with_x(nested_json(65))), 400, (DEEP,),
                         name="e.jsonl"),
    "parquet-struct-70-deep": Bad(parquet_with(x=nested_struct(70)), 400, ("column 'x'", DEEP), name="log.parquet"),
    # Archives that are not gzip
    "zip-named-csv": Bad(zipped("data.csv", GOOD_CSV), 415, (f"the file is a ZIP archive; {ARCHIVE}",)),
    "zip-inside-gzip": Bad(gzip.compress(zipped("data.csv", GOOD_CSV)), 415, ("ZIP archive",), name="data.csv.gz"),
    "7z-named-csv": Bad(b"7z\xbc\xaf\x27\x1c\x00\x04" + random_bytes(200), 415, (f"a 7z archive; {ARCHIVE}",)),
    "xz-named-csv": Bad(lzma.compress(GOOD_CSV), 415, ("xz-compressed; upload it uncompressed",)),
    "bzip2-named-csv": Bad(bz2.compress(GOOD_CSV), 415, ("bzip2-compressed",)),
    "zstd-named-csv": Bad(b"\x28\xb5\x2f\xfd" + random_bytes(200), 415, ("zstd-compressed",)),
}
