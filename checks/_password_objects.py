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

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, Verdict, msg, unknown
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_PASSWORD_POLICY
from gitc_agent.model.message import N_


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
    def is_domain(self) -> bool:
        return self.applies_to is None

    @property
    def name(self) -> str:
        """What the messages call it: the domain policy's DN, or the PSO's name (else its DN)."""
        return self.dn if self.is_domain else (self.settings.get("name") or self.dn)

    def say(self, domain_template: str, pso_template: str, /, **values: Any) -> Message:
        """The message about this object: the domain policy and a PSO are named in words of
        their own ("default domain policy (...)", "PSO ..."), so each has its whole template."""
        return msg(domain_template if self.is_domain else pso_template, policy=self.name,
                   **values)

    @property
    def reach(self) -> dict[str, int]:
        """The value a PSO's finding adds: how many users/groups it overrides the domain policy
        for (nothing for the domain policy, whose templates have no {reach})."""
        return {} if self.is_domain else {"reach": len(self.applies_to or ())}

    def unreadable(self, setting: str, subject: str | None = None) -> Verdict:
        """`setting`: a key of _UNREADABLE (the setting that could not be read)."""
        return unknown(self.say(*_UNREADABLE[setting]), subject=subject)


#: ad.password.min_length's sentences, (domain policy, PSO): each whole, so it translates whole
MIN_LENGTH_MEETS = (
    N_("default domain policy ({policy}): minimum length {actual} meets the norm of {norm}."),
    N_("PSO {policy}: minimum length {actual} meets the norm of {norm}."))
MIN_LENGTH_BELOW = (
    N_("default domain policy ({policy}): minimum length {actual} is below the norm of {norm}."),
    N_("PSO {policy}: minimum length {actual} is below the norm of {norm}. It overrides the "
       "domain policy for {reach} user(s)/group(s)."))

#: setting -> (domain policy template, PSO template); both spelt out for the extractor
_UNREADABLE = {
    "min_length": (
        N_("default domain policy ({policy}): the minimum password length could not be read "
           "(attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the minimum password length could not be read (attribute missing or "
           "access denied), so this setting was not assessed")),
    "history": (
        N_("default domain policy ({policy}): the password history length could not be read "
           "(attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the password history length could not be read (attribute missing or "
           "access denied), so this setting was not assessed")),
    "max_age": (
        N_("default domain policy ({policy}): the maximum password age could not be read "
           "(attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the maximum password age could not be read (attribute missing or "
           "access denied), so this setting was not assessed")),
    "lockout_threshold": (
        N_("default domain policy ({policy}): the account lockout threshold could not be read "
           "(attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the account lockout threshold could not be read (attribute missing or "
           "access denied), so this setting was not assessed")),
    "complexity": (
        N_("default domain policy ({policy}): the complexity setting could not be read "
           "(attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the complexity setting could not be read (attribute missing or access "
           "denied), so this setting was not assessed")),
    "reversible_encryption": (
        N_("default domain policy ({policy}): the reversible-encryption setting could not be "
           "read (attribute missing or access denied), so this setting was not assessed"),
        N_("PSO {policy}: the reversible-encryption setting could not be read (attribute "
           "missing or access denied), so this setting was not assessed")),
}


def password_objects(evidence: EvidenceSet) -> Iterator[PolicyObject | Outcome]:
    """Yield each readable policy object, or an `error` Outcome for what could not be read."""
    for doc in evidence.of_kind(AD_PASSWORD_POLICY):
        source = doc.source
        base = doc.data.get("base_dn") or doc.target
        conn_error = doc.error_for("connection")
        if conn_error:
            yield Outcome(subjects.domain(base), Status.ERROR,
                          msg("the directory could not be read: {error}", error=conn_error),
                          source)
            continue
        domain = doc.data.get("domain")
        collector_error = doc.error_for("domain")
        domain_error = (
            msg("the domain password policy could not be read: {error}", error=collector_error)
            if collector_error else
            msg("the domain password policy could not be read: missing from the evidence")
            if domain is None else
            None if isinstance(domain, dict) and _named(domain.get("dn")) else
            msg("the domain password policy could not be read: the policy object has no DN, so "
                "it cannot be identified"))
        if domain_error:
            yield Outcome(subjects.domain(base), Status.ERROR, domain_error, source)
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
    collector_error = doc.error_for("psos")  # the collector's own words: not translated
    pso_error = collector_error or (
        msg("fine-grained password policies missing from the evidence") if psos is None else
        msg("the fine-grained password policies are not a list") if not isinstance(psos, list)
        else None if seen else
        msg("no fine-grained password policy is listed, and the evidence does not show that the "
            "bound account could see them (pso_reader), so 'none' cannot be told from 'not "
            "visible'"))
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
                          msg("PSO {dn}: msDS-PSOAppliesTo could not be read, so whom it applies to "
                              "is unknown and it was not assessed",
                              dn=dn), source)
            continue
        yield PolicyObject(subjects.pso(dn), dn, f"PSO {pso.get('name') or dn}", pso, source,
                           tuple(applies_to))
    if nameless:
        yield Outcome(subjects.psos(container), Status.ERROR,
                      msg("{nameless} fine-grained password policy(ies) in the evidence have no DN, "
                          "so they cannot be identified and were not assessed",
                          nameless=nameless), source)
    for error in doc.errors:  # visible, but not readable: never left out as if absent
        part = str(error.get("part", ""))
        if part.startswith("pso:") and part[4:].lower() not in read:
            yield Outcome(subjects.pso(part[4:]), Status.ERROR,
                          msg("PSO {pso} could not be read, so it was not assessed: {error}",
                              pso=part[4:], error=error.get("message", msg("unknown error"))), source)
