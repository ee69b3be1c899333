"""Findings at the level of the control: one check on one scope, with its population.

An auditor reports "3 of 412 privileged memberships without an approval", not 3 findings: a
finding is one check (control) on one scope (a domain, an export, a database; for per-host checks
the hosts of that kind together), with the population tested, the deviations (failing results),
the accepted ones, the ones not assessed, and one score. Results stay in the report as the detail
under each finding. The model is in finding_model.py, how findings are built (scope, population,
scoring) in finding_build.py, their follow-up in finding_followup.py; this is where renderers
get them:

    for finding in findings_of(report):   # report: a ReportView or the report dict
        finding.priority, finding.headline(), finding.deviations ...

`report.json` keeps `findings[]` with result ids, not copies of the results (a report of 200,000
results would hold them twice). A saved report that predates `findings[]` gets them derived, with
the worst deviation as the score, since the policy's check defaults are not in the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitc_agent.report.finding_build import build_findings, defaults_of
from gitc_agent.report.finding_model import (
    Finding,
    FindingFollowUp,
    FindingStatus,
    FollowUpOfFinding,
    FollowUpRow,
    Population,
    finding_id,
    parse_findings,
    parse_follow_up_rows,
    reported,
    to_dict,
)
from gitc_agent.report.view import ReportView

__all__ = ["Finding", "FindingFollowUp", "FindingStatus", "FollowUpOfFinding", "FollowUpRow",
           "Population", "build_findings", "defaults_of", "finding_id", "findings_of",
           "follow_up_rows", "reported", "to_dict"]


def findings_of(report: ReportView | Mapping[str, Any]) -> tuple[Finding, ...]:
    """The report's findings, parsed once per view (derived when the report has none)."""
    view = ReportView.of(report)
    cached = view.__dict__.get("_findings")
    if cached is None:
        raw = view.document.get("findings")
        cached = build_findings(view) if raw is None else parse_findings(view, raw)
        object.__setattr__(view, "_findings", cached)  # a cache, not a field: the view stays frozen
    return cached


def follow_up_rows(report: ReportView | Mapping[str, Any]) -> tuple[FollowUpRow, ...]:
    """The "progress of earlier findings" table of a report (empty without a previous one)."""
    view = ReportView.of(report)
    return parse_follow_up_rows((view.document.get("follow_up") or {}).get("findings"))
