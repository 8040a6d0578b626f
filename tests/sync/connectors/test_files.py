"""The files connector on a temporary folder: new files taken once per checksum, unsettled files wait."""

import gzip
import hashlib
import os
import time

from app.sync.connectors import get_connector, validate
from app.sync.connectors.base import TakenFiles
from app.sync.connectors.files import FilesConnector, LocalStore
from tests.support.growing import still_being_written

CSV = b"case,activity,time\nc1,Open,2024-01-01T10:00:00Z\nc1,Close,2024-01-01T11:00:00Z\n"


def pull(folder, known=frozenset(), listed=frozenset(), connector=None, **params):
    checked, credentials = validate("files", {"path": str(folder), "settle_s": 0.3, **params}, {})
    taken = []
    for unit in (connector or get_connector("files")).pull(
            checked, credentials, None, taken=TakenFiles(checksums=frozenset(known), listed=frozenset(listed))):
        assert unit.file.exists() and unit.file.read_bytes() == (folder / unit.name).read_bytes()
        taken.append(unit)
    return taken


def age(path, seconds=60):
    moment = time.time() - seconds
    os.utime(path, (moment, moment))


def test_files_dropped_between_pulls_are_taken_by_the_next(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV)
    (tmp_path / "notes.txt").write_text("not an event log")
    (tmp_path / ".hidden.csv").write_bytes(CSV + b"c2,Open,2024-01-02T00:00:00Z\n")
    for path in tmp_path.iterdir():
        age(path)
    first = pull(tmp_path)
    assert [u.name for u in first] == ["a.csv"] and first[0].pages == 1 and first[0].table is None
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(b'{"case": "c9", "activity": "Open"}\n'))
    age(tmp_path / "b.jsonl.gz")
    second = pull(tmp_path, known={u.checksum for u in first})
    assert [u.name for u in second] == ["b.jsonl.gz"]
    assert pull(tmp_path, known={u.checksum for u in first + second}) == []


def test_the_same_bytes_under_another_name_are_taken_once(tmp_path):
    (tmp_path / "export-1.csv").write_bytes(CSV)
    (tmp_path / "export-1-copy.csv").write_bytes(CSV)
    for path in tmp_path.iterdir():
        age(path)
    taken = pull(tmp_path)
    assert [u.name for u in taken] == ["export-1-copy.csv"]  # the first in name order
    assert taken[0].checksum == hashlib.sha256(CSV).hexdigest()
    assert pull(tmp_path, known={hashlib.sha256(CSV).hexdigest()}) == []


def test_a_file_still_being_written_waits_for_the_next_run(tmp_path):
    growing = tmp_path / "live.csv"
    line = lambda n: f"c{n},Open,2024-01-01T10:00:00Z\n".encode()  # noqa: E731
    with still_being_written(growing, b"case,activity,time\n", line) as rows:
        assert pull(tmp_path) == []  # its size changed between the two looks
    age(growing)
    taken = pull(tmp_path)
    assert [u.name for u in taken] == ["live.csv"] and taken[0].file.name.endswith("live.csv")
    assert rows  # it did grow while the first pull looked


def test_pattern_and_subfolders(tmp_path):
    (tmp_path / "in" / "2024").mkdir(parents=True)
    (tmp_path / "in" / "2024" / "x.parquet").write_bytes(b"PAR1 not really")
    (tmp_path / "top.csv").write_bytes(CSV)
    for path in [tmp_path / "in" / "2024" / "x.parquet", tmp_path / "top.csv"]:
        age(path)
    assert [u.name for u in pull(tmp_path, pattern="in/**/*.parquet")] == ["in/2024/x.parquet"]


def test_copies_are_removed_when_the_pull_ends(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV)
    age(tmp_path / "a.csv")
    checked, credentials = validate("files", {"path": str(tmp_path)}, {})
    units = list(get_connector("files").pull(checked, credentials, None))
    assert not units[0].file.exists() and not units[0].file.parent.exists()


def test_local_store_lists_entries_with_size_and_mtime(tmp_path):
    (tmp_path / "a.csv").write_bytes(CSV)
    [entry] = LocalStore(tmp_path).entries("*")
    assert (entry.name, entry.size) == ("a.csv", len(CSV)) and entry.mtime_ns == (tmp_path / "a.csv").stat().st_mtime_ns


def test_a_file_listed_as_it_was_taken_is_not_read_again(tmp_path):
    old = tmp_path / "old.csv"
    old.write_bytes(CSV)
    age(old)
    [first] = pull(tmp_path)
    assert (first.size, first.mtime_ns) == (len(CSV), old.stat().st_mtime_ns)
    opened = []

    class Counting(LocalStore):
        def open(self, name):
            opened.append(name)
            return super().open(name)

    reading = FilesConnector(store_for=Counting)
    (tmp_path / "new.csv").write_bytes(CSV + b"c2,Open,2024-01-02T00:00:00Z\n")
    age(tmp_path / "new.csv")
    known, listed = {first.checksum}, {(first.name, first.size, first.mtime_ns)}
    [second] = pull(tmp_path, known=known, listed=listed, connector=reading)
    assert second.name == "new.csv" and opened == ["new.csv"]  # old.csv was not read to be known
    known.add(second.checksum)
    listed.add((second.name, second.size, second.mtime_ns))
    opened.clear()
    assert pull(tmp_path, known=known, listed=listed, connector=reading) == [] and opened == []
    old.write_bytes(CSV.replace(b"Close", b"Shut!"))  # rewritten in place: same size, other bytes
    age(old, 30)
    assert [u.name for u in pull(tmp_path, known=known, listed=listed, connector=reading)] == ["old.csv"]
    assert opened == ["old.csv"]
    opened.clear()
    old.write_bytes(CSV)  # back to the bytes taken first, under a new mtime: read, known by checksum
    age(old, 20)
    assert pull(tmp_path, known=known, listed=listed, connector=reading) == [] and opened == ["old.csv"]
