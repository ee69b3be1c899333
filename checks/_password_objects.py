"""Walk `ad.password_policy` evidence: the domain policy and each PSO, or why they are unknown.

Shared by the password checks so each says the same thing about unreadable evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status

KIND = "ad.password_policy"


@dataclass(frozen=True)
class PolicyObject:
    subject: str
    label: str
    settings: dict[str, Any]
    source: dict[str, str]
    applies_to: tuple[str, ...] | None  # None for the domain policy (applies to everyone)


def walk(evidence: EvidenceSet) -> Iterator[PolicyObject | Outcome]:
    """Yield each readable policy object, or an `error` Outcome for what could not be read."""
    for doc in evidence.of_kind(KIND):
        source = doc.source
        base = doc.data.get("base_dn") or doc.target
        conn_error = doc.error_for("connection")
        if conn_error:
            yield Outcome(f"domain:{base}", Status.ERROR,
                          f"the directory could not be read: {conn_error}", source)
            continue
        domain_error = doc.error_for("domain")
        if domain_error or "domain" not in doc.data:
            yield Outcome(f"domain:{base}", Status.ERROR,
                          f"the domain password policy could not be read: "
                          f"{domain_error or 'missing from the evidence'}", source)
        else:
            domain = doc.data["domain"]
            yield PolicyObject(f"domain:{domain['dn']}", f"default domain policy ({domain['dn']})",
                               domain, source, None)
        pso_error = doc.error_for("psos")
        if pso_error or "psos" not in doc.data:
            container = doc.data.get("pso_container", base)
            yield Outcome(f"psos:{container}", Status.ERROR,
                          pso_error or "fine-grained password policies missing from the evidence",
                          source)
            continue
        for pso in doc.data["psos"]:
            yield PolicyObject(f"pso:{pso['dn']}", f"PSO {pso['name']}", pso, source,
                               tuple(pso.get("applies_to", [])))


def unreadable(obj: PolicyObject, key: str, attribute_hint: str) -> Outcome:
    return Outcome(obj.subject, Status.ERROR,
                   f"{obj.label}: {attribute_hint} could not be read (attribute missing or "
                   f"access denied), so this setting was not assessed", obj.source)
