"""The finding model (see findings.py): one check on one scope, with its population.

An auditor reports "3 of 412 privileged memberships without an approval", not 3 findings: a
finding is one check (control) on one scope (a domain, an export, a database; for per-host checks
the hosts of that kind together), with the population tested, the deviations (failing results),
the accepted ones, the ones not assessed, and one score. The results stay in the report as the
detail under each finding.

`report.json` keeps `findings[]` with result ids, not copies of results, so a report of 200,000
results does not hold them twice; `findings_of(view)` resolves the ids against the view's
results.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from gitc_agent.core.results import fingerprint
from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.report.coverage import Completeness
from gitc_agent.report.view import ReportView, ResultView
from gitc_agent.report.view_parse import Obj

__all__ = ["Finding", "FindingFollowUp", "FindingStatus", "FollowUpOfFinding", "Population",
           "finding_id", "parse_findings", "reported", "to_dict"]


class FindingStatus(StrEnum):
    """What the control amounts to; the order is how one is decided (first that applies)."""

    FINDING = "finding"  # at least one deviation (a fail not covered by an exception)
    ACCEPTED = "accepted"  # deviations, all covered by a valid exception
    NOT_ASSESSED = "not_assessed"  # no deviation, but something could not be looked at
    NO_FINDING = "no_finding"  # everything judged passed (or did not apply)


class FindingFollowUp(StrEnum):
    """A finding against the previous report ("voortgang eerdere bevindingen")."""

    NEW = "new"  # a finding now, none before on this check and scope
    NOT_RESOLVED = "not_resolved"  # a finding before and now, no fewer deviations
    PARTLY_RESOLVED = "partly_resolved"  # fewer deviations now, on a completely assessed scope
    RESOLVED = "resolved"  # no deviation now, the scope assessed completely
    RISK_ACCEPTED = "risk_accepted"  # every deviation is covered by a valid exception now
    NOT_REASSESSED = "not_reassessed"  # this run could not (completely) look: still open


@dataclass(frozen=True)
class Population:
    """What was tested: `count` subjects (`what`: memberships, accounts, hosts ...)."""

    count: int
    what: str
    completeness: Completeness
    targets: tuple[str, ...]
    evidence: tuple[tuple[str, str | None], ...]  # (evidence file, its SHA-256)


@dataclass(frozen=True)
class FollowUpOfFinding:
    status: FindingFollowUp
    previous_status: FindingStatus | None
    previous_priority: str | None
    previous_deviations: int | None


@dataclass(frozen=True)
class Finding:
    id: str  # fingerprint of check and scope: stable across runs, like a result's
    check: str
    title: str
    scope: str  # stable: the target (a domain's DN, an export), or `hosts:<kind>` for a group
    scope_label: str  # what a reader sees: "DC=corp,DC=example", "4 Windows hosts"
    status: FindingStatus
    likelihood: int | None  # None unless status is finding or accepted
    impact: int | None
    priority: str | None
    scoring: str  # how the score was found: raise | worst | check (see finding_build)
    population: Population
    deviations: tuple[ResultView, ...]  # fail, worst first
    accepted: tuple[ResultView, ...]  # each with its exception (owner, expiry)
    not_assessed: tuple[ResultView, ...]  # error
    passed: int
    not_applicable: int
    follow_up: FollowUpOfFinding | None = None

    @property
    def is_reported(self) -> bool:
        """A finding the auditor reports (open or risk accepted): on the heatmap and counted."""
        return self.status in (FindingStatus.FINDING, FindingStatus.ACCEPTED)

    @property
    def exceptions(self) -> tuple[Any, ...]:
        return tuple(r.exception for r in self.accepted if r.exception)

    def headline(self) -> str:
        """One line: "3 of 412 memberships deviate (1 accepted, 2 not assessed)"."""
        pop = self.population
        parts = [f"{len(self.deviations) + len(self.accepted)} of {pop.count} {pop.what} deviate"]
        extra = [f"{len(self.accepted)} accepted" if self.accepted else "",
                 f"{len(self.not_assessed)} not assessed" if self.not_assessed else ""]
        extra = [e for e in extra if e]
        return parts[0] + (f" ({', '.join(extra)})" if extra else "")


def finding_id(check: str, scope: str) -> str:
    """Distinct from every result id: a result's subject never starts with `finding:`."""
    return fingerprint(check, f"finding:{scope}")


def reported(findings: tuple[Finding, ...] | list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_reported]


def parse_findings(view: ReportView, raw: Any) -> tuple[Finding, ...]:
    if not isinstance(raw, list):
        raise InputError(msg("report.findings is not a list"))
    by_id = {r.id: r for r in view.results}
    return tuple(_finding(Obj(item, f"report.findings[{i}]"), by_id)
                 for i, item in enumerate(raw))


