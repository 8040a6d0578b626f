"""How deeply nested an attribute value may be: at most MAX_NESTING levels of lists and objects.

Attribute values from JSON lines, Parquet (lists, structs, maps) and pushed events are stored as
JSON. Deeper values are refused with a 400 before they reach a recursive reader or writer: Arrow's
JSON reader overflows its stack near 100,000 levels (the process dies), and Python's json module
raises RecursionError near 1,000. None of the checks here recurses."""

import numpy as np
import pyarrow as pa

from app.errors import InvalidInput

MAX_NESTING = 64
_OPEN = (ord("["), ord("{"))
_CLOSE = (ord("]"), ord("}"))
_LINE_LIMIT = MAX_NESTING + 1  # a JSON line's own object is one level more than its attributes
_MARKS = np.zeros(256, bool)
_MARKS[[ord('"'), *_OPEN, *_CLOSE, 10]] = True


def too_deep(where: str, row: int | None = None) -> InvalidInput:
    return InvalidInput(f"{where} is nested deeper than {MAX_NESTING} levels (lists and objects); refused",
                        errors=[{"row": row, "column": None, "message": f"nested deeper than {MAX_NESTING} levels"}])


def first_deep_line(block: bytes) -> int | None:
    """The 0-based index of the first line of `block` (JSON lines) whose attributes nest deeper than
    MAX_NESTING.

    A line can only be that deep if it opens more brackets than that: brackets are counted
    per line first (cheap), and only such lines are measured exactly, together, in whole-array
    steps (brackets inside strings do not count)."""
    raw = np.frombuffer(block, dtype=np.uint8)
    opens = np.flatnonzero((raw == _OPEN[0]) | (raw == _OPEN[1]))
    if len(opens) <= _LINE_LIMIT:
        return None
    ends = np.flatnonzero(raw == 10)
    per_line = np.bincount(np.searchsorted(ends, opens), minlength=len(ends) + 1)
    candidates = np.flatnonzero(per_line > _LINE_LIMIT)
    if not len(candidates):
        return None
    lengths = np.diff(np.concatenate(([0], ends + 1, [len(raw)])))
    deep = _deep_lines(raw[np.repeat(per_line > _LINE_LIMIT, lengths)])
    return int(candidates[deep]) if deep is not None else None


def _deep_lines(text: np.ndarray) -> int | None:
    """The index of the first line of `text` whose brackets nest deeper than a line may.

    Works on the marks alone (quotes, brackets, line ends), each line measured from its start."""
    at = np.flatnonzero(_MARKS[text])
    char = text[at]
    quote = (char == ord('"')) & ~_escaped(text, at)
    newline = char == 10
    index = np.arange(len(at))
    start_of = np.maximum.accumulate(np.where(np.concatenate(([True], newline[:-1])), index, 0))
    quotes_before = np.cumsum(quote) - quote
    outside = (quotes_before - quotes_before[start_of]) % 2 == 0
    step = (outside & ((char == _OPEN[0]) | (char == _OPEN[1]))).astype(np.int64)
    step -= outside & ((char == _CLOSE[0]) | (char == _CLOSE[1]))
    depth = np.cumsum(step)
    depth -= (depth - step)[start_of]  # from each line's own start
    over = np.flatnonzero(depth > _LINE_LIMIT)
    return int(np.count_nonzero(newline[:over[0]])) if len(over) else None


def _escaped(text: np.ndarray, at: np.ndarray) -> np.ndarray:
    """For each position in `at`: whether an odd run of backslashes stands right before it."""
    backslashes = np.flatnonzero(text == ord("\\"))
    if not len(backslashes):
        return np.zeros(len(at), bool)
    breaks = np.flatnonzero(np.diff(backslashes) != 1)
    run_end = backslashes[np.concatenate((breaks, [len(backslashes) - 1]))]
    run_start = backslashes[np.concatenate(([0], breaks + 1))]
    k = np.minimum(np.searchsorted(run_end, at - 1), len(run_end) - 1)
    return (run_end[k] == at - 1) & ((run_end[k] - run_start[k]) % 2 == 0)


def arrow_depth(kind: pa.DataType) -> int:
    """Levels of lists, structs and maps in an Arrow type (iteratively)."""
    deepest, stack = 0, [(kind, 0)]
    while stack:
        kind, depth = stack.pop()
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_nested(kind):
            depth += 1
            stack.extend((kind.field(i).type, depth) for i in range(kind.num_fields))
        deepest = max(deepest, depth)
    return deepest


def python_depth_exceeds(value) -> bool:
    """Whether a parsed JSON value (dicts, lists, tuples, NumPy arrays) nests deeper than MAX_NESTING."""
    stack = [(value, 0)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list | tuple | np.ndarray):
            children = value
        else:
            continue
        if depth + 1 > MAX_NESTING:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False
