"""A child process that parses XES pieces with rustxes, so that parsing overlaps the parent's work.

rustxes holds the GIL while it parses (about 4 s per million events): in a thread it would stop
everything else. The parent sends one piece path per line; the child writes the piece's events
as an Arrow IPC file beside it and answers `ok`, or `error <message>`. Imports only rustxes and
pyarrow: it starts in about 0.3 s."""

import sys


def _parse(path: str) -> None:
    import pyarrow as pa
    import rustxes

    table = rustxes.import_xes(path)[0].to_arrow()
    with pa.OSFile(path + ".arrow", "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        writer.write_table(table)


def main() -> None:
    for line in sys.stdin:
        path = line.rstrip("\n")
        try:
            _parse(path)
            answer = "ok"
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # rustxes panics (pyo3 PanicException) on bad XML
            answer = "error " + " ".join(str(exc).split())[:300]
        sys.stdout.write(answer + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
