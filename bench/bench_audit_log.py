"""Benchmark (not a unit test): 10 million audit-log lines and 100,000 tickets through the CLI.

Run: python bench/bench_audit_log.py [--lines N] [--tickets N] [--runs N] [--follow-up].
Generates the messy exports of tests/datafix_exports.py (100,000 tickets with their DBA
statements, the rest the application's own writes, every three seconds for a year; cached under
~/.cache/gitc-agent-bench), then times `gitc-agent collect` and `gitc-agent evaluate` (all seven
datafix checks, report written) as separate processes, with the peak RSS of each, next to a
plain DuckDB query doing the same join (statements by the DBAs' logins without a ticket that
covers them: by reference, or by executor and time through an ASOF join on the windows' running
reach) in the same run. The ratio to DuckDB is the figure; the unticketed sessions both
find are compared. Targets: collect + evaluate < 60 s, each process < 1 GiB peak RSS. CPU
seconds are printed too: on a machine other jobs share, wall time says little.

`--follow-up` evaluates the same evidence a second time into the same output folder, as a
scheduled run does: it follows up the first report (`latest`, 300,000 results), which
report.previous_report reads line by line instead of whole; its peak RSS must stay under 1 GB
too, and its follow-up must find every earlier finding still open.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gitc_agent.report.previous_report import load_previous  # noqa: E402
from tests.datafix_exports import FMT, START, ad_evidence, config_yaml, generate, local  # noqa: E402

CPU: list[float] = []  # CPU seconds of each child, in order
CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gitc-agent-bench"
APP = "CORP\\svc-kassa-app"


def exports(lines: int, tickets: int) -> tuple[Path, int]:
    """The generated exports (cached: generation takes about a minute for 10 M lines)."""
    folder = CACHE / f"audit-{lines}-{tickets}"
    done = folder / "done.json"
    if done.exists():
        return folder, json.loads(done.read_text())["lines"]
    lab = generate(folder, tickets=tickets, app_lines=0)
    with open(folder / "audit.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        for i in range(max(0, lines - lab.log_lines)):
            at = local(START + timedelta(seconds=3 * i)).strftime(FMT)
            writer.writerow([at, APP, "INSERT", "dbo.Bon", "", "KASSA", "900"])
    (folder / "gitc-agent.yaml").write_text(config_yaml(lab))
    ad_dir = folder / "ad"
    ad_dir.mkdir(exist_ok=True)
    (ad_dir / "ad.accounts@bench.json").write_text(json.dumps(ad_evidence(lab)))
    from tests.test_datafix_checks import policy_text
    (folder / "policy.yaml").write_text(policy_text(lab))
    total = max(lines, lab.log_lines)
    done.write_text(json.dumps({"lines": total}))
    return folder, total


def timed(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of one child process (its CPU seconds are
    added to CPU, for machines other jobs share)."""
    start = time.perf_counter()
    # not in the source tree: there `python -m gitc_agent` would import the folder gitc_agent/
    # instead of the installed package, which maps gitc_agent.checks to checks/
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=tempfile.gettempdir())
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    CPU.append(usage.ru_utime + usage.ru_stime)
    if proc.returncode not in (0, 1, 3):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


DUCKDB = r"""
import duckdb, json, sys, time
folder = sys.argv[1]
start = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
con.execute("SET TimeZone='Europe/Amsterdam'")
con.execute("CREATE MACRO local_time(x) AS timezone('Europe/Amsterdam', strptime(x, '%d-%m-%Y %H:%M'))")
logins = {'CORP\\adm-xkuipers': 'adm-xkuipers', 'dba_ybos': 'adm-ybos',
          'CORP\\adm-zsmit': 'adm-zsmit', 'CORP\\adm-dmulder': 'adm-dmulder',
          'CORP\\adm-evisser': 'adm-evisser'}
con.execute("CREATE TABLE logins(login VARCHAR, executor VARCHAR)")
con.executemany("INSERT INTO logins VALUES (?, ?)", list(logins.items()))
rows = con.execute(f'''
WITH log AS (
  SELECT server_principal_name AS principal, database_name AS db, upper(action) AS stmt,
         coalesce(trim(ticket_ref), '') AS ref, local_time(event_time) AS ts
  FROM read_csv('{folder}/audit.csv', delim=';', header=true, all_varchar=true)
  WHERE upper(action) IN ('INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE')),
reg AS (
  SELECT upper("Wijziging") AS id, "Uitvoerder" AS executor,
         local_time("Start uitvoering") - INTERVAL 15 MINUTE AS lo,
         coalesce(local_time("Einde uitvoering"), local_time("Start uitvoering") + INTERVAL 12 HOUR)
           + INTERVAL 15 MINUTE AS hi
  FROM read_csv('{folder}/register.csv', delim=';', header=true, all_varchar=true)
  WHERE "Start uitvoering" IS NOT NULL),
priv AS (SELECT log.*, logins.executor FROM log JOIN logins ON log.principal = logins.login),
by_ref AS (SELECT priv.principal, priv.db, priv.ts FROM priv LEFT JOIN reg ON reg.id = upper(priv.ref)
           WHERE priv.ref <> '' AND (reg.id IS NULL OR priv.ts NOT BETWEEN reg.lo AND reg.hi)),
reach AS (SELECT executor, lo, max(hi) OVER (PARTITION BY executor ORDER BY lo
                                             ROWS UNBOUNDED PRECEDING) AS reach FROM reg),
no_ref AS (SELECT p.principal, p.db, p.ts FROM (SELECT * FROM priv WHERE ref = '') p
           ASOF LEFT JOIN reach ON p.executor = reach.executor AND p.ts >= reach.lo
           WHERE reach.reach IS NULL OR p.ts > reach.reach)
SELECT principal, db, strftime(ts, '%Y-%m-%d') AS day, count(*) AS unticketed
FROM (SELECT * FROM by_ref UNION ALL SELECT * FROM no_ref)
GROUP BY ALL ORDER BY ALL''').fetchall()
print(json.dumps({"seconds": time.perf_counter() - start,
                  "sessions": [f"session:{p}/{d}/{day}" for p, d, day, _ in rows]}))
"""


