"""Schemathesis over the API of a real `blueprint-miner serve` on a seeded SQLite database.

Used by tests/test_fuzz.py (bounded by examples, in `make test`) and by `make fuzz` (bounded by
time, longer):

    python -m tests.support.fuzz --max-time 300 --max-examples 500

With a time budget schemathesis repeats its fuzzing until the time is spent, so what a run covers
depends on the machine's speed; without one each phase runs once (`max_examples` per operation),
the same work however slow the machine.

Two passes on one server: first every operation but the DELETEs, so the seeded sources, uploads
and blueprint stay there for the deep paths; then every operation, DELETEs included (and the
stateful phase: create, read, delete, read again)."""

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.postgres import PostgresServer, find_bindir
from tests.support.server import ServerProcess

KEY = "bpm_fuzz_admin_key_0123456789abcdef"
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance", "response_headers_conformance", "unsupported_method",
          "allow_header_conformance", "ignored_auth", "use_after_free", "ensure_resource_availability",
          "missing_required_header")
# Not run: negative_data_rejection (pydantic's lax mode takes `false` for a float, e.g.
# assumptions.tolerance) and positive_data_acceptance (business rules: unknown sources, unique
# names, files without events answer 4xx to schema-valid requests, as they should).
#
# KNOWN-ELSEWHERE: server errors inside code another branch is changing while this was written.
# A failure is excused only when its check and operations are listed AND every unhandled error in
# the server's log is of the listed exception, raised (deepest frame of ours) in the listed files.
# Remove an entry once that branch is merged and the fuzzer passes without it.


@dataclass(frozen=True)
class KnownElsewhere:
    code: str
    operations: frozenset[str]
    error: str  # the exception's name as the traceback's last line gives it
    raised_in: tuple[str, ...]  # path prefixes, relative to the repository
    why: str


# Empty since main's RE2 check of every user pattern on write (the invalid phase regexes of the
# first runs are 422 now). Add (code, operations, exception, files, why) entries here when needed.
KNOWN_ELSEWHERE: tuple[KnownElsewhere, ...] = ()
# A source's sync configuration is its own resource, made by PUT /v1/sources/{id}/sync: a source
# just created has none, and 404 is the documented answer. Schemathesis' stateful phase infers a
# link from POST /v1/sources to it and takes that 404 for a created resource gone missing; its
# per-operation check settings do not reach that phase, so those cases are excused here, by path.
SUB_RESOURCE_MADE_BY_PUT = re.compile(r"(GET|PUT|DELETE|POST) /v1/sources/\{source_id\}/sync(/.*)?")
PASSES = (("no deletes", ("--exclude-method", "DELETE"), 0.7), ("all operations", (), 0.3))


def _events(case_ids: range) -> list[dict]:
    steps = [("Open", "customer", "web"), ("Triage", "agent", "desk"), ("Fix", "engineer", "ops"),
             ("Close", "agent", "desk")]
    return [{"case_id": f"c{case}", "activity": activity, "resource": resource, "role": role,
             "timestamp": f"2026-01-{case:02d}T{9 + hour}:00:00Z",
             "attributes": {"channel": "email" if case % 2 else "phone"}}
            for case in case_ids for hour, (activity, role, resource) in enumerate(steps)]


def seed(http) -> dict[str, int]:
    """Sources 1 and 2 with 20 events each (uploads 1 and 2) and blueprint 1 over both."""
    ids = {}
    for name, system, cases in (("desk", "ticketing", range(1, 6)), ("crm", "crm", range(3, 8))):
        r = http.post("/v1/sources", json={"name": name, "system": system, "timezone": "Europe/Rome"})
        r.raise_for_status()
        ids[name] = r.json()["id"]
        http.post(f"/v1/sources/{ids[name]}/events", json=_events(cases)).raise_for_status()
    r = http.post("/v1/blueprints", json={
        "name": "support", "sources": [ids["desk"], ids["crm"]],
        "lanes": {"rules": [{"lane": "customer", "match": {"role": "customer"}},
                            {"lane": "frontstage", "match": {"role": "agent"}}], "default": "backstage"},
        "phases": [{"name": "intake", "activities": ["Open", "Triage"]}, {"name": "work", "activities": ["Fix"]}],
        "assumptions": {"steps": {"Fix": 3600}, "tolerance": 0.25}})
    r.raise_for_status()
    ids["blueprint"] = r.json()["id"]
    return ids


@dataclass
class FuzzResult:
    """The figures of all passes together."""

    operations: int = 0  # tested, in the pass that tested most
    total_operations: int = 0  # in the document
    test_cases: int = 0
    failures: list[dict] = field(default_factory=list)  # schemathesis' entries: code, title, operations
    errors: list = field(default_factory=list)
    returncodes: list[int] = field(default_factory=list)
    output: str = ""

    server_errors: list[tuple[str, str]] = field(default_factory=list)  # (exception, deepest app file)

    def known(self) -> list[KnownElsewhere]:
        """The KNOWN_ELSEWHERE entries that cover every unhandled error the server logged."""
        matching = [k for k in KNOWN_ELSEWHERE
                    if any(err == k.error and where.startswith(k.raised_in) for err, where in self.server_errors)]
        covered = all(any(err == k.error and where.startswith(k.raised_in) for k in matching)
                      for err, where in self.server_errors)
        return matching if covered else []

    def unexpected(self) -> list[dict]:
        """Failures not excused by KNOWN_ELSEWHERE or SUB_RESOURCE_MADE_BY_PUT."""
        known = self.known()
        return [f for f in self.failures
                if not any(f["code"] == k.code and set(f.get("operations", ["?"])) <= k.operations for k in known)
                and not (f["code"] == "ST302" and self._missing_only_sub_resources())]

    def _missing_only_sub_resources(self) -> bool:
        """Whether every 'created resource not found' of the output is a sub-resource made by PUT."""
        missing = re.findall(r"Not available with: `([^`]+)`", self.output)
        return bool(missing) and all(SUB_RESOURCE_MADE_BY_PUT.fullmatch(name) for name in missing)


