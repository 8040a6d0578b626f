"""The connector protocol and the unit it yields (see the package docstring for the contract)."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa
from pydantic import BaseModel, SecretStr

Progress = Callable[[int], None]


@dataclass(frozen=True, kw_only=True)
class Pulled:
    """One unit the runner stores in ONE transaction, then records `watermark` (and `checksum`)."""

    table: pa.Table | None = None   # rows with the source's raw columns, or None for a file
    file: Path | None = None        # a whole file for the upload pipeline; valid until the next unit
    name: str | None = None         # the file's name in its store (its extension tells the format)
    checksum: str | None = None     # sha256 of the file's bytes (files connector)
    size: int | None = None         # the file's size and mtime as listed (files connector)
    mtime_ns: int | None = None
    mapping: dict | None = None     # Mapping of these rows to canonical events; None = the source's own
    watermark: str | None = None    # the watermark once this unit is stored; never moves backwards
    pages: int = 0                  # pages, chunks or files read for this unit
    retries: int = 0                # requests retried while reading this unit


@dataclass(frozen=True)
class TakenFiles:
    """What the files connector delivered in earlier runs: the files' checksums, and each file as
    it was listed (name, size, mtime_ns), so that a file still listed the same is not read again."""

    checksums: frozenset[str] = frozenset()
    listed: frozenset[tuple[str, int, int]] = frozenset()


class Connector(Protocol):
    kind: str
    Params: Any                     # a pydantic model class, or an annotated union of them
    Credentials: type[BaseModel]

    def pull(self, params: Any, credentials: BaseModel, watermark: str | None, *, lookback_s: float = 0.0,
             taken: TakenFiles = TakenFiles(), progress: Progress | None = None) -> Iterator[Pulled]: ...


def secret_values(model: BaseModel | None) -> list[str]:
    """Every SecretStr (also inside dicts) of a credentials model, for redaction."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))

    walk(model)
    return found


def later(current: str | None, candidate: str | None, key: Callable[[str], Any]) -> str | None:
    """The later of two watermarks by `key` (a watermark never moves backwards)."""
    if candidate is None:
        return current
    if current is None:
        return candidate
    return candidate if key(candidate) > key(current) else current
