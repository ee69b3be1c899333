"""Evidence for the vulnerability checks, built through the real collectors where it matters.

Advisories go through `csaf_source.collect_source` (schema validation and normalisation, as in a
scan), hosts are `windows.host_state` / `host.state` / `vuln.inventory` documents as the
collectors write them; evaluation is the engine with the shipped adr-gitc profile.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path
from typing import Any

from gitc_agent.collectors.vuln.csaf_source import collect_source
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.model import kinds
from gitc_agent.settings.vuln_config import CsafSource
from tests.csaf_docs import write

COLLECTED = "2026-11-16T08:00:00+00:00"
TODAY = date(2026, 11, 16)
VULN_CHECKS = ("vuln.advisory.remediation_overdue", "vuln.advisory.undecidable",
               "vuln.source.current", "vuln.process.ticket_per_advisory",
               "vuln.process.patch_round_validated")


def source_doc(tmp: Path, name: str, docs: dict[str, dict[str, Any]]) -> EvidenceDoc:
    folder = tmp / name
    for file, doc in docs.items():
        write(folder, file, doc)
    folder.mkdir(parents=True, exist_ok=True)
    evidence = collect_source(CsafSource(name=name, path=folder))
    evidence.collected_at = COLLECTED
    return evidence


def windows_host(name: str, caption: str, build: int, ubr: int, software: list[dict[str, Any]],
                 kbs: tuple[str, ...] = (), display_version: str | None = None) -> EvidenceDoc:
    os_info = {"caption": caption, "build": build, "ubr": ubr, "version": f"10.0.{build}"}
    if display_version:
        os_info["display_version"] = display_version
    return EvidenceDoc(kind=kinds.WINDOWS_HOST_STATE, target=name, collector="windows.winrm",
                       collected_at=COLLECTED,
                       data={"script_version": 3, "os": os_info, "software": software,
                             "hotfixes": [{"kb": kb, "description": "Security Update"}
                                          for kb in kbs], "update_history": []})


def linux_host(name: str, packages: list[tuple[str, str]], manager: str = "dpkg") -> EvidenceDoc:
    return EvidenceDoc(kind=kinds.HOST_STATE, target=name, collector="host.local",
                       collected_at=COLLECTED,
                       data={"os": {"name": "Debian GNU/Linux 12 (bookworm)"},
                             "packages": {"manager": manager, "items": [
                                 {"name": n, "version": v} for n, v in packages]}})


def software(*items: tuple[str, str | None]) -> list[dict[str, Any]]:
    return [{"name": n, "version": v, "publisher": ""} for n, v in items]


def tickets_doc(rows: list[dict[str, Any]], rejected: int = 0) -> EvidenceDoc:
    full = []
    for i, row in enumerate(rows, start=1):
        full.append({"row": i, "line": i + 1, "closed_at": None, "category": "Kwetsbaarheid",
                     "queue": "Backoffice", "title": "", "references": [], **row})
    return EvidenceDoc(kind=kinds.VULN_TICKETS, target="vuln", collector="vuln.files",
                       collected_at=COLLECTED,
                       data={"tickets": full, "rejected": [{"row": 99}] * rejected,
                             "counts": {"read": len(rows) + rejected, "used": len(rows),
                                        "rejected": rejected}, "source": {}})


def run(docs: list[EvidenceDoc], overrides: dict[str, dict[str, Any]] | None = None,
        today: date = TODAY) -> dict[tuple[str, str], tuple[str, str]]:
    """(check, subject) -> (status, message) of the vuln checks, under adr-gitc."""
    registry = discover(use_entry_points=False)
    policy = load_policy("adr-gitc", registry)
    if overrides:
        policy.checks = [dataclasses.replace(pc, params=pc.params.model_copy(
            update=overrides[pc.id])) if pc.id in overrides and pc.params else pc
            for pc in policy.checks]
    results = evaluate(policy, registry, EvidenceSet(docs), today)
    return {(r.check, r.subject): (r.status.value, r.message) for r in results
            if r.check.startswith("vuln.")}
