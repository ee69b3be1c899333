"""A small report with every status and every follow-up label, built without checks or evidence.

The output tests that are about rendering (not about what the checks find) use it, so they do
not depend on the demo organisation.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from gitc_agent.core.engine import summarize
from gitc_agent.core.policy import Policy
from gitc_agent.core.results import Result, Status, fingerprint
from gitc_agent.core.scoring import Band, RiskMatrix
from gitc_agent.report import followup
from gitc_agent.report.finding_report import add_findings
from gitc_agent.report.report import RunInfo, build_report

MATRIX = RiskMatrix(likelihood={1: "unlikely", 2: "likely"}, impact={1: "small", 2: "large"},
                    bands=(Band("low", "Low", "#2e7d32"), Band("high", "High", "red")),
                    cells={(1, 1): "low", (1, 2): "low", (2, 1): "low", (2, 2): "high"})
POLICY = Policy(id="sample", title="Sample policy", version="1", source="sample.yaml",
                sha256="0" * 64, matrix=MATRIX, checks=[], exceptions=[])
EXCEPTION = {"check": "x.accepted", "subject": "s:accepted", "owner": "CISO", "reason": "legacy",
             "expires": "2027-06-30", "reference": "MT-1", "state": "valid"}


def _result(status: Status, subject: str, check: str | None = None, **kw: Any) -> Result:
    scored = status.is_finding
    return Result(check=check or f"x.{subject.split(':')[1]}", title=f"Title of {subject}",
                  subject=subject,
                  status=status, message=f"{status} message for {subject}",
                  evidence={"evidence_file": "x.json", "target": "t", "collected_at": "2026-01-01"},
                  remediation="Fix it.", references=["REF 1"],
                  likelihood=2 if scored else None, impact=2 if scored else None,
                  priority="high" if scored else None, **kw)


def results() -> list[Result]:
    return [_result(Status.FAIL, "s:fail"), _result(Status.FAIL, "s:open"),
            _result(Status.ACCEPTED, "s:accepted", exception=dict(EXCEPTION)),
            _result(Status.ERROR, "s:error"), _result(Status.PASS, "s:pass"),
            _result(Status.NOT_APPLICABLE, "s:not_applicable"),
            # x.gone was assessed on target t, so its subject that is gone is resolved
            _result(Status.PASS, "s:gone-sibling", check="x.gone")]


def previous() -> dict[str, Any]:
    """A previous run in which `open`, `pass` and `error` failed and a since-gone subject was
    accepted (`error` cannot be looked at now: not re-assessed)."""
    def old(subject: str, status: str) -> dict[str, Any]:
        check = f"x.{subject.split(':')[1]}"
        return {"id": fingerprint(check, subject), "check": check, "title": "t", "subject": subject,
                "status": status, "priority": "high", "evidence": {"target": "t"}}
    return {"run": {"id": "previous-run", "started_at": "2025-12-01T00:00:00+00:00"},
            "results": [old("s:open", "fail"), old("s:pass", "fail"), old("s:gone", "accepted"),
                        old("s:error", "fail")]}


def report() -> dict[str, Any]:
    """A JSON-native report dict, as `report` and `diff` read it from report.json."""
    run = RunInfo(id="11111111-2222-3333-4444-555555555555", mode="evaluate",
                  started_at="2026-01-01T00:00:00+00:00", as_of=date(2026, 1, 1),
                  finished_at="2026-01-01T00:00:05+00:00", host="sample-host")
    built = build_report(run, POLICY, results(), [], [])
    assert built["summary"] == {**summarize(results(), POLICY), "not_assessed": [
        {"check": "x.error", "subject": "s:error", "message": "error message for s:error"}]}
    add_findings(built, POLICY)  # as a run does, before the follow-up
    followup.apply(built, previous(), "f" * 64, "../previous/report.json")
    return json.loads(json.dumps(built))
