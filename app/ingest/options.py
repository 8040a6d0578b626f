"""Checks of the values a client names: upload options, and strings stored as they come. Pure:
each returns the problem, or None.

They run where the request is validated (a 422 before the body is read) and again where the
value is used (a CSV read from the command line has no request)."""

import codecs
from typing import Annotated

from pydantic import AfterValidator

from app.ingest.unicode import nfc_name


def nul_problem(value: str) -> str | None:
    # PostgreSQL text and JSON cannot hold NUL: such a value would fail the insert (a 500).
    return "must not contain a NUL character (\\x00)" if "\x00" in value else None


def _nul_free(value: str) -> str:
    if problem := nul_problem(value):
        raise ValueError(problem)
    return value


NulFree = Annotated[str, AfterValidator(_nul_free)]
"""A string that can be stored: no NUL character."""

ColumnName = Annotated[str, AfterValidator(_nul_free), AfterValidator(nfc_name)]
"""A column or attribute name as a mapping gives it: stored in NFC, as ingest stores the file's own."""


def delimiter_problem(delimiter: str) -> str | None:
    """Arrow splits on one byte; a quote or a line end cannot separate fields."""
    if delimiter == "\t" or (len(delimiter) == 1 and " " <= delimiter <= "~" and delimiter != '"'):
        return None
    return (f"delimiter {delimiter!r} is not accepted: use one printable ASCII character (not a double quote) "
            "or a tab")


def encoding_problem(name: str) -> str | None:
    """None if `name` is a text encoding that Arrow's CSV reader can use.

    Codecs such as base64, rot13 or zlib map bytes to bytes or str to str, and others
    ('undefined', 'punycode') fail on any text: Arrow transcodes with the codec's incremental
    decoder, so one is tried on an ASCII header first."""
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):  # ValueError: a name with a NUL character
        return f"unknown encoding {name!r}"
    try:
        usable = info._is_text_encoding and isinstance(
            codecs.getincrementaldecoder(name)("strict").decode(b"case,activity\n", final=False), str)
    except UnicodeDecodeError:  # a real text encoding in which these bytes mean nothing (UTF-32, EBCDIC)
        usable = True
    except Exception:  # noqa: BLE001 - a codec may raise anything (zlib.error, OSError, UnicodeError)
        usable = False
    if usable:
        return None
    return (f"{name!r} is not a text encoding a CSV file can be read in; pass ?encoding= with one such as "
            "utf-8, latin-1, cp1252 or utf-16")
