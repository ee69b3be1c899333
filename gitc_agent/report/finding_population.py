"""Every result of a finding's population, passed ones included (working papers and samples).

A finding in report.json lists its deviations, accepted and not-assessed results by id, and only
counts the passed ones (a report of 200,000 results would otherwise hold them twice). The
workbook's population sheet and `gitc-agent sample` need all of them: the results of the
finding's check judged on one of the finding's targets, in the report's order. Results that
name no target belong to the check's only finding, or to its `all` scope when it has several
(as finding_build assigns them).
"""

from __future__ import annotations

from gitc_agent.report.finding_build import WHOLE_CHECK
from gitc_agent.report.findings import Finding, findings_of
from gitc_agent.report.view import ReportView, ResultView


def populations(view: ReportView) -> dict[str, tuple[ResultView, ...]]:
    """Finding id -> every result of its population, in the report's order."""
    findings = findings_of(view)
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check, []).append(f)
    owner: dict[tuple[str, str | None], str] = {}
    for check, mine in by_check.items():
        for f in mine:
            for target in f.population.targets:
                owner[(check, target)] = f.id
        whole = next((f for f in mine if f.scope == WHOLE_CHECK), None)
        if whole is not None or len(mine) == 1:
            owner[(check, None)] = (whole or mine[0]).id
    found: dict[str, list[ResultView]] = {f.id: [] for f in findings}
    for r in view.results:
        fid = owner.get((r.check, r.target))
        if fid is None and len(by_check.get(r.check, ())) == 1:
            fid = by_check[r.check][0].id
        if fid is not None:
            found[fid].append(r)
    return {fid: tuple(results) for fid, results in found.items()}
