"""The findings' part of report.json: `findings[]` and `summary.findings`.

`summary.findings` is what the management summary, the heatmap and `--fail-on` read: counts per
finding status and per priority, and the heatmap cells counted in findings. The result-level
`summary.priority` and `summary.heatmap` stay as they were (subjects), for `--heatmap subjects`
and for readers of the v1 contract that predate findings.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gitc_agent.report.finding_build import build_findings, defaults_of
from gitc_agent.report.finding_model import Finding, FindingStatus, to_dict
from gitc_agent.report.view import ReportView, Scoring, parse_report


def add_findings(report: dict[str, Any], policy: Any) -> tuple[Finding, ...]:
    """Build the findings of a fresh report with the policy's scoring, and record them."""
    view = parse_report(report)
    defaults, methods = defaults_of(policy)
    findings = build_findings(view, defaults, methods)
    report["findings"] = [to_dict(f) for f in findings]
    report["summary"]["findings"] = summarize(findings, view)
    return findings


def summarize(findings: Iterable[Finding], view: ReportView) -> dict[str, Any]:
    findings = list(findings)
    status = {s.value: 0 for s in FindingStatus}
    priority = {b.id: 0 for b in view.scoring.bands}
    for f in findings:
        status[f.status.value] += 1
        if f.status is FindingStatus.FINDING and f.priority in priority:
            priority[f.priority] += 1
    return {"total": len(findings), "reported": sum(f.is_reported for f in findings),
            "status": status, "priority": priority,
            "heatmap": heatmap(findings, view.scoring, view)}


def heatmap(findings: Iterable[Finding], scoring: Scoring, view: ReportView) -> list[dict[str, Any]]:
    """Every cell of the matrix with the number of findings and accepted risks placed in it."""
    counts = {(c.likelihood, c.impact): [0, 0] for c in view.summary.heatmap}
    for f in findings:
        if f.is_reported and (f.likelihood, f.impact) in counts:
            counts[(f.likelihood, f.impact)][0 if f.status is FindingStatus.FINDING else 1] += 1
    cells = {(c.likelihood, c.impact): c.priority for c in view.summary.heatmap}
    return [{"likelihood": lik, "impact": imp, "priority": cells[(lik, imp)],
             "findings": counts[(lik, imp)][0], "accepted": counts[(lik, imp)][1]}
            for lik in sorted(scoring.likelihood, reverse=True) for imp in sorted(scoring.impact)]


def fails_on(report: dict[str, Any], rank: Any, fail_rank: int) -> bool:
    """`--fail-on`: an open finding (not a risk accepted) at or above the band of rank
    `fail_rank`; `rank` maps a band id to its rank (the policy matrix's)."""
    return any(f["status"] == FindingStatus.FINDING and rank(f["priority"]) >= fail_rank
               for f in report["findings"])
