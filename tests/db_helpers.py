"""Helpers for the db.* tests: a policy with just the db checks, and evaluating evidence."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Result

REGISTRY = discover(use_entry_points=False)
DB_CHECKS = ("db.privileged.unapproved_member", "db.privileged.approval_expired",
             "db.privileged.review_overdue", "db.logins.password_policy", "db.logins.orphaned",
             "db.logins.impersonal_unregistered", "db.audit.enabled")
DATA = Path(__file__).parent / "data" / "db"


def policy_file(tmp: Path, sections: dict[str, Any] | None = None,
                shared: dict[str, Any] | None = None) -> Path:
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    sections = sections or {}
    text = (head + "\nchecks:\n"
            + "".join(f"  {cid}: {json.dumps(sections.get(cid, {}), default=str)}\n"
                      for cid in DB_CHECKS)
            + (f"shared: {json.dumps(shared, default=str)}\n" if shared else "")
            + "exceptions: []\n")
    path = tmp / "db-policy.yaml"
    path.write_text(text)
    return path


def run(docs: list[EvidenceDoc], tmp: Path, as_of: date = date(2026, 11, 16),
        sections: dict[str, Any] | None = None,
        shared: dict[str, Any] | None = None) -> dict[str, list[Result]]:
    policy = load_policy(str(policy_file(tmp, sections, shared)), REGISTRY)
    results = evaluate(policy, REGISTRY, EvidenceSet(docs), as_of)
    out: dict[str, list[Result]] = {c: [] for c in DB_CHECKS}
    for r in results:
        out.setdefault(r.check, []).append(r)
    return out


def by_subject(results: list[Result]) -> dict[str, str]:
    return {r.subject: r.status.value for r in results}


def demo_ad() -> EvidenceDoc:
    docs = load_evidence(demo.evidence_dir())
    return docs[0].of_kind("ad.accounts")[0]
