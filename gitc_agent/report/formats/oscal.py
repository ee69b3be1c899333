"""OSCAL 1.1 assessment-results (JSON): the report in the form GRC tools import.

Mapping: every result is a finding (its verdict) with one observation (what the evidence showed,
with the evidence file as relevant evidence); every fail or accepted result also has a risk whose
characterization carries likelihood, impact and priority as facets. An accepted result's risk has
status `deviation-approved` and a risk-log entry with owner, reason and expiry. UUIDs are derived
from the run id and the result fingerprint, so re-rendering one report gives the same document.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any

from gitc_agent.core.results import Status
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView, ResultView, RunView

OSCAL_VERSION = "1.1.2"
NS = "https://github.com/gitc-agent/gitc-agent/ns/oscal"
_UUID_NS = uuid.UUID("5f0c6b0e-2f4a-4c55-9a53-6d1c3f5a2b10")
# objective status per result status: (state, reason)
_TARGET_STATUS = {Status.PASS: ("satisfied", "pass"),
                  Status.NOT_APPLICABLE: ("satisfied", "other"),
                  Status.FAIL: ("not-satisfied", "fail"),
                  Status.ACCEPTED: ("not-satisfied", "fail"),
                  Status.ERROR: ("not-satisfied", "other")}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_UUID_NS, "\x00".join(parts)))


def _value(text: Any) -> str:
    """OSCAL prop values must not be empty or start/end with white space."""
    cleaned = re.sub(r"\s+", " ", "" if text is None else str(text)).strip()
    return cleaned or "-"


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _value(value)}


def _datetime(day: str) -> str:
    return f"{day}T23:59:59+00:00" if len(day) == 10 else day


def _observation(run: RunView, r: ResultView, tool: str) -> dict[str, Any]:
    evidence = r.evidence or {}
    obs: dict[str, Any] = {
        "uuid": _uuid(run.id, r.id, "observation"),
        "title": _value(f"{r.check}: {r.subject}"),
        "description": r.message or "-",
        "props": [_prop("result-id", r.id), _prop("check", r.check),
                  _prop("subject", r.subject), _prop("status", r.status)],
        "methods": ["TEST"], "types": ["finding" if r.status.is_finding else "control-objective"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "collected": evidence.get("collected_at") or run.started_at,
        "remarks": json.dumps(evidence, ensure_ascii=False, sort_keys=True),
    }
    if evidence.get("evidence_file"):
        obs["relevant-evidence"] = [{"href": f"evidence/{evidence['evidence_file']}",
                                     "description": f"evidence document collected from "
                                                    f"{evidence.get('target', 'the target')}"}]
    return obs


def _risk(report: ReportView, r: ResultView, tool: str) -> dict[str, Any]:
    run, scoring = report.run, report.scoring
    labels = {b.id: b.label for b in scoring.bands}
    accepted = r.status is Status.ACCEPTED
    risk: dict[str, Any] = {
        "uuid": _uuid(run.id, r.id, "risk"),
        "title": _value(r.title),
        "description": r.message or "-",
        "statement": f"{r.subject}: {r.message}",
        "props": [_prop("result-id", r.id), _prop("priority", r.priority)],
        "status": "deviation-approved" if accepted else "open",
        "characterizations": [{
            "origin": {"actors": [{"type": "tool", "actor-uuid": tool}]},
            "facets": [
                {"name": "likelihood", "system": NS, "value": str(r.likelihood),
                 "remarks": scoring.likelihood.get(r.likelihood, "-")},
                {"name": "impact", "system": NS, "value": str(r.impact),
                 "remarks": scoring.impact.get(r.impact, "-")},
                {"name": "priority", "system": NS, "value": _value(r.priority),
                 "remarks": labels.get(r.priority, "-")},
            ]}],
        "remediations": [{"uuid": _uuid(run.id, r.id, "remediation"), "lifecycle":
                          "recommendation", "title": "Remediation",
                          "description": r.remediation or "-"}],
        "related-observations": [{"observation-uuid": _uuid(run.id, r.id, "observation")}],
    }
    exc = r.exception
    if exc:
        entry = {"uuid": _uuid(run.id, r.id, "exception"),
                 "title": "Risk accepted" if accepted else "Exception expired",
                 "description": f"Owner: {exc.owner}. Reason: {exc.reason}",
                 "start": run.started_at,
                 "end": _datetime(str(exc.expires)),
                 "props": [_prop("owner", exc.owner), _prop("exception-state", exc.state)]}
        if accepted:
            entry["status-change"] = "deviation-approved"
        risk["risk-log"] = {"entries": [entry]}
    return risk


def render_oscal(report: ReportView | Mapping[str, Any]) -> bytes:
    view = ReportView.of(report)
    run = view.run
    tool = _uuid(run.id, "tool")
    observations, risks, findings = [], [], []
    for r in view.results:
        obs = _observation(run, r, tool)
        observations.append(obs)
        state, reason = _TARGET_STATUS[r.status]
        finding: dict[str, Any] = {
            "uuid": _uuid(run.id, r.id, "finding"),
            "title": _value(f"{r.title}: {r.subject}"),
            "description": r.message or "-",
            "props": [_prop("result-id", r.id), _prop("status", r.status)]
                     + ([_prop("follow-up", r.follow_up)] if r.follow_up else []),
            "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
            "target": {"type": "objective-id", "target-id": _value(r.check),
                       "title": _value(r.subject),
                       "description": "; ".join(r.references) or "-",
                       "status": {"state": state, "reason": reason}},
            "related-observations": [{"observation-uuid": obs["uuid"]}],
        }
        if r.status.is_finding and r.priority:
            risk = _risk(view, r, tool)
            risks.append(risk)
            finding["related-risks"] = [{"risk-uuid": risk["uuid"]}]
        findings.append(finding)
    policy = run.policy
    result: dict[str, Any] = {
        "uuid": _uuid(run.id, "result"),
        "title": f"gitc-agent {run.mode} against policy {policy.id} {policy.version}",
        "description": f"General IT Controls assessed by gitc-agent {view.tool_version} "
                       f"on {run.host}, as of {run.as_of}; "
                       + ("complete." if view.summary.complete else
                          "INCOMPLETE: some checks could not look."),
        "start": run.started_at,
        "props": [_prop("run-id", run.id), _prop("policy-sha256", policy.sha256)],
        "local-definitions": {"components": [{
            "uuid": tool, "type": "software", "title": "gitc-agent",
            "description": f"gitc-agent {view.tool_version}",
            "status": {"state": "operational"}}]},
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        "observations": observations,
        "findings": findings,
    }
    if run.finished_at:
        result["end"] = run.finished_at
    if risks:
        result["risks"] = risks
    doc = {"assessment-results": {
        "uuid": _uuid(run.id, "assessment-results"),
        "metadata": {"title": f"gitc-agent assessment results, run {run.id}",
                     "last-modified": run.finished_at or run.started_at,
                     "version": view.tool_version, "oscal-version": OSCAL_VERSION},
        "import-ap": {"href": f"#{_uuid(run.id, 'assessment-plan')}",
                      "remarks": f"No separate assessment plan: policy {policy.id} "
                                 f"{policy.version} (sha256 {policy.sha256}) is the plan."},
        "results": [result],
    }}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_oscal(report)


FORMAT = OutputFormat(name="oscal", file_name="oscal-assessment-results.json", render=_render,
                      description="OSCAL 1.1 assessment-results (JSON), for GRC tools")
