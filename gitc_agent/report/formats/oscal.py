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
from typing import Any

OSCAL_VERSION = "1.1.2"
NS = "https://github.com/gitc-agent/gitc-agent/ns/oscal"
_UUID_NS = uuid.UUID("5f0c6b0e-2f4a-4c55-9a53-6d1c3f5a2b10")
_STATE = {"pass": "satisfied", "not_applicable": "satisfied", "fail": "not-satisfied",
          "accepted": "not-satisfied", "error": "not-satisfied"}
_REASON = {"pass": "pass", "fail": "fail", "accepted": "fail", "error": "other",
           "not_applicable": "other"}


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


def _observation(run: dict[str, Any], r: dict[str, Any], tool: str) -> dict[str, Any]:
    evidence = r.get("evidence") or {}
    obs: dict[str, Any] = {
        "uuid": _uuid(run["id"], r["id"], "observation"),
        "title": _value(f"{r['check']}: {r['subject']}"),
        "description": r["message"] or "-",
        "props": [_prop("result-id", r["id"]), _prop("check", r["check"]),
                  _prop("subject", r["subject"]), _prop("status", r["status"])],
        "methods": ["TEST"], "types": ["finding" if r["status"] in ("fail", "accepted")
                                       else "control-objective"],
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "collected": evidence.get("collected_at") or run["started_at"],
        "remarks": json.dumps(evidence, ensure_ascii=False, sort_keys=True),
    }
    if evidence.get("evidence_file"):
        obs["relevant-evidence"] = [{"href": f"evidence/{evidence['evidence_file']}",
                                     "description": f"evidence document collected from "
                                                    f"{evidence.get('target', 'the target')}"}]
    return obs


def _risk(report: dict[str, Any], r: dict[str, Any], tool: str) -> dict[str, Any]:
    run, scoring = report["run"], report["scoring"]
    labels = {b["id"]: b["label"] for b in scoring["priorities"]}
    risk: dict[str, Any] = {
        "uuid": _uuid(run["id"], r["id"], "risk"),
        "title": _value(r["title"]),
        "description": r["message"] or "-",
        "statement": f"{r['subject']}: {r['message']}",
        "props": [_prop("result-id", r["id"]), _prop("priority", r["priority"])],
        "status": "deviation-approved" if r["status"] == "accepted" else "open",
        "characterizations": [{
            "origin": {"actors": [{"type": "tool", "actor-uuid": tool}]},
            "facets": [
                {"name": "likelihood", "system": NS, "value": str(r["likelihood"]),
                 "remarks": scoring["likelihood"].get(str(r["likelihood"]), "-")},
                {"name": "impact", "system": NS, "value": str(r["impact"]),
                 "remarks": scoring["impact"].get(str(r["impact"]), "-")},
                {"name": "priority", "system": NS, "value": _value(r["priority"]),
                 "remarks": labels.get(r["priority"], "-")},
            ]}],
        "remediations": [{"uuid": _uuid(run["id"], r["id"], "remediation"), "lifecycle":
                          "recommendation", "title": "Remediation",
                          "description": r["remediation"] or "-"}],
        "related-observations": [{"observation-uuid": _uuid(run["id"], r["id"], "observation")}],
    }
    exc = r.get("exception")
    if exc:
        entry = {"uuid": _uuid(run["id"], r["id"], "exception"),
                 "title": "Risk accepted" if r["status"] == "accepted" else "Exception expired",
                 "description": f"Owner: {exc.get('owner')}. Reason: {exc.get('reason')}",
                 "start": run["started_at"],
                 "end": _datetime(str(exc.get("expires"))),
                 "props": [_prop("owner", exc.get("owner")), _prop("exception-state",
                                                                   exc.get("state"))]}
        if r["status"] == "accepted":
            entry["status-change"] = "deviation-approved"
        risk["risk-log"] = {"entries": [entry]}
    return risk


def render_oscal(report: dict[str, Any]) -> bytes:
    run = report["run"]
    tool = _uuid(run["id"], "tool")
    observations, risks, findings = [], [], []
    for r in report["results"]:
        obs = _observation(run, r, tool)
        observations.append(obs)
        finding: dict[str, Any] = {
            "uuid": _uuid(run["id"], r["id"], "finding"),
            "title": _value(f"{r['title']}: {r['subject']}"),
            "description": r["message"] or "-",
            "props": [_prop("result-id", r["id"]), _prop("status", r["status"])]
                     + ([_prop("follow-up", r["follow_up"])] if r.get("follow_up") else []),
            "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
            "target": {"type": "objective-id", "target-id": _value(r["check"]),
                       "title": _value(r["subject"]),
                       "description": "; ".join(r.get("references") or []) or "-",
                       "status": {"state": _STATE[r["status"]], "reason": _REASON[r["status"]]}},
            "related-observations": [{"observation-uuid": obs["uuid"]}],
        }
        if r["status"] in ("fail", "accepted") and r.get("priority"):
            risk = _risk(report, r, tool)
            risks.append(risk)
            finding["related-risks"] = [{"risk-uuid": risk["uuid"]}]
        findings.append(finding)
    policy = run["policy"]
    result: dict[str, Any] = {
        "uuid": _uuid(run["id"], "result"),
        "title": f"gitc-agent {run['mode']} against policy {policy['id']} {policy['version']}",
        "description": f"General IT Controls assessed by gitc-agent {report['tool']['version']} "
                       f"on {run['host']}, as of {run['as_of']}; "
                       + ("complete." if report["summary"]["complete"] else
                          "INCOMPLETE: some checks could not look."),
        "start": run["started_at"],
        "props": [_prop("run-id", run["id"]), _prop("policy-sha256", policy["sha256"])],
        "local-definitions": {"components": [{
            "uuid": tool, "type": "software", "title": "gitc-agent",
            "description": f"gitc-agent {report['tool']['version']}",
            "status": {"state": "operational"}}]},
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
        "observations": observations,
        "findings": findings,
    }
    if run.get("finished_at"):
        result["end"] = run["finished_at"]
    if risks:
        result["risks"] = risks
    doc = {"assessment-results": {
        "uuid": _uuid(run["id"], "assessment-results"),
        "metadata": {"title": f"gitc-agent assessment results, run {run['id']}",
                     "last-modified": run.get("finished_at") or run["started_at"],
                     "version": report["tool"]["version"], "oscal-version": OSCAL_VERSION},
        "import-ap": {"href": f"#{_uuid(run['id'], 'assessment-plan')}",
                      "remarks": f"No separate assessment plan: policy {policy['id']} "
                                 f"{policy['version']} (sha256 {policy['sha256']}) is the plan."},
        "results": [result],
    }}
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
