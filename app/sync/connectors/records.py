"""JSON records -> Arrow: dotted field paths, column building, tie-safe batching, time text."""

import json
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

_NESTED = (pa.types.is_struct, pa.types.is_list, pa.types.is_large_list, pa.types.is_map)
MISSING = object()


def path_getter(path: str) -> Callable[[Any], Any]:
    """A reader of a dotted path (`fields.status.name`, `items.0.id`); absent parts read as MISSING.
    An empty path reads the object itself."""
    parts = [int(p) if p.isdigit() else p for p in path.split(".")] if path else []
    if len(parts) == 1 and isinstance(parts[0], str):
        key = parts[0]
        return lambda obj: obj.get(key, MISSING) if isinstance(obj, dict) else MISSING

    def get(obj: Any) -> Any:
        for part in parts:
            try:
                obj = obj[part]
            except (KeyError, IndexError, TypeError):
                return MISSING
        return obj

    return get


def column_values(records: list, path: str) -> list:
    """The value at `path` in each record (MISSING where absent). Paths of one or two keys take a
    plain subscripting comprehension (several times faster than a getter per record); any record
    that lacks a part sends the whole page down the general path."""
    parts = path.split(".") if path else []
    try:
        if len(parts) == 1 and not parts[0].isdigit():
            key = parts[0]
            return [r[key] for r in records]
        if len(parts) == 2 and not any(p.isdigit() for p in parts):
            outer, inner = parts
            return [r[outer][inner] for r in records]
    except (KeyError, TypeError, IndexError):
        pass
    get = path_getter(path)
    return [get(r) for r in records]


def _as_text(value: Any) -> str | None:
    if value is None or value is MISSING:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def column_array(values: list) -> pa.Array:
    """One column as Arrow: its natural type when uniform, else text; objects and lists as JSON text."""
    try:
        array = pa.array(values, from_pandas=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([_as_text(v) for v in values], pa.string())
    if any(test(array.type) for test in _NESTED):
        return pa.array([_as_text(v) for v in values], pa.string())
    return array


def table_of(columns: dict[str, list]) -> pa.Table:
    return pa.table({name: column_array(values) for name, values in columns.items()})


def cut_between_values(values: list, final: bool) -> int:
    """How many leading rows form a unit that ends between two different watermark values: all of
    them when `final`, else up to (not including) the run of rows that share the last value, so a
    restart from the unit's watermark with a strict `>` cannot skip rows of a tie. 0 when every row
    shares one value (keep collecting)."""
    if final or not values:
        return len(values)
    last, cut = values[-1], len(values)
    while cut > 0 and values[cut - 1] == last:
        cut -= 1
    return cut


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds, e.g. 2024-05-01T10:00:00.000000+00:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse_iso(text: str) -> datetime:
    """An ISO 8601 moment (also `+0000` offsets and a `Z`); naive text is read as UTC."""
    text = text.strip()
    if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit() and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class ColumnBuffer:
    """Columns collected from pages until a unit is cut off the front."""

    def __init__(self, names: Iterable[str]) -> None:
        self.columns: dict[str, list] = {name: [] for name in names}

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()), []))

    def add_columns(self, columns: dict[str, list]) -> None:
        for name, values in columns.items():
            self.columns[name].extend(values)

    def add_rows(self, rows: list[dict]) -> None:
        for name, values in self.columns.items():
            values.extend(row.get(name) for row in rows)

    def cut(self, *, size: int, final: bool, tie_column: str | None) -> pa.Table | None:
        """The first unit as a table: everything when `final`; else, once `size` rows are held, all
        rows before the trailing run of rows sharing the last `tie_column` value (None: all rows)."""
        held = len(self)
        if held == 0 or (not final and held < size):
            return None
        cut = held if final or tie_column is None else cut_between_values(self.columns[tie_column], False)
        if cut == 0:
            return None
        unit = {name: values[:cut] for name, values in self.columns.items()}
        self.columns = {name: values[cut:] for name, values in self.columns.items()}
        return table_of(unit)


def empty_table(names: Iterable[str]) -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in names})
