"""Benchmark (not a unit test): render a report of 200,000 results in every registered format.

Run: python bench/bench_render.py [results] [--lang nl]. Builds a report the way a run does (the
demo's evidence and policy, plus `results` failing account results spread over a few checks and
two domains), adds its findings and follow-up against a copy of itself, then times all of it the
way a run does it, first and cold (one render_all, which has the PDF printed by a second process
while it renders the others, after the typed view and before the console), and then the typed
view, every format the registry has and the console (plain, as into a pipe) one at a time,
beside `json.dumps` of the same report as the reference floor. Target: the first figure < 20 s.
Each line gives wall and CPU seconds, the CPU seconds of this process and of the second one: on
a shared machine wall time includes waiting for a core, so CPU time is the figure that compares
between runs; on an idle machine the two agree, except where the second process prints the PDF
beside this one.
"""

from __future__ import annotations

import copy
import io
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceSet, load_evidence
from gitc_agent.core.plan import load_plan
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Result, Status
from gitc_agent.report import console, followup
from gitc_agent.report.finding_report import add_findings
from gitc_agent.report.formats import RenderOptions, render_all
from gitc_agent.report.formats.registry import default_registry
from gitc_agent.report.report import RunInfo, build_report
from gitc_agent.report.view import ReportView
from gitc_agent.run.gc_pause import paused

CHECKS = ("ad.accounts.dormant", "ad.accounts.impersonal_unregistered",
          "ad.accounts.privileged_password_never_expires")
DOMAINS = ("DC=corp,DC=vbz,DC=example", "DC=site2,DC=vbz,DC=example")


def _report(extra: int) -> dict:
    registry = discover(use_entry_points=False)
    policy = load_policy(str(demo.policy_path()), registry)
    docs, files = load_evidence(demo.evidence_dir())
    plan = load_plan(demo.evidence_dir())
    results = evaluate(policy, registry, EvidenceSet(list(docs)), date(2026, 11, 16),
                       plan=plan)
    for i in range(extra):
        check, domain = CHECKS[i % len(CHECKS)], DOMAINS[i % len(DOMAINS)]
        r = Result(check=check, title=check, subject=f"account:user{i:06d}", status=Status.FAIL,
                   message=f"user{i:06d} has not logged on for {90 + i % 400} days",
                   evidence={"target": domain, "collected_at": "2026-11-16T07:30:12+00:00",
                             "evidence_file": "ad.accounts@corp.vbz.example.json",
                             "last_logon": "2025-01-01", "enabled": True},
                   remediation="Disable the account.", references=["BIO2 5.18.02"],
                   likelihood=3, impact=3 + i % 2, priority="midden")
        results.append(r)
    info = RunInfo(id="bench", mode="evaluate", started_at="2026-11-16T08:00:00+00:00",
                   as_of=date(2026, 11, 16), finished_at="2026-11-16T08:00:01+00:00")
    report = build_report(info, policy, results, list(docs), files, plan)
    add_findings(report, policy)
    previous = copy.deepcopy(report)
    followup.apply(report, previous, "0" * 64, "../previous/report.json")
    return report


def main() -> None:
    with paused():  # as a run is (cli._run): no collection of the whole heap between formats
        _main()


def _main() -> None:
    argv = sys.argv[1:]
    language = argv[argv.index("--lang") + 1] if "--lang" in argv else None
    args = [a for i, a in enumerate(argv) if not a.startswith("--")
            and (i == 0 or argv[i - 1] != "--lang")]
    extra = int(args[0]) if args else 200_000
    options = RenderOptions(language=language)
    t0 = time.perf_counter()
    report = _report(extra)
    t1 = time.perf_counter()
    print(f"report: {len(report['results'])} results, {len(report['findings'])} findings "
          f"(built with findings and follow-up in {t1 - t0:.2f} s)")
    s = time.perf_counter()
    json.dumps(report, ensure_ascii=False)
    print(f"reference json.dumps of the report: {time.perf_counter() - s:.2f} s")
    registry = default_registry()
    formats = [n for n in registry.names() if registry.get(n) is not None]
    print(f"rendered in {language or report.get('language') or 'en'} (--lang en|nl)")
    print("                 wall s   CPU s     output")
    # first, as a run renders (nothing warmed up before it): one render_all of every format,
    # which has the PDF printed by a second process meanwhile, after the typed view and
    # before the console
    with _timed("as a run does") as took:
        view = ReportView.of(report)
        outputs = render_all(view, formats, options)
        console.render(view, Console(file=io.StringIO(), width=80, color_system=None),
                       "bench/report.json", language=language)
        took.append("(the typed view, all formats and the console)")
    run_wall, run_cpu, files = took[0], took[1], len(outputs)
    outputs.clear()
    print("then one at a time:")
    wall = cpu = 0.0
    with _timed("typed view") as took:
        view = ReportView.of(report)
    wall, cpu = wall + took[0], cpu + took[1]
    for name in formats:
        with _timed(name) as took:
            out = render_all(view, [name], options)
            outputs.update(out)
            # a large report.json is streamed as the run folder is written: make it here
            size = sum(len(v) if isinstance(v, bytes) else sum(map(len, v))
                       for v in out.values())
            took.append(f"{size / 1e6:8.1f} MB")
        wall, cpu = wall + took[0], cpu + took[1]
    buffer = io.StringIO()
    with _timed("console") as took:
        console.render(view, Console(file=buffer, width=80, color_system=None),
                       "bench/report.json", language=language)
        took.append(f"{len(buffer.getvalue()) / 1e6:8.3f} MB (plain, as into a pipe)")
    wall, cpu = wall + took[0], cpu + took[1]
    pages = _pdf_pages(outputs)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"one format at a time ({', '.join(formats)}) and the console: {wall:.2f} s wall, "
          f"{cpu:.2f} s CPU" + (f"; the PDF has {pages} pages" if pages else ""))
    print(f"all formats and the console, as a run renders them: {run_wall:.2f} s wall, "
          f"{run_cpu:.2f} CPU-s in both processes (target < 20 s: "
          f"{'met' if run_wall < 20 else 'MISSED'}); {files} files; peak RSS {rss:.0f} MB")
    print(f"load while measuring: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(wall time above CPU time is time spent waiting for a core)")


def _children_cpu() -> float:
    """CPU seconds of the child processes waited for so far (the PDF's second process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _timed:
    """Wall and CPU seconds of the block (this process's and those of the child processes it
    waited for: the PDF's second process), printed on one line; the list it yields gets both
    (and any note the block appends)."""

    def __init__(self, label: str):
        self.label, self.took = label, []

    def __enter__(self) -> list:
        self.wall, self.cpu = time.perf_counter(), time.process_time() + _children_cpu()
        return self.took

    def __exit__(self, *exc: object) -> None:
        wall = time.perf_counter() - self.wall
        cpu = time.process_time() + _children_cpu() - self.cpu
        notes = " ".join(str(n) for n in self.took)
        self.took[:] = [wall, cpu]
        print(f"  {self.label:<14} {wall:7.2f} {cpu:7.2f}   {notes}")


def _pdf_pages(out: dict[str, bytes]) -> int | None:
    """Pages of the rendered PDF (poppler's pdfinfo), when poppler is installed."""
    data = out.get("report.pdf")
    if not data or not shutil.which("pdfinfo"):
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    return next((int(line.split()[1]) for line in info.splitlines()
                 if line.startswith("Pages:")), None)


if __name__ == "__main__":
    main()
