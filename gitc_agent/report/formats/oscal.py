"""OSCAL 1.1 assessment-results (JSON): the report in the form GRC tools import.

Mapping: every result is an observation (what the evidence showed about one subject, with the
evidence file as relevant evidence); every finding (one check on one scope, see findings.py) is an
OSCAL finding whose related observations are its deviations, accepted and not-assessed results,
and whose target is the control with its state. A reported finding (open or accepted) has a risk
whose characterization carries the finding's likelihood, impact and priority as facets; each
deviation with an exception is also a risk of its own: an accepted result's risk has status
`deviation-approved` and a risk-log entry with owner, reason and expiry. UUIDs are derived
from the run id and the fingerprints, so re-rendering one report gives the same document.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import orjson

from gitc_agent.core.results import Status
from gitc_agent.report.finding_model import Finding, FindingStatus
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView, ResultView, RunView

OSCAL_VERSION = "1.1.2"
NS = "https://github.com/gitc-agent/gitc-agent/ns/oscal"
_UUID_NS = uuid.UUID("5f0c6b0e-2f4a-4c55-9a53-6d1c3f5a2b10")
# objective status per result status: (state, reason)
_FINDING_STATE = {FindingStatus.NO_FINDING: ("satisfied", "pass"),
                  FindingStatus.FINDING: ("not-satisfied", "fail"),
                  FindingStatus.ACCEPTED: ("not-satisfied", "fail"),
                  FindingStatus.NOT_ASSESSED: ("not-satisfied", "other")}


_EVIDENCE_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode  # made once: 200,000 calls


_UUID_NS_BYTES = _UUID_NS.bytes
_ODD_SPACE = re.compile(r"\s{2,}|[^\S ]")  # what _value changes besides the ends
_SPACES = re.compile(r"\s+")


def _uuid(*parts: str) -> str:
    """uuid.uuid5(_UUID_NS, parts joined by NUL), without building UUID objects (400,000 of
    them for a report of 200,000 results; the test suite compares with uuid.uuid5)."""
    digest = bytearray(hashlib.sha1(_UUID_NS_BYTES + "\x00".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _value(text: Any) -> str:
    """OSCAL prop values must not be empty or start/end with white space."""
    text = "" if text is None else str(text)
    # printable: no white space but the plain space (the test is quicker than the expression)
    if text and text.isprintable() and "  " not in text and text[0] != " " and text[-1] != " ":
        return text  # nearly every value: nothing to clean
    if text and not _ODD_SPACE.search(text) and text[0] != " " and text[-1] != " ":
        return text
    return _SPACES.sub(" ", text).strip() or "-"


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _value(value)}


# a prop whose value many results share (their check, their status): one object, written as
# often as it occurs (nothing changes a prop once made)
_shared_prop = lru_cache(maxsize=4096)(_prop)


def _datetime(day: str) -> str:
    return f"{day}T23:59:59+00:00" if len(day) == 10 else day


_METHODS = ["TEST"]
_TYPES = {True: ["finding"], False: ["control-objective"]}


def _observation(run: RunView, r: ResultView, origins: list[Any]) -> dict[str, Any]:
    """`origins`: the tool as origin, one list for every observation."""
    evidence = r.evidence or {}
    obs: dict[str, Any] = {
        "uuid": _uuid(run.id, r.id, "observation"),
        "title": _value(f"{r.check}: {r.subject}"),
        "description": r.message or "-",
        "props": [_prop("result-id", r.id), _shared_prop("check", r.check),
                  _prop("subject", r.subject), _shared_prop("status", r.status.value)],
        "methods": _METHODS, "types": _TYPES[r.status.is_finding],
        "origins": origins,
        "collected": evidence.get("collected_at") or run.started_at,
        "remarks": _EVIDENCE_JSON(evidence),
    }
    if evidence.get("evidence_file"):
        obs["relevant-evidence"] = [{"href": f"evidence/{evidence['evidence_file']}",
                                     "description": f"evidence document collected from "
                                                    f"{evidence.get('target', 'the target')}"}]
    return obs


class Links:
    """A result's entry in a related-observations list: one object per result, however many
    findings and risks list it (200,000 deviations are listed by their finding and its risk)."""

    def __init__(self, run: RunView, entries: dict[str, dict[str, str]]):
        self.run, self.entries = run, entries

    def __call__(self, r: ResultView) -> dict[str, str]:
        entry = self.entries.get(r.id)
        return entry if entry is not None else {
            "observation-uuid": _uuid(self.run.id, r.id, "observation")}


def _links(run: RunView, results: Sequence[ResultView],
           observations: Sequence[Mapping[str, Any]]) -> Links:
    return Links(run, {r.id: {"observation-uuid": o["uuid"]}
                       for r, o in zip(results, observations, strict=True)})


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


def _finding_risk(report: ReportView, f: Finding, tool: str, links: Links) -> dict[str, Any]:
    run, scoring = report.run, report.scoring
    labels = {b.id: b.label for b in scoring.bands}
    return {
        "uuid": _uuid(run.id, f.id, "finding-risk"),
        "title": _value(f"{f.title}: {f.scope_label}"),
        "description": _value(f.headline()),
        "statement": _value(f"{f.check} on {f.scope_label}: {f.headline()}"),
        "props": [_prop("finding-id", f.id), _prop("priority", f.priority),
                  _prop("population", f.population.count)],
        "status": "deviation-approved" if f.status is FindingStatus.ACCEPTED else "open",
        "characterizations": [{
            "origin": {"actors": [{"type": "tool", "actor-uuid": tool}]},
            "facets": [
                {"name": "likelihood", "system": NS, "value": str(f.likelihood),
                 "remarks": scoring.likelihood.get(f.likelihood or 0, "-")},
                {"name": "impact", "system": NS, "value": str(f.impact),
                 "remarks": scoring.impact.get(f.impact or 0, "-")},
                {"name": "priority", "system": NS, "value": _value(f.priority),
                 "remarks": labels.get(f.priority or "", "-")},
            ]}],
        "remediations": [{"uuid": _uuid(run.id, f.id, "remediation"), "lifecycle":
                          "recommendation", "title": "Remediation",
                          "description": next((r.remediation for r in f.deviations + f.accepted
                                               if r.remediation), "-")}],
        "related-observations": [links(r) for r in (*f.deviations, *f.accepted)],
    }


def _finding(view: ReportView, f: Finding, tool: str, risks: list[dict[str, Any]],
             links: Links) -> dict[str, Any]:
    run = view.run
    state, reason = _FINDING_STATE[f.status]
    related = [*f.deviations, *f.accepted, *f.not_assessed]
    finding: dict[str, Any] = {
        "uuid": _uuid(run.id, f.id, "finding"),
        "title": _value(f"{f.title}: {f.scope_label}"),
        "description": _value(f.headline()),
        "props": [_prop("finding-id", f.id), _prop("status", f.status), _prop("scope", f.scope),
                  _prop("population", f"{f.population.count} {f.population.what}"),
                  _prop("completeness", f.population.completeness)]
                 + ([_prop("follow-up", f.follow_up.status)] if f.follow_up else []),
        "origins": [{"actors": [{"type": "tool", "actor-uuid": tool}]}],
        "target": {"type": "objective-id", "target-id": _value(f.check),
                   "title": _value(f.scope_label),
                   "description": "; ".join(related[0].references) if related else "-",
                   "status": {"state": state, "reason": reason}},
    }
    if related:
        finding["related-observations"] = [links(r) for r in related]
    if f.is_reported and f.priority:
        risk = _finding_risk(view, f, tool, links)
        risks.append(risk)
        # a subject's own risk only where it has its own story: an exception (accepted or
        # expired) with owner and expiry; the finding's risk covers the other deviations
        detail = [_risk(view, r, tool) for r in (*f.deviations, *f.accepted)
                  if r.priority and r.exception]
        risks.extend(detail)
        finding["related-risks"] = [{"risk-uuid": k["uuid"]} for k in (risk, *detail)]
    return finding


def render_oscal(report: ReportView | Mapping[str, Any]) -> bytes:
    view = ReportView.of(report)
    run = view.run
    tool = _uuid(run.id, "tool")
    origins = [{"actors": [{"type": "tool", "actor-uuid": tool}]}]
    observations = [_observation(run, r, origins) for r in view.results]
    risks: list[dict[str, Any]] = []
    links = _links(run, view.results, observations)
    findings = [_finding(view, f, tool, risks, links) for f in findings_of(view)]
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
    # compact: with indent, json falls back to its pure-Python encoder (minutes at 200,000);
    # orjson writes the same compact UTF-8 five times faster, json what orjson refuses
    # (integers beyond 64 bits in evidence)
    try:
        return orjson.dumps(doc) + b"\n"
    except (orjson.JSONEncodeError, TypeError):
        return (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_oscal(report)


FORMAT = OutputFormat(name="oscal", file_name="oscal-assessment-results.json", render=_render,
                      description="OSCAL 1.1 assessment-results (JSON), for GRC tools")
