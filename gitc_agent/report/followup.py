"""Follow-up of earlier findings: compare a run with the previous report by fingerprint.

`new` fails now and did not before; `open` failed before and still fails; `resolved` failed (or
was accepted) before and passes, does not apply or is gone now, on a target this run assessed
completely; `not_reassessed` failed before and this run could not look (the target unreadable or
missing, the check out of scope): still open, with when it was last assessed, and carried to the
next run's follow-up; `accepted` is covered by a valid exception now. Without a previous report
there is no baseline and nothing is labelled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitc_agent.core.results import FINDING_STATUSES, Status
from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.report import finding_followup, trend
from gitc_agent.report.coverage import Completeness
from gitc_agent.report.report import SCHEMA
from gitc_agent.report.view import GONE, FollowUp, ReportView
from gitc_agent.run.input_files import parse_json, read_regular

LABELS = tuple(label.value for label in FollowUp)
MAX_REPORT_BYTES = 512 * 1024 * 1024  # as much as the evidence a report may describe


def load_report(path: Path) -> tuple[dict[str, Any], str]:
    """A previous report and the SHA-256 of its bytes; anything else is invalid input."""
    raw = read_regular(path, MAX_REPORT_BYTES, N_("report"))
    report = parse_json(raw, path, N_("report"), "utf-8")
    if not isinstance(report, dict) or report.get("schema") != SCHEMA \
            or not isinstance(report.get("results"), list) or not isinstance(report.get("run"), dict):
        raise InputError(msg("not a gitc-agent report (schema {schema!r})", schema=SCHEMA), path)
    for r in report["results"]:
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str)
                                              for k in ("id", "check", "subject", "status")):
            raise InputError(msg("report result without id, check, subject and status"), path)
    try:
        ReportView.of(report)  # everything a rendering reads is there and of the right type
        finding_followup.check_earlier(report)  # and what follow-up reads of its findings
    except InputError as exc:
        raise InputError(exc.said, path) from None
    return report, hashlib.sha256(raw).hexdigest()


@dataclass
class Comparison:
    """Labels per current result id; earlier findings resolved, and those nobody re-assessed."""

    labels: dict[str, str] = field(default_factory=dict)
    resolved: list[dict[str, Any]] = field(default_factory=list)
    not_reassessed: list[dict[str, Any]] = field(default_factory=list)


def compare(previous: Mapping[str, Any], current: Mapping[str, Any]) -> Comparison:
    """Follow up the previous report's findings (and those it could not re-assess) in `current`.

    Resolved needs this run to have assessed the same check on the same target completely (its
    coverage); a finding on a target that could not be read, or of a check out of scope, is
    `not_reassessed`: still open, with when it was last assessed.
    """
    before = _earlier_findings(previous)
    complete = _Completeness(current)
    result = Comparison()
    now_ids = set()
    for r in current["results"]:
        now_ids.add(r["id"])
        old = before.get(r["id"])
        status = Status(r["status"])
        if status is Status.ACCEPTED:
            result.labels[r["id"]] = FollowUp.ACCEPTED.value
        elif status is Status.FAIL:
            result.labels[r["id"]] = (FollowUp.OPEN if old else FollowUp.NEW).value
        elif old is None:
            continue
        elif status is not Status.ERROR and complete(r["check"], _target(r) or old["target"]):
            result.labels[r["id"]] = FollowUp.RESOLVED.value
            result.resolved.append(_resolved(old, status.value))
        else:
            result.labels[r["id"]] = FollowUp.NOT_REASSESSED.value
            why = (r.get("message", "") if status is Status.ERROR
                   else complete.why(r["check"], _target(r) or old["target"]))
            result.not_reassessed.append(_unassessed(old, status.value, why))
    for old in before.values():
        if old["id"] in now_ids:
            continue
        if complete(old["check"], old["target"]):
            result.resolved.append(_resolved(old, GONE))
        else:
            result.not_reassessed.append(_unassessed(
                old, GONE, complete.why(old["check"], old["target"])))
    return result


def _target(result: Mapping[str, Any]) -> str | None:
    evidence = result.get("evidence")
    target = evidence.get("target") if isinstance(evidence, Mapping) else None
    return target if isinstance(target, str) else None


def _earlier_findings(previous: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The previous run's findings, and the earlier ones it carried as not re-assessed."""
    when = previous.get("run", {}).get("started_at")
    found: dict[str, dict[str, Any]] = {}
    for r in previous["results"]:
        if r["status"] in FINDING_STATUSES:
            found[r["id"]] = {**r, "target": _target(r), "last_assessed": when}
    carried = (previous.get("follow_up") or {}).get("not_reassessed") or []
    for old in carried:
        if isinstance(old, Mapping) and old.get("id") not in found:
            found[old["id"]] = {**old, "status": old["status_before"]}
    return found


