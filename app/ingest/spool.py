"""Receive a multipart upload straight to disk, never holding the body in memory."""

from dataclasses import dataclass
from pathlib import Path

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import Request

from app.errors import InvalidInput, PayloadTooLarge, describe_sizes
from app.scratch import scratch_name


@dataclass
class Spooled:
    path: Path
    filename: str
    size: int


MAX_BOUNDARY = 70  # RFC 2046, section 5.1.1: a boundary is 1 to 70 characters


class _FilePart:
    """Callbacks for python-multipart: the part named `file` is written to `dest`. A second file
    part (a second `file` field, or any part with a filename) is refused as soon as its headers
    end: a request carries one file, and nothing of it is stored otherwise."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        self.out = None
        self.headers: dict[bytes, bytes] = {}
        self._name = b""
        self._value = b""
        self.current_is_file = False
        self.filename: str | None = None
        self.size = 0
        self.file_parts = 0
        self.file_done = self.ended = False  # the file part's end, and the closing boundary, were seen

    def on_part_begin(self) -> None:
        self.headers = {}

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def on_header_end(self) -> None:
        self.headers[self._name.lower()] = self._value
        self._name = self._value = b""

    def on_headers_finished(self) -> None:
        _, params = parse_options_header(self.headers.get(b"content-disposition", b""))
        self.file_parts += params.get(b"name") == b"file" or b"filename" in params
        if self.file_parts > 1:
            raise InvalidInput("the request holds more than one file; send one file per upload (nothing was stored)")
        self.current_is_file = params.get(b"name") == b"file"
        if self.current_is_file:
            self.filename = (params.get(b"filename") or b"upload").decode(errors="replace")
            self.out = open(self.dest, "wb")  # noqa: SIM115 - closed in on_part_end or on error

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self.current_is_file:
            self.out.write(data[start:end])
            self.size += end - start

    def on_part_end(self) -> None:
        if self.current_is_file:
            self.out.close()
            self.current_is_file = False
            self.file_done = True

    def on_end(self) -> None:
        self.ended = True


async def receive_file(request: Request, *, directory: Path, max_bytes: int) -> Spooled:
    """Stream the multipart field `file` of `request` into `directory`; 413 beyond `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        size, limit = describe_sizes(int(declared), max_bytes)
        raise PayloadTooLarge(f"the upload is {size}; the limit is {limit}")
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    if ctype != b"multipart/form-data" or b"boundary" not in params:
        raise InvalidInput("send the file as multipart/form-data in a field named 'file'")
    boundary = params[b"boundary"]
    if not 1 <= len(boundary) <= MAX_BOUNDARY:
        raise InvalidInput(f"the multipart boundary is {len(boundary)} characters long; RFC 2046 allows 1 to "
                           f"{MAX_BOUNDARY}")
    directory.mkdir(parents=True, exist_ok=True)
    part = _FilePart(directory / scratch_name("upload"))
    parser = MultipartParser(boundary, callbacks={
        name: getattr(part, name) for name in ("on_part_begin", "on_header_field", "on_header_value",
                                               "on_header_end", "on_headers_finished", "on_part_data",
                                               "on_part_end", "on_end")})
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_bytes:
                raise PayloadTooLarge(f"the upload exceeds the limit of {describe_sizes(received, max_bytes)[1]}")
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        _discard(part)
        raise InvalidInput(f"malformed multipart body: {exc}") from exc
    except BaseException:
        _discard(part)
        raise
    if part.filename is None:
        raise InvalidInput("no multipart field named 'file' in the request")
    if not (part.file_done and part.ended):
        _discard(part)
        raise InvalidInput("the multipart body is incomplete (it ends before its closing boundary); "
                           "was the upload cut off? nothing was stored")
    return Spooled(path=part.dest, filename=part.filename, size=part.size)


def _discard(part: _FilePart) -> None:
    if part.out is not None:
        part.out.close()
    part.dest.unlink(missing_ok=True)
