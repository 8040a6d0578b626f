"""The blueprint's events as integer-coded NumPy columns: correlated, sorted, filtered, laned.

Built from the sources' columnar copies (text dictionary-encoded) without a Python string per
event: each text column becomes codes into its sorted distinct labels, lane rules run once per
distinct kind of event, and the results map back to events by code."""

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from app.lanes.assign import KIND, kind_lanes
from app.lanes.schemas import LaneRules
from app.mining.frame import NAT, EventArrays, arrays, case_time_order

_TEXT = pa.dictionary(pa.int32(), pa.string())
SEGMENT_COLUMNS = ("activity", "source", "system", "resource", "role")


@dataclass
class Coded:
    """A text column as int64 codes (-1 for null) into its sorted, distinct, used labels."""

    codes: np.ndarray
    labels: pa.Array

    def names(self) -> np.ndarray:
        return np.asarray(self.labels.to_pylist(), dtype=object)

    def take(self, index: np.ndarray) -> "Coded":
        return Coded(self.codes[index], self.labels)

    def compact(self) -> "Coded":
        """Drop labels no event uses any more (after a filter)."""
        return _sorted_codes(self.codes, self.labels)

    def code_of(self, value: str) -> int:
        found = pc.index(self.labels, value).as_py()
        return -1 if found is None else found