UNTIMED_PASS_LIMIT_S = 1800  # a pass bounded by examples: only a hung one comes near this


def _run_pass(server: ServerProcess, workdir: Path, *, name: str, args: tuple[str, ...], max_time: int | None,
              max_examples: int, seed_value: int | None, result: FuzzResult) -> None:
    report = workdir / f"report-{name.replace(' ', '-')}.json"
    command = [str(Path(sys.executable).parent / "schemathesis"), "run", f"{server.base}/openapi.json",
               "-H", f"Authorization: Bearer {KEY}", "--checks", ",".join(CHECKS),
               "--max-examples", str(max_examples), "--workers", "1",
               "--report", "json", "--report-json-path", str(report), "--no-color", *args]
    if max_time is not None:
        command += ["--max-time", str(max_time)]
    if seed_value is not None:
        command += ["--seed", str(seed_value)]
    limit = UNTIMED_PASS_LIMIT_S if max_time is None else max_time * 3 + 120
    # In the work folder: schemathesis keeps a cache of its findings in the current directory.
    done = subprocess.run(command, capture_output=True, text=True, timeout=limit, cwd=workdir)
    result.returncodes.append(done.returncode)
    result.output += f"\n===== pass: {name} =====\n{done.stdout}{done.stderr}"
    if not report.exists():
        result.errors.append(f"pass {name!r} wrote no report (exit {done.returncode})")
        return
    figures = json.loads(report.read_text())
    result.operations = max(result.operations, figures["operations"]["tested"])
    result.total_operations = max(result.total_operations, figures["operations"]["total"])
    result.test_cases += figures["test_cases"]["generated"]
    result.failures += figures["failures"]
    result.errors += figures["errors"]


def run(*, max_time: int | None, max_examples: int, workdir: Path, seed_value: int | None = None,
        database_url: str | None = None) -> FuzzResult:
    """Start a server (on SQLite unless `database_url`), seed it, run both passes within about
    `max_time` seconds (None: each phase once, bounded by `max_examples`); their figures."""
    data = workdir / "data"
    result = FuzzResult()
    with ServerProcess(data_dir=data, key=KEY, log=workdir / "server.log", database_url=database_url,
                       env={"BLUEPRINT_LOG_JSON": "false"}) as server:
        seed(server.http)
        for name, args, share in PASSES:
            budget = None if max_time is None else max(5, round(max_time * share))
            _run_pass(server, workdir, name=name, args=args, max_time=budget,
                      max_examples=max_examples, seed_value=seed_value, result=result)
    result.server_errors = unhandled_errors((workdir / "server.log").read_text(errors="replace"))
    return result


def unhandled_errors(log: str) -> list[tuple[str, str]]:
    """(exception, deepest file of ours) of each traceback logged after 'unhandled error' (plain logs)."""
    found = []
    for block in log.split("unhandled error")[1:]:
        lines = []
        for line in block.splitlines()[1:]:
            if re.match(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL) ", line):
                break  # the next log record
            lines.append(line)
        ours = [m.group(1) for line in lines if (m := re.search(r'File ".*?/(app/[^"]+)", line', line))
                and "/site-packages/" not in line]
        raised = [line for line in lines if line and not line.startswith((" ", "\t", "Traceback", "During handling",
                                                                          "The above exception"))]
        found.append((raised[-1].split(":", 1)[0].strip() if raised else "", ours[-1] if ours else ""))
    return found


def summary(result: FuzzResult) -> str:
    lines = [f"operations tested: {result.operations} of {result.total_operations}; "
             f"test cases generated: {result.test_cases}; "
             f"failures: {len(result.failures)} ({len(result.unexpected())} not known elsewhere); "
             f"errors: {len(result.errors)}"]
    lines += [f"  {f['code']} {f['title']} x{f.get('count', 1)}: {', '.join(f.get('operations', []))}"
              for f in result.failures]
    lines += [f"  server error: {err} in {where}" for err, where in sorted(set(result.server_errors))]
    lines += [f"  KNOWN-ELSEWHERE excused: {k.code} {k.error} in {', '.join(k.raised_in)}: {k.why}"
              for k in result.known() if result.failures]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-time", type=int, default=300, help="seconds for both passes together")
    parser.add_argument("--max-examples", type=int, default=500, help="per operation and phase")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=None, help="keep the server log and reports here")
    parser.add_argument("--postgres", action="store_true", help="on a throwaway PostgreSQL instead of SQLite")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bm-fuzz-"))
    workdir.mkdir(parents=True, exist_ok=True)
    postgres = PostgresServer(find_bindir()).start() if args.postgres else None
    try:
        result = run(max_time=args.max_time, max_examples=args.max_examples, workdir=workdir,
                     seed_value=args.seed, database_url=postgres.url() if postgres else None)
    finally:
        if postgres:
            postgres.stop()
    print(result.output)
    print(summary(result))
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(1 if result.unexpected() or result.errors else 0)


if __name__ == "__main__":
    main()