class _Completeness:
    """Whether the current run assessed a check on a target completely, from its coverage (or,
    for a report that predates coverage, from its results: no error and something judged)."""

    def __init__(self, report: Mapping[str, Any]):
        records = report.get("coverage")
        if records is None:
            records = _coverage_from_results(report["results"])
        self.state: dict[tuple[str, str | None], str] = {
            (c["check"], c.get("target")): c["completeness"] for c in records}

    def __call__(self, check: str, target: str | None) -> bool:
        if target is not None:
            return self.state.get((check, target)) == Completeness.COMPLETE
        mine = [v for (c, _), v in self.state.items() if c == check]
        return bool(mine) and all(v == Completeness.COMPLETE for v in mine)

    def why(self, check: str, target: str | None) -> str:
        state = self.state.get((check, target))
        if state is None and not any(c == check for c, _ in self.state):
            return "this run did not assess the check (not in scope)"
        if state is None:
            return f"this run did not assess {target or 'the target'}"
        return f"this run's coverage of {target or 'the check'} is {state}"


def _coverage_from_results(results: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    state: dict[tuple[str, str | None], str] = {}
    for r in results:
        key = (r["check"], _target(r))
        bad = r["status"] == Status.ERROR or state.get(key, Completeness.COMPLETE) != \
            Completeness.COMPLETE
        state[key] = Completeness.PARTIAL if bad else Completeness.COMPLETE
    return [{"check": c, "target": t, "completeness": v} for (c, t), v in state.items()]


def _resolved(old: dict[str, Any], now: str) -> dict[str, Any]:
    return {"id": old["id"], "check": old["check"], "title": old.get("title"),
            "subject": old["subject"], "priority": old.get("priority"),
            "status_before": old["status"], "now": now}


def _unassessed(old: dict[str, Any], now: str, why: str) -> dict[str, Any]:
    return {**_resolved(old, now), "target": old.get("target"),
            "last_assessed": old.get("last_assessed"), "reason": why}


def counts(labels: dict[str, str], resolved: Sequence[dict[str, Any]],
           not_reassessed: Sequence[dict[str, Any]] = ()) -> dict[str, int]:
    result = dict.fromkeys(LABELS, 0)
    for label in labels.values():
        if label not in (FollowUp.RESOLVED, FollowUp.NOT_REASSESSED):
            result[label] += 1
    result[FollowUp.RESOLVED.value] = len(resolved)
    result[FollowUp.NOT_REASSESSED.value] = len(not_reassessed)
    return result


def apply(report: dict[str, Any], previous: dict[str, Any] | None, previous_sha256: str | None,
          previous_path: str | None) -> None:
    """Label the report's results and add the follow-up section and chain link to it."""
    if previous is None:
        report["run"]["previous_report"] = None
        report["follow_up"] = {"previous": None, "counts": None, "resolved": [],
                               "not_reassessed": []}
        report["summary"]["follow_up"] = None
        finding_followup.apply(report, None)
        trend.add(report, None)
        return
    found = compare(previous, report)
    for r in report["results"]:
        r["follow_up"] = found.labels.get(r["id"])
    link = {"run_id": previous["run"].get("id"), "started_at": previous["run"].get("started_at"),
            "sha256": previous_sha256, "path": previous_path}
    report["run"]["previous_report"] = link
    tally = counts(found.labels, found.resolved, found.not_reassessed)
    report["follow_up"] = {"previous": link, "counts": tally, "resolved": found.resolved,
                           "not_reassessed": found.not_reassessed}
    report["summary"]["follow_up"] = dict(tally)
    finding_followup.apply(report, previous)  # the same, per finding (control and scope)
    trend.add(report, previous)  # findings per priority over the chain of reports
