"""Walk `ad.password_policy` evidence: the domain policy and each PSO, or why they are unknown.

Shared by the password checks so each says the same thing about unreadable evidence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, Verdict, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_PASSWORD_POLICY


@dataclass(frozen=True)
class PolicyObject:
    subject: str
    dn: str
    label: str
    settings: dict[str, Any]
    source: dict[str, str]
    applies_to: tuple[str, ...] | None  # None for the domain policy (applies to everyone)

    @property
    def latent(self) -> bool:
        """A PSO that applies to nobody yet: it takes effect as soon as it is applied."""
        return self.applies_to == ()

    @property
    def scope(self) -> dict[str, Any]:
        """Evidence of whom a PSO overrides the domain policy for (nothing for the domain)."""
        if self.applies_to is None:
            return {}
        return {"applies_to": list(self.applies_to), "precedence": self.settings.get("precedence")}

    @property
    def reach(self) -> str:
        """What a finding adds about a PSO: whom it overrides the domain policy for."""
        if not self.applies_to:
            return ""
        return f" It overrides the domain policy for {len(self.applies_to)} user(s)/group(s)."

    def unreadable(self, hint: str, subject: str | None = None) -> Verdict:
        return unknown(f"{self.label}: {hint} could not be read (attribute missing or access "
                       f"denied), so this setting was not assessed", subject=subject)


def password_objects(evidence: EvidenceSet) -> Iterator[PolicyObject | Outcome]:
    """Yield each readable policy object, or an `error` Outcome for what could not be read."""
    for doc in evidence.of_kind(AD_PASSWORD_POLICY):
        source = doc.source
        base = doc.data.get("base_dn") or doc.target
        conn_error = doc.error_for("connection")
        if conn_error:
            yield Outcome(subjects.domain(base), Status.ERROR,
                          f"the directory could not be read: {conn_error}", source)
            continue
        domain_error = doc.error_for("domain")
        if domain_error or "domain" not in doc.data:
            yield Outcome(subjects.domain(base), Status.ERROR,
                          f"the domain password policy could not be read: "
                          f"{domain_error or 'missing from the evidence'}", source)
        else:
            domain = doc.data["domain"]
            yield PolicyObject(subjects.domain(domain["dn"]), domain["dn"],
                               f"default domain policy ({domain['dn']})", domain, source, None)
        pso_error = doc.error_for("psos")
        if pso_error or "psos" not in doc.data:
            container = doc.data.get("pso_container", base)
            yield Outcome(subjects.psos(container), Status.ERROR,
                          pso_error or "fine-grained password policies missing from the evidence",
                          source)
            continue
        for pso in doc.data["psos"]:
            yield PolicyObject(subjects.pso(pso["dn"]), pso["dn"], f"PSO {pso['name']}", pso,
                               source, tuple(pso.get("applies_to", [])))
