"""Text in Unicode NFC, so that one character is always stored as the same code points.

"Café" typed with a composed é (U+00E9) and "Café" with e + a combining accent (U+0301) look
alike and are one activity, one resource, one attribute value: ingest stores both composed.
ASCII text, nearly all of it, is NFC already, so a column is first checked byte-wise."""

import unicodedata

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from app.errors import InvalidInput


def nfc(text: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """String values in NFC (the same values when they are all ASCII)."""
    if pa.types.is_string(text.type) or pa.types.is_large_string(text.type):
        chunks = text.chunks if isinstance(text, pa.ChunkedArray) else [text]
        if all(_ascii_bytes(chunk.buffers()[2]) for chunk in chunks):
            return text
    return pc.utf8_normalize(text, "NFC")


def _ascii_bytes(data: pa.Buffer | None) -> bool:
    # A sliced array's neighbours' bytes may be scanned too: at worst it is normalised needlessly.
    return data is None or np.frombuffer(data, dtype=np.uint8).max(initial=0) < 0x80


def nfc_name(name: str) -> str:
    return name if name.isascii() else unicodedata.normalize("NFC", name)


def nfc_columns(names: list[str]) -> list[str]:
    """Column names in NFC; two that become one are refused (their values could not be told apart)."""
    if all(str(n).isascii() for n in names):
        return names
    normal = [nfc_name(str(n)) for n in names]
    if len(set(normal)) != len(normal):
        twins = sorted({n for n in normal if normal.count(n) > 1})
        raise InvalidInput(f"column names {twins} occur twice once Unicode-normalised (NFC): the same text "
                           "written with different code points; rename one")
    return normal