def duckdb_reference(folder: Path) -> tuple[float, float, list[str]]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", DUCKDB, str(folder)], stdout=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    CPU.append(usage.ru_utime + usage.ru_stime)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit("the DuckDB reference query failed")
    out = json.loads(proc.stdout.read() if proc.stdout else b"{}")
    return wall, usage.ru_maxrss / 1024, out["sessions"]


def follow_up(evaluate: list[str], first: Path) -> None:
    """The second evaluation into the same folder: it follows up `first` (OUT/latest)."""
    f_wall, f_rss, code = timed(evaluate)
    second = json.loads((first.parent.parent / "latest" / "report.json").read_text())
    link = second["run"]["previous_report"] or {}
    counts = second["follow_up"]["counts"] or {}
    before = len(load_previous(first)[0]["results"])  # the lean reader keeps the findings
    print(f"  follow-up evaluate + report {f_wall:.1f} s (CPU {CPU[-1]:.1f} s, peak RSS "
          f"{f_rss:.0f} MiB, exit {code}; target < 1 GB: "
          f"{'met' if f_rss * 2**20 < 1e9 else 'missed'}); previous "
          f"{first.stat().st_size / 2**20:.0f} MiB, linked "
          f"{'yes' if link.get('path', '').endswith(first.parent.name + '/report.json') else 'NO'}; "
          f"open {counts.get('open')}, new {counts.get('new')}, resolved {counts.get('resolved')}"
          f" of {before} earlier findings", flush=True)
    del second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--follow-up", action="store_true",
                        help="evaluate a second time into the same --out (follows up the first)")
    args = parser.parse_args()
    t0 = time.perf_counter()
    folder, lines = exports(args.lines, args.tickets)
    size = (folder / "audit.csv").stat().st_size / 2**20
    print(f"exports: {lines} audit-log lines ({size:.0f} MiB), {args.tickets} tickets "
          f"(ready in {time.perf_counter() - t0:.0f} s)")
    agent = [sys.executable, "-m", "gitc_agent"]
    totals, ducks = [], []
    for run in range(args.runs):
        work = Path(f"/tmp/gitc-bench-audit-{os.getpid()}-{run}")
        c_wall, c_rss, _ = timed([*agent, "collect", "--config", str(folder / "gitc-agent.yaml"),
                                  "--out", str(work / "evidence")])
        evaluate = [*agent, "evaluate", "--policy", str(folder / "policy.yaml"),
                    "--evidence", str(work / "evidence"), "--evidence", str(folder / "ad"),
                    "--out", str(work / "reports"), "--as-of", "2026-06-01", "--quiet"]
        e_wall, e_rss, code = timed(evaluate)
        print(f"run {run + 1}: collect {c_wall:.1f} s (CPU {CPU[-2]:.1f} s, peak RSS "
              f"{c_rss:.0f} MiB); evaluate + report {e_wall:.1f} s (CPU {CPU[-1]:.1f} s, peak "
              f"RSS {e_rss:.0f} MiB, exit {code}); load average {os.getloadavg()[0]:.1f}",
              flush=True)
        first = (work / "reports" / "latest" / "report.json").resolve()
        if args.follow_up:
            follow_up(evaluate, first)
        d_wall, d_rss, sessions = duckdb_reference(folder)
        report = json.loads(first.read_text())
        fails = sorted(r["subject"] for r in report["results"]
                       if r["check"] == "datafix.log.unticketed" and r["status"] == "fail")
        evidence_mib = sum(f.stat().st_size for f in (work / "evidence").iterdir()) / 2**20
        total = c_wall + e_wall
        totals.append(total)
        ducks.append(d_wall)
        print(f"  evidence {evidence_mib:.0f} MiB; DuckDB query {d_wall:.1f} s (CPU "
              f"{CPU[-1]:.1f} s, peak RSS {d_rss:.0f} MiB)")
        print(f"  unticketed sessions: gitc-agent {len(fails)}, DuckDB {len(sessions)}, "
              f"{'the same' if fails == sessions else 'DIFFERENT'}")
        subprocess.run(["rm", "-rf", str(work)], check=False)
    total, duck = statistics.median(totals), statistics.median(ducks)
    print(f"median collect + evaluate {total:.1f} s (target < 60 s: "
          f"{'met' if total < 60 else 'missed'}); DuckDB {duck:.1f} s; ratio {total / duck:.1f}x")


if __name__ == "__main__":
    main()
