"""XES in trace-aligned pieces: rustxes (through pm4py) reads one piece of about 16 MB at a time.

A whole 250 MB log parsed at once peaks at 1.25 GB and holds the interpreter for seconds; in
pieces, memory stays flat and the later stages (validation, staging) overlap the parsing. Each
piece is the log's header (extensions, globals, classifiers, log attributes) plus whole traces."""

import re
import subprocess
import sys
import uuid
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from app.errors import InvalidInput
from app.ingest.parsers import RawBatch, numbered
from app.ingest.unreadable import PANIC, unreadable_xes

PIECE_BYTES = 16 << 20
_TRACE = re.compile(rb"<trace[\s>/]")
_END = b"</trace>"
_NUL_REFERENCE = re.compile(rb"&#[xX]?0")  # may also catch &#x0041; then the slow check runs


def _header(path: Path) -> tuple[bytes, int]:
    """The bytes before the first trace, and where the traces begin (-1: no trace at all)."""
    with open(path, "rb") as f:
        head = f.read(PIECE_BYTES)
    found = _TRACE.search(head)
    if found is None:
        return head, -1
    return head[:found.start()], found.start()


def _pieces(path: Path, start: int) -> Iterator[bytes]:
    """Runs of whole traces, each about PIECE_BYTES long."""
    with open(path, "rb") as f:
        f.seek(start)
        pending = b""
        while chunk := f.read(PIECE_BYTES):
            pending += chunk
            cut = pending.rfind(_END)
            if cut < 0:
                continue
            cut += len(_END)
            yield pending[:cut]
            pending = pending[cut:]
        if _TRACE.search(pending):
            raise InvalidInput("cannot parse the XES file: it ends inside a trace (is it truncated?)")


def read_xes(path: Path, *, batch_rows: int) -> Iterator[RawBatch]:
    """The log's events, in file order, numbered from 1."""
    from app.mining.readers import read_xes_frame

    header, start = _header(path)
    if start < 0:  # no traces (or an unusual layout): let the reader judge the whole file
        try:
            frame = read_xes_frame(path)
        except InvalidInput as exc:
            raise unreadable_xes(exc.detail.removeprefix("cannot parse the XES file: "), header, 0) from None
        yield from _numbered_batches(frame, 1, batch_rows)
        return
    row = 1
    with _PieceParser(path) as parser:
        for frame, nul_free in parser.frames(header, _pieces(path, start)):
            yield from _numbered_batches(frame, row, batch_rows, nul_free=nul_free)
            row += len(frame)


class _PieceParser:
    """rustxes in a child process (xes_worker), one piece ahead of the caller."""

    AHEAD = 2

    def __init__(self, path: Path) -> None:
        self.stem = path.with_name(f"{path.name}.piece-{uuid.uuid4().hex}")
        self.child = subprocess.Popen([sys.executable, "-m", "app.ingest.xes_worker"], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True, bufsize=1,
                                      cwd=Path(__file__).resolve().parents[3])
        self.paths: list[Path] = []
        self.events_before = 0  # events in the pieces already handed back

    def __enter__(self) -> "_PieceParser":
        return self

    def __exit__(self, *exc) -> None:
        self.child.kill()
        self.child.wait()
        for piece in self.paths:
            piece.unlink(missing_ok=True)
            piece.with_name(piece.name + ".arrow").unlink(missing_ok=True)

    def frames(self, header: bytes, pieces: Iterator[bytes]) -> Iterator[tuple[pd.DataFrame, bool]]:
        """Each piece's events, and whether its bytes are free of NUL characters (raw or as a
        character reference): then its text need not be searched for them column by column."""
        pending: deque[tuple[Path, bool]] = deque()
        for i, traces in enumerate(pieces):
            piece = self.stem.with_name(f"{self.stem.name}-{i}.xes")
            piece.write_bytes(header + traces + b"\n</log>\n")
            self.paths.append(piece)
            self.child.stdin.write(f"{piece}\n")
            pending.append((piece, b"\x00" not in traces and _NUL_REFERENCE.search(traces) is None))
            if len(pending) >= self.AHEAD:
                piece, nul_free = pending.popleft()
                yield self._result(piece), nul_free
        while pending:
            piece, nul_free = pending.popleft()
            yield self._result(piece), nul_free

    def _result(self, piece: Path) -> pd.DataFrame:
        from app.mining.readers import utc_datetimes

        answer = self.child.stdout.readline().strip()
        if answer != "ok":
            reason = answer.removeprefix("error ") or "the parser stopped"
            raise unreadable_xes(reason, piece.read_bytes() if PANIC in reason else b"", self.events_before)
        piece.unlink(missing_ok=True)
        out = piece.with_name(piece.name + ".arrow")
        with pa.memory_map(str(out)) as source:
            frame = pa.ipc.open_file(source).read_all().to_pandas()
        out.unlink(missing_ok=True)
        self.events_before += len(frame)
        return utc_datetimes(frame)


def _numbered_batches(frame, first_row: int, batch_rows: int, nul_free: bool = False) -> Iterator[RawBatch]:
    for offset in range(0, len(frame), batch_rows):
        yield numbered(frame.iloc[offset:offset + batch_rows].reset_index(drop=True), first_row + offset,
                       nul_free=nul_free)

