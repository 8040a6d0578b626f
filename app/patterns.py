"""User-supplied regular expressions: one linear-time engine, RE2, checked when they are written.

Python's `re` backtracks: `(a+)+$` against 27 `a`s and a `!` takes seconds, and each character
more doubles it, so one lane rule could freeze the server. RE2 matches in time linear in the
text, whatever the pattern. Columns are matched by pyarrow's RE2 (`match_substring_regex`), single
strings by google-re2: the same library and syntax. A pattern either engine refuses (RE2 has no
backreferences, no look-around, no `(?x)`, repetition counts up to 1000) is refused when the
blueprint is written, with the reason, so nothing stored can fail later."""

from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import re2

MAX_PATTERN_LENGTH = 1000
_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # errors are reported to the client, not to stderr


def check_pattern(pattern: str) -> str:
    """The pattern if RE2 accepts it; else ValueError saying why (for a 422 naming the field)."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ValueError(f"the pattern is {len(pattern)} characters long; at most {MAX_PATTERN_LENGTH} are accepted")
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise ValueError(f"{pattern!r} is not a valid RE2 regular expression ({reason}); RE2 has no "
                         "backreferences, look-around or (?x), and repeats at most {1000}") from None
    try:  # the column engine too (the same RE2, but built with pyarrow's own options)
        pc.match_substring_regex(pa.array([""], pa.string()), pattern)
    except pa.ArrowInvalid as exc:
        raise ValueError(f"{pattern!r} is not a valid regular expression: {exc}") from None
    return pattern


@lru_cache(maxsize=1024)
def _compiled(pattern: str):
    return re2.compile(pattern, _OPTIONS)


def search(pattern: str, text: str) -> bool:
    """Whether the pattern matches anywhere in `text` (a checked pattern)."""
    return _compiled(pattern).search(text) is not None


def column_matches(values: pa.Array | pa.ChunkedArray, pattern: str) -> np.ndarray:
    """Per value: whether the pattern matches anywhere in it (False for null)."""
    text = values.cast(pa.string()) if values.type != pa.string() else values
    found = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
