"""Benchmark (not a unit test): render a report of 200,000 results in every registered format.

Run: python bench/bench_render.py [results] [--runs N]. Builds a report the way a run does (the
demo's evidence and policy, plus `results` failing account results spread over a few checks and
two domains), adds its findings and follow-up against a copy of itself, then times the console
(plain, as into a pipe) and every format the registry has (xlsx and pdf too once registered),
beside `json.dumps` of the same report as the reference floor. Target: all formats < 20 s.
"""

from __future__ import annotations

import copy
import io
import json
import resource
import sys
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
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    extra = int(args[0]) if args else 200_000
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
    total = 0.0
    s = time.perf_counter()
    view = ReportView.of(report)
    parse = time.perf_counter() - s
    total += parse
    print(f"typed view (parsed once for every format): {parse:.2f} s")
    sizes = {}
    for name in formats:
        s = time.perf_counter()
        out = render_all(view, [name], RenderOptions())
        took = time.perf_counter() - s
        total += took
        sizes[name] = sum(len(v) for v in out.values())
        print(f"  {name:<6} {took:6.2f} s  {sizes[name] / 1e6:8.1f} MB")
    buffer = io.StringIO()
    s = time.perf_counter()
    console.render(view, Console(file=buffer, width=80, color_system=None), "bench/report.json")
    took = time.perf_counter() - s
    total += took
    print(f"  console {took:5.2f} s  {len(buffer.getvalue()) / 1e6:8.3f} MB (plain, as into a pipe)")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    verdict = "met" if total < 20 else "MISSED"
    print(f"all formats ({', '.join(formats)}) and the console: {total:.2f} s "
          f"(target < 20 s: {verdict}); peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