def coded(column: pa.ChunkedArray | pa.Array) -> Coded:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array.cast(pa.string()))
    index = pc.fill_null(array.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return _sorted_codes(index, array.dictionary)


def _sorted_codes(index: np.ndarray, dictionary: pa.Array) -> Coded:
    used = np.flatnonzero(np.bincount(index[index >= 0], minlength=len(dictionary)))
    labels = dictionary.take(pa.array(used, pa.int64()))
    order = pc.array_sort_indices(labels).to_numpy()
    remap = np.full(len(dictionary) + 1, -1, dtype=np.int64)  # the last slot maps -1 to -1
    remap[used[order]] = np.arange(len(used), dtype=np.int64)
    return Coded(remap[index], labels.take(pa.array(order, pa.int64())))


@dataclass
class SourceRows:
    """One source's columnar events, the column that holds its case key, the column naming each
    event's thread (None: one thread for the source) and its declared lifecycle mode."""

    id: int
    name: str
    system: str
    table: pa.Table
    case_column: str
    thread_column: str | None = None
    lifecycle: str | None = None


@dataclass
class BlueprintEvents:
    ev: EventArrays
    text: dict[str, Coded]  # source, system, role, lifecycle, thread and attr:<name>, in the order of ev
    source_counts: dict[int, int]  # events per source id, before correlation and filters
    uncorrelated: int
    declared_modes: list[str | None]  # per source (in the order of text["source"] labels)

    def kinds(self, attributes: list[str]) -> tuple[pd.DataFrame, np.ndarray]:
        """The distinct kinds of event (KIND and these attributes' labels) and each event's kind."""
        columns = {"activity": Coded(self.ev.act, pa.array(self.ev.act_labels.tolist(), pa.string())),
                   "resource": Coded(self.ev.resource, pa.array(self.ev.resource_labels.tolist(), pa.string())),
                   **self.text}
        names = KIND + [f"attr:{a}" for a in sorted(attributes)]
        if np.prod([float(len(columns[n].labels) + 1) for n in names]) < 2.0 ** 62:
            key = np.zeros(self.ev.n, dtype=np.int64)
            for name in names:  # mixed radix over the columns' codes
                key = key * (len(columns[name].labels) + 1) + columns[name].codes + 1
            kind, _ = pd.factorize(key)
        else:  # too many combinations to pack into one integer
            kind, _ = pd.MultiIndex.from_arrays([columns[n].codes for n in names]).factorize()
        first = np.empty(int(kind.max()) + 1 if len(kind) else 0, dtype=np.int64)
        first[kind[::-1]] = np.arange(len(kind) - 1, -1, -1)
        frame = {}
        for name in names:
            labels, codes = columns[name].names(), columns[name].codes[first]
            frame[name] = pd.Series(labels[codes] if len(labels) else codes.astype(object), dtype=object) \
                .where(codes >= 0, None)
        return pd.DataFrame(frame), kind.astype(np.int64)

    def lanes(self, rules: LaneRules) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Per event: lane index (-1 none), evidence code (-1 none); the evidence labels; and how
        many events each rule took."""
        kinds, kind = self.kinds(sorted(rules.attributes_used()))
        lane, evidence, rule = kind_lanes(kinds, rules)
        codes, labels = pd.factorize(pd.Series(evidence, dtype=object), sort=True, use_na_sentinel=True)
        per_kind = np.bincount(kind, minlength=len(rule)) if len(kind) else np.zeros(len(rule), np.int64)
        hits = np.bincount(rule[rule >= 0], weights=per_kind[rule >= 0], minlength=len(rules.rules))
        return lane[kind], codes.astype(np.int64)[kind], np.asarray(labels, dtype=object), hits.astype(int).tolist()

    def frame(self) -> pd.DataFrame:
        """A pandas view (labels, not codes; `attr:<name>` for the attributes gathered), for the few
        consumers that want one."""
        ev = self.ev
        out = {"case_id": ev.case, "activity": ev.act_labels[ev.act], "timestamp": ev.ts,
               "resource": np.where(ev.resource >= 0, ev.resource_labels[ev.resource] if len(ev.resource_labels)
                                    else None, None)}
        for name in ("source", "system", "role", *(k for k in self.text if k.startswith("attr:"))):
            labels, codes = self.text[name].names(), self.text[name].codes
            out[name] = np.where(codes >= 0, labels[codes] if len(labels) else None, None)
        return pd.DataFrame(out)


def _ints(rows: list[SourceRows], column: str, fill: int | None = None) -> np.ndarray:
    parts = [r.table[column] for r in rows]
    if fill is not None:
        parts = [pc.fill_null(p, fill) for p in parts]
    return np.concatenate([p.to_numpy() for p in parts]) if parts else np.zeros(0, np.int64)


def _text(rows: list[SourceRows], column: str | None) -> Coded:
    chunks = [c for r in rows for c in r.table[column or r.case_column].cast(_TEXT).chunks]
    return coded(pa.chunked_array(chunks, _TEXT))


def _all_null(rows: list[SourceRows], column: str) -> bool:
    return all(column not in r.table.column_names or r.table[column].null_count == r.table.num_rows for r in rows)


def _threads(rows: list[SourceRows]) -> Coded:
    """Each event's thread within its case: its source, and the value of the source's thread
    column where it names one (events without a value share the source's own thread)."""
    chunks = []
    for i, r in enumerate(rows):
        if r.thread_column and r.thread_column in r.table.column_names:
            value = pc.fill_null(r.table[r.thread_column].cast(pa.string()), "")
            chunks += pc.binary_join_element_wise(f"{i}:", value, "").cast(_TEXT).chunks
        else:  # one thread for the whole source: a dictionary of one label
            chunks.append(pa.DictionaryArray.from_arrays(pa.array(np.zeros(r.table.num_rows, np.int32)),
                                                         pa.array([f"{i}:"], pa.string())))
    return coded(pa.chunked_array(chunks, _TEXT))


def gather(rows: list[SourceRows], attributes: list[str], window: tuple[int | None, int | None],
           segments: list[tuple[str, str]]) -> BlueprintEvents:
    """The sources' events, correlated into cases, in (case, time, file) order; only the cases
    that begin in [window) and have, on some event, every segment value."""
    rows = sorted(rows, key=lambda r: r.id)  # each table is in (upload, ordinal) order: file order
    sizes = [r.table.num_rows for r in rows]
    source = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
    case = _text(rows, None)
    keep = np.flatnonzero(case.codes >= 0)
    ts = _ints(rows, "timestamp")
    order = keep[case_time_order(case.codes[keep], ts[keep])]
    text = {"source": Coded(source, pa.array([r.name for r in rows], pa.string())),
            "system": coded(pa.array([r.system for r in rows], pa.string()).take(pa.array(source)))}
    # Columns no event fills (no roles, no lifecycle, an attribute no event has) are not gathered:
    # they are all null, whatever the order. A source without a thread column is one thread.
    null = [c for c in ("role", "lifecycle", *(f"attr:{a}" for a in attributes)) if _all_null(rows, c)]
    threaded = any(r.thread_column and r.thread_column in r.table.column_names for r in rows)
    text.update({c: _text(rows, c) for c in ("role", "lifecycle", *(f"attr:{a}" for a in attributes))
                 if c not in null})
    if threaded:
        text["thread"] = _threads(rows)
    text = {k: v.take(order) for k, v in text.items()}
    text.update({c: Coded(np.full(len(order), -1, np.int64), pa.array([], pa.string())) for c in null})
    if not threaded:
        text["thread"] = text["source"]
    act, resource, case_codes = _text(rows, "activity").take(order), _text(rows, "resource").take(order), \
        case.codes[order]
    ts = ts[order]
    start = _ints(rows, "start_timestamp", NAT)[order] if rows else None
    selected = _selected(case_codes, ts, {**text, "activity": act, "resource": resource}, window, segments)
    if selected is not None:
        case_codes, ts, start = case_codes[selected], ts[selected], start[selected]
        act, resource = act.take(selected), resource.take(selected)
        text = {k: v.take(selected) for k, v in text.items()}
        act, resource = act.compact(), resource.compact()  # labels of cases left out go
        text = {k: v.compact() for k, v in text.items()}
    has_start = start is not None and bool((start != NAT).any())
    ev = arrays(case_codes, act.codes, act.names(), ts, start if has_start else None, resource.codes,
                resource.names())
    return BlueprintEvents(ev=ev, text=text, source_counts={r.id: n for r, n in zip(rows, sizes, strict=True)},
                           uncorrelated=int(len(case.codes) - len(keep)), declared_modes=[r.lifecycle for r in rows])


def _selected(case: np.ndarray, ts: np.ndarray, columns: dict[str, Coded], window, segments) -> np.ndarray | None:
    """Positions of the events of the cases the window and segments keep (None: all of them)."""
    if not len(case) or (window == (None, None) and not segments):
        return None
    cases = int(case.max()) + 1
    wanted = np.ones(cases, dtype=bool)
    first = np.flatnonzero(np.concatenate(([True], case[1:] != case[:-1])))  # events sorted by case
    begin = np.full(cases, NAT, dtype=np.int64)
    begin[case[first]] = ts[first]  # sorted by time within a case: the first event is the earliest
    start, end = window
    present = np.zeros(cases, dtype=bool)
    present[case[first]] = True
    wanted &= present
    if start is not None:
        wanted &= begin >= start
    if end is not None:
        wanted &= begin < end
    for name, value in segments:
        column = columns.get(name if name in SEGMENT_COLUMNS else f"attr:{name}")
        hit = np.zeros(cases, dtype=bool)
        if column is not None and (code := column.code_of(value)) >= 0:
            hit[case[column.codes == code]] = True
        wanted &= hit
    return np.flatnonzero(wanted[case])
