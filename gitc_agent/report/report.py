"""The JSON report (contract `gitc-agent/report/v1`); other formats render it."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gitc_agent import __version__
from gitc_agent.core.engine import summarize
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.plan import Plan
from gitc_agent.core.policy import Policy
from gitc_agent.core.results import Result, Status
from gitc_agent.report.coverage import coverage
from gitc_agent.run.redact import redact_obj

SCHEMA = "gitc-agent/report/v1"


@dataclass
class RunInfo:
    id: str
    mode: str
    started_at: str
    as_of: date
    finished_at: str = ""
    host: str = field(default_factory=socket.gethostname)
    interrupted: str | None = None  # why collection stopped early (signal, deadline)


def build_report(run: RunInfo, policy: Policy, results: list[Result],
                 evidence: list[EvidenceDoc], evidence_files: list[dict[str, str]],
                 plan: Plan | None = None) -> dict[str, Any]:
    """The v1 report; `plan`: the collection plan evaluated against (None: there was none)."""
    summary = summarize(results, policy)
    if run.interrupted:
        summary["complete"] = False
    summary["not_assessed"] = [
        {"check": r.check, "subject": r.subject, "message": r.message}
        for r in results if r.status is Status.ERROR
    ]
    matrix = policy.matrix
    report = {
        "schema": SCHEMA,
        "tool": {"name": "gitc-agent", "version": __version__},
        "run": {
            "id": run.id,
            "mode": run.mode,
            "started_at": run.started_at,
            "finished_at": run.finished_at,
            "host": run.host,
            "as_of": run.as_of.isoformat(),
            "policy": policy.describe(),
            "targets": [{"kind": d.kind, "target": d.target, "collector": d.collector,
                         "collected_at": d.collected_at, "status": d.status} for d in evidence],
            "evidence": evidence_files,
            "plan": plan.describe() if plan is not None else None,
            "complete": summary["complete"],
            "interrupted": run.interrupted,
        },
        "scoring": {
            "likelihood": {str(k): v for k, v in sorted(matrix.likelihood.items())},
            "impact": {str(k): v for k, v in sorted(matrix.impact.items())},
            "priorities": [{"id": b.id, "label": b.label, "color": b.color} for b in matrix.bands],
        },
        "results": [r.to_dict() for r in results],
        "summary": summary,
        "coverage": coverage(policy, results, evidence, evidence_files, plan),
    }
    return redact_obj(report)
