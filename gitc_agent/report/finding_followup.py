"""Follow-up per finding: the auditor's "progress of earlier findings" (voortgang eerdere bevindingen).

Each earlier finding (the previous report's, and the earlier ones it carried as not re-assessed)
gets one row: its priority and deviation count then and now, and a status. `resolved` and
`partly resolved` need this run to have assessed the scope completely, because fewer deviations
on a scope that could only be partly read says nothing: that is `not_resolved` (deviations
remain) or `not_reassessed` (none seen, but not everything was looked at), as for results
(followup.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitc_agent.core.results import FINDING_STATUSES, Status
from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.report.coverage import Completeness
from gitc_agent.report.finding_build import WHOLE_CHECK
from gitc_agent.report.finding_model import (
    FindingFollowUp,
    FindingStatus,
    finding_id,
    parse_follow_up_rows,
    to_dict,
)
from gitc_agent.report.findings import findings_of
from gitc_agent.report.view_parse import Obj

REPORTED = (FindingStatus.FINDING.value, FindingStatus.ACCEPTED.value)
F = FindingFollowUp


def check_earlier(previous: Mapping[str, Any]) -> None:
    """The previous report's findings and follow-up rows hold what `_earlier` reads, of the
    right types: a hand-edited report is invalid input (exit 2), not a traceback later."""
    raw = previous.get("findings")
    if raw is not None:
        if not isinstance(raw, list):
            raise InputError(msg("report.findings is not a list"))
        for i, item in enumerate(raw):
            f = Obj(item, f"report.findings[{i}]")
            f.string("id"), f.string("check"), f.enum("status", FindingStatus)
            f.opt_string("title"), f.opt_string("scope"), f.opt_string("scope_label")
            f.opt_string("priority")
            counts = f.opt_obj("counts")
            if counts is not None:
                counts.opt_integer("deviations"), counts.opt_integer("accepted")
    follow_up = previous.get("follow_up")
    if follow_up is not None and not isinstance(follow_up, Mapping):
        raise InputError(msg("report.follow_up is not an object"))
    parse_follow_up_rows((follow_up or {}).get("findings"))


def _earlier(previous: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """id -> {status, priority, deviations, ...} of each earlier finding."""
    raw = previous.get("findings")
    found = _derived(previous) if raw is None else raw
    earlier: dict[str, dict[str, Any]] = {}
    for f in found:
        if f.get("status") in REPORTED:
            earlier[f["id"]] = {**f, "deviations_then": _deviations(f)}
    for row in (previous.get("follow_up") or {}).get("findings") or ():
        if isinstance(row, Mapping) and row.get("status") == F.NOT_REASSESSED \
                and row.get("id") not in earlier:
            earlier[row["id"]] = {**row, "status": row.get("status_then"),
                                  "priority": row.get("priority_then"),
                                  "deviations_then": row.get("deviations_then")}
    return earlier


def _derived(previous: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The findings of a report that predates them; from a fragment that is not a whole report
    (only its results), one per check and target, as far as it can be told."""
    try:
        return [to_dict(f) for f in findings_of(previous)]
    except InputError:
        pass
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for r in previous.get("results") or ():
        if not isinstance(r, Mapping) or r.get("status") not in FINDING_STATUSES:
            continue
        evidence = r.get("evidence") if isinstance(r.get("evidence"), Mapping) else {}
        scope = str(evidence.get("target") or WHOLE_CHECK)
        f = grouped.setdefault((r["check"], scope), {
            "id": finding_id(r["check"], scope), "check": r["check"], "title": r.get("title"),
            "scope": scope, "scope_label": scope, "status": FindingStatus.ACCEPTED.value,
            "priority": r.get("priority"), "counts": {"deviations": 0, "accepted": 0}})
        open_ = r["status"] == Status.FAIL
        f["counts"]["deviations" if open_ else "accepted"] += 1
        if open_:
            f["status"] = FindingStatus.FINDING.value
    return list(grouped.values())


def _deviations(f: Mapping[str, Any]) -> int:
    """What was wrong: open deviations and accepted ones alike (accepting does not fix)."""
    counts = f.get("counts") or {}
    return int(counts.get("deviations", 0)) + int(counts.get("accepted", 0))


def label(now: Mapping[str, Any], before: Mapping[str, Any] | None) -> FindingFollowUp | None:
    status = now["status"]
    complete = now["population"]["completeness"] == Completeness.COMPLETE
    if status == FindingStatus.ACCEPTED:
        return F.RISK_ACCEPTED
    if status == FindingStatus.FINDING:
        if before is None:
            return F.NEW
        fewer = _deviations(now) < (before["deviations_then"] or 0)
        return F.PARTLY_RESOLVED if fewer and complete else F.NOT_RESOLVED
    if before is None:
        return None
    return F.RESOLVED if status == FindingStatus.NO_FINDING and complete else F.NOT_REASSESSED


def compare(previous: Mapping[str, Any], findings: list[Mapping[str, Any]]
            ) -> tuple[dict[str, dict[str, Any] | None], list[dict[str, Any]]]:
    """Each current finding's follow-up (by id) and the rows of the earlier findings' table."""
    earlier = _earlier(previous)
    labels: dict[str, dict[str, Any] | None] = {}
    rows = []
    for f in findings:
        before = earlier.pop(f["id"], None)
        status = label(f, before)
        labels[f["id"]] = None if status is None else {
            "status": status.value,
            "previous_status": before and before.get("status"),
            "previous_priority": before and before.get("priority"),
            "previous_deviations": before and before["deviations_then"]}
        if before is not None and status is not None:
            rows.append(_row(before, status, f))
    for before in earlier.values():  # on a scope or check this run did not assess at all
        rows.append(_row(before, F.NOT_REASSESSED, None))
    return labels, rows


def tally(labels: Mapping[str, Mapping[str, Any] | None], rows: list[dict[str, Any]]
          ) -> dict[str, int]:
    counts = {s.value: 0 for s in F if s is not F.NEW}
    for row in rows:
        counts[row["status"]] += 1
    counts[F.NEW.value] = sum(1 for v in labels.values() if (v or {}).get("status") == F.NEW)
    return counts


def apply(report: dict[str, Any], previous: Mapping[str, Any] | None) -> None:
    """Label report["findings"] and write follow_up.findings and summary.findings.follow_up."""
    findings = report.get("findings")
    if findings is None:
        return
    summary = report["summary"].setdefault("findings", {})
    if previous is None:
        for f in findings:
            f["follow_up"] = None
        report.setdefault("follow_up", {})["findings"] = []
        summary["follow_up"] = None
        return
    labels, rows = compare(previous, findings)
    for f in findings:
        f["follow_up"] = labels[f["id"]]
    report.setdefault("follow_up", {})["findings"] = rows
    summary["follow_up"] = tally(labels, rows)


def _row(before: Mapping[str, Any], status: FindingFollowUp,
         now: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"id": before["id"], "check": before["check"], "title": before.get("title"),
            "scope": before.get("scope"), "scope_label": before.get("scope_label"),
            "status": status.value, "status_then": before.get("status"),
            "status_now": now["status"] if now else None,
            "priority_then": before.get("priority"),
            "priority_now": now.get("priority") if now else None,
            "deviations_then": before.get("deviations_then"),
            "deviations_now": _deviations(now) if now else None}
