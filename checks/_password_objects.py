"""Walk `ad.password_policy` evidence: the domain policy and each PSO, or why they are unknown.

Shared by the password checks so each says the same thing about unreadable evidence. A PSO the
collector saw but could not read (an error part `pso:<dn>`) is an `error`, not an absent PSO; so
is an object without a DN, and an empty PSO list the collector did not vouch for (its
`pso_reader`: the bound account could see every PSO), since "none" would pass unseen ones.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, Verdict, unknown
from gitc_agent.core.evidence import EvidenceDoc
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
        domain = doc.data.get("domain")
        domain_error = doc.error_for("domain") or (
            "missing from the evidence" if domain is None else
            None if isinstance(domain, dict) and _named(domain.get("dn")) else
            "the policy object has no DN, so it cannot be identified")
        if domain_error:
            yield Outcome(subjects.domain(base), Status.ERROR,
                          f"the domain password policy could not be read: {domain_error}", source)
        else:
            yield PolicyObject(subjects.domain(domain["dn"]), domain["dn"],
                               f"default domain policy ({domain['dn']})", domain, source, None)
        yield from _psos(doc, base, source)


def _named(dn: object) -> bool:
    return isinstance(dn, str) and bool(dn.strip())


def _psos(doc: EvidenceDoc, base: str, source: dict[str, str]) -> Iterator[PolicyObject | Outcome]:
    """Each readable PSO, or why the PSOs (or one of them) could not be read."""
    container = doc.data.get("pso_container") or base
    psos = doc.data.get("psos")
    reader = doc.data.get("pso_reader")
    # the collector vouches for an empty list: it saw unreadable PSOs, or could see them all
    seen = bool(psos) or any(str(e.get("part", "")).startswith("pso:") for e in doc.errors) or (
        isinstance(reader, dict) and reader.get("privileged") is True)
    pso_error = doc.error_for("psos") or (
        "fine-grained password policies missing from the evidence" if psos is None else
        "the fine-grained password policies are not a list" if not isinstance(psos, list) else
        None if seen else
        "no fine-grained password policy is listed, and the evidence does not show that the "
        "bound account could see them (pso_reader), so 'none' cannot be told from 'not visible'")
    if pso_error:
        yield Outcome(subjects.psos(container), Status.ERROR, pso_error, source)
        return
    read = set()
    nameless = 0
    for pso in psos:
        dn = pso.get("dn") if isinstance(pso, dict) else None
        if not _named(dn):
            nameless += 1
            continue
        read.add(dn.lower())
        applies_to = pso.get("applies_to", [])
        if not isinstance(applies_to, list):  # whom it overrides the domain policy for
            yield Outcome(subjects.pso(dn), Status.ERROR,
                          f"PSO {dn}: msDS-PSOAppliesTo could not be read, so whom it applies to "
                          f"is unknown and it was not assessed", source)
            continue
        yield PolicyObject(subjects.pso(dn), dn, f"PSO {pso.get('name') or dn}", pso, source,
                           tuple(applies_to))
    if nameless:
        yield Outcome(subjects.psos(container), Status.ERROR,
                      f"{nameless} fine-grained password policy(ies) in the evidence have no DN, "
                      f"so they cannot be identified and were not assessed", source)
    for error in doc.errors:  # visible, but not readable: never left out as if absent
        part = str(error.get("part", ""))
        if part.startswith("pso:") and part[4:].lower() not in read:
            yield Outcome(subjects.pso(part[4:]), Status.ERROR,
                          f"PSO {part[4:]} could not be read, so it was not assessed: "
                          f"{error.get('message', 'unknown error')}", source)