def _results(f: Obj, key: str, by_id: dict[str, ResultView]) -> tuple[ResultView, ...]:
    found = []
    for rid in f.strings(key):
        if rid not in by_id:
            raise InputError(msg("{where}.{key} names result {rid!r}, which the report does not have",
                                 where=f.where, key=key, rid=rid))
        found.append(by_id[rid])
    return tuple(found)


def _finding(f: Obj, by_id: dict[str, ResultView]) -> Finding:
    pop = f.obj("population")
    counts = f.obj("counts")
    follow = f.opt_obj("follow_up")
    return Finding(
        id=f.string("id"), check=f.string("check"), title=f.opt_string("title") or "",
        scope=f.string("scope"), scope_label=f.opt_string("scope_label") or f.string("scope"),
        status=f.enum("status", FindingStatus), likelihood=f.opt_integer("likelihood"),
        impact=f.opt_integer("impact"), priority=f.opt_string("priority"),
        scoring=f.opt_string("scoring") or "",
        population=Population(
            count=pop.integer("count"), what=pop.opt_string("what") or "subjects",
            completeness=pop.enum("completeness", Completeness), targets=pop.strings("targets"),
            evidence=tuple((e.string("file"), e.opt_string("sha256"))
                           for e in pop.objs("evidence", optional=True))),
        deviations=_results(f, "deviations", by_id), accepted=_results(f, "accepted", by_id),
        not_assessed=_results(f, "not_assessed", by_id),
        passed=counts.opt_integer("passed") or 0,
        not_applicable=counts.opt_integer("not_applicable") or 0,
        follow_up=None if follow is None else FollowUpOfFinding(
            status=follow.enum("status", FindingFollowUp),
            previous_status=follow.opt_enum("previous_status", FindingStatus),
            previous_priority=follow.opt_string("previous_priority"),
            previous_deviations=follow.opt_integer("previous_deviations")))


def to_dict(finding: Finding) -> dict[str, Any]:
    """The finding as report.json keeps it: results by id."""
    pop = finding.population
    follow = finding.follow_up
    return {
        "id": finding.id, "check": finding.check, "title": finding.title,
        "scope": finding.scope, "scope_label": finding.scope_label,
        "status": finding.status.value, "likelihood": finding.likelihood,
        "impact": finding.impact, "priority": finding.priority, "scoring": finding.scoring,
        "population": {"count": pop.count, "what": pop.what,
                       "completeness": pop.completeness.value, "targets": list(pop.targets),
                       "evidence": [{"file": file, "sha256": sha} for file, sha in pop.evidence]},
        "counts": {"deviations": len(finding.deviations), "accepted": len(finding.accepted),
                   "not_assessed": len(finding.not_assessed), "passed": finding.passed,
                   "not_applicable": finding.not_applicable},
        "deviations": [r.id for r in finding.deviations],
        "accepted": [r.id for r in finding.accepted],
        "not_assessed": [r.id for r in finding.not_assessed],
        "follow_up": None if follow is None else {
            "status": follow.status.value,
            "previous_status": follow.previous_status and follow.previous_status.value,
            "previous_priority": follow.previous_priority,
            "previous_deviations": follow.previous_deviations},
    }


@dataclass(frozen=True)
class FollowUpRow:
    """One earlier finding in the "progress of earlier findings" table (`follow_up.findings`)."""

    id: str
    check: str
    title: str
    scope: str
    scope_label: str
    status: FindingFollowUp
    status_then: str | None
    status_now: str | None  # None: this run has no finding on that check and scope at all
    priority_then: str | None
    priority_now: str | None
    deviations_then: int | None
    deviations_now: int | None


def parse_follow_up_rows(raw: Any, where: str = "report.follow_up.findings"
                         ) -> tuple[FollowUpRow, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise InputError(msg("{where} is not a list", where=where))
    rows = []
    for i, item in enumerate(raw):
        row = Obj(item, f"{where}[{i}]")
        rows.append(FollowUpRow(
            id=row.string("id"), check=row.string("check"), title=row.opt_string("title") or "",
            scope=row.opt_string("scope") or "", scope_label=row.opt_string("scope_label")
            or row.opt_string("scope") or "", status=row.enum("status", FindingFollowUp),
            status_then=row.opt_string("status_then"), status_now=row.opt_string("status_now"),
            priority_then=row.opt_string("priority_then"),
            priority_now=row.opt_string("priority_now"),
            deviations_then=row.opt_integer("deviations_then"),
            deviations_now=row.opt_integer("deviations_now")))
    return tuple(rows)
