"""Shared reading of `ad.accounts` evidence for the user-management checks.

Why shared: every check must say the same thing when evidence is missing or unreadable (an
`error`, never a pass), identify privileged groups the same way (by SID/RID, never by name), and
judge time against the moment the evidence was collected, so a re-evaluation of saved evidence
gives the same answer.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field, field_validator

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status
from gitc_agent.model.directory import (
    Account,
    Directory,
    Group,
    Membership,
    parse_time,
    privileged_groups,
)

KIND = "ad.accounts"
ARROW = " → "


def _group_key(value: str) -> str:
    text = value.strip()
    upper = text.upper()
    if upper.startswith("S-1-") or upper.startswith("RID:") or "=" in text:
        return text
    raise ValueError(f"{value!r}: name a group by SID (S-1-5-32-544), domain RID (RID:512) or "
                     f"DN, not by name (names are localised and can be renamed)")


class ExtraGroups(CheckParams):
    """Groups the policy treats as privileged on top of the well-known ones."""

    extra_groups: list[str] = Field(default_factory=list)

    @field_validator("extra_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        return [_group_key(v) for v in values]


class Approval(CheckParams):
    """A time-bound approval of one account's membership of one privileged group."""

    account: str = Field(min_length=1, description="sAMAccountName, DN or SID")
    group: str = Field(min_length=1, description="SID, RID:nnn or DN")
    until: date
    approved_by: str = Field(min_length=1)
    reference: str = ""

    _g = field_validator("group")(classmethod(lambda cls, v: _group_key(v)))


class RegisteredAccount(CheckParams):
    """An impersonal account in the register: who owns it, why it exists, how it is watched."""

    account: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    monitoring: str = Field(min_length=1)
    privileged_groups: list[str] = Field(default_factory=list)  # justified, agreed with the CISO
    reference: str = ""

    @field_validator("privileged_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        return [_group_key(v) for v in values]


class ImpersonalRules(CheckParams):
    """How an account is recognised as not belonging to one person."""

    no_employee_id: bool = True
    name_patterns: list[str] = Field(default_factory=lambda: [
        "svc-*", "svc_*", "svc.*", "srv-*", "sa-*", "app-*", "func-*", "shared-*", "test-*",
        "tst-*"])
    has_spn: bool = True


@dataclass
class Domain:
    directory: Directory
    base: str
    source: dict[str, str]
    as_of: datetime

    @property
    def today(self) -> date:
        return self.as_of.date()


def domains(evidence: EvidenceSet) -> Iterator[Domain | Outcome]:
    """Each readable domain, or an `error` Outcome saying what could not be read."""
    for doc in evidence.of_kind(KIND):
        source = doc.source
        base = doc.data.get("base_dn") or doc.target
        problems = [doc.error_for(part) for part in ("connection", "domain", "accounts", "groups")]
        problems = [p for p in problems if p]
        for part in ("accounts", "groups"):
            if part not in doc.data and not problems:
                problems.append(f"{part} missing from the evidence")
        if problems:
            yield Outcome(f"domain:{base}", Status.ERROR,
                          "users and groups could not be read, so this was not assessed: "
                          + "; ".join(problems), source)
            continue
        # built once per evaluation for all eight checks (building it dominates their cost)
        directory = evidence.derived(f"ad.directory:{doc.target}:{doc.collected_at}",
                                     lambda doc=doc: Directory.from_data(doc.data))
        yield Domain(directory, base, source, parse_time(doc.collected_at))


def with_source(domain: Domain, **evidence: object) -> dict[str, object]:
    return {**domain.source, **evidence}


def path_text(membership: Membership) -> str:
    text = ARROW.join(membership.path)
    return text + " (primaryGroupID)" if membership.primary_group else text


@dataclass(frozen=True)
class Privileged:
    """A privileged group found in the domain, usable for membership questions."""

    key: str
    label: str
    group: Group

    @property
    def subject_key(self) -> str:
        return self.group.sid or self.group.dn


def privileged(domain: Domain, extra: Iterable[str]) -> Iterator[Privileged | Outcome]:
    """Each privileged group, or an Outcome when it is absent or its members are incomplete."""
    directory = domain.directory
    for entry in privileged_groups(directory, extra):
        subject = f"group:{entry.key}"
        if entry.group is None:
            if entry.optional_reason:
                yield Outcome(subject, Status.NOT_APPLICABLE,
                              f"{entry.label} ({entry.key}) is not in this domain; it "
                              f"{entry.optional_reason}.", with_source(domain))
            else:
                yield Outcome(subject, Status.ERROR,
                              f"{entry.label} ({entry.key}) is not in the evidence: every domain "
                              f"has it (or the policy names it), so the bound account could not "
                              f"see it and its members were not assessed.", with_source(domain))
            continue
        group = entry.group
        closure = directory.members(group)
        broken = [g.name for g in (group, *(directory.groups[k] for k in closure
                                             if k in directory.groups)) if g.incomplete]
        if broken:
            yield Outcome(subject, Status.ERROR,
                          f"{group.name}: the members of {', '.join(broken)} could not be read "
                          f"completely, so its membership was not assessed.", with_source(domain))
            continue
        if group.sid == "S-1-5-32-544" and not closure:
            yield Outcome(subject, Status.ERROR,
                          f"{group.name} ({group.sid}) shows no members. It always contains at "
                          f"least the built-in Administrator, so its member attribute was not "
                          f"readable for the bound account.", with_source(domain))
            continue
        yield Privileged(entry.key, group.name, group)


def is_impersonal(account: Account, rules: ImpersonalRules) -> list[str]:
    """The rules that mark the account as impersonal (empty: a person)."""
    reasons = []
    if rules.no_employee_id and not account.employee_id:
        reasons.append("no employeeID")
    name = (account.sam or "").lower()
    for pattern in rules.name_patterns:
        if fnmatch.fnmatchcase(name, pattern.lower()):
            reasons.append(f"name matches {pattern!r}")
            break
    if rules.has_spn and account.spn:
        reasons.append(f"has {account.spn} service principal name(s)")
    return reasons


def find_registered(directory: Directory, register: Iterable[RegisteredAccount],
                    account: Account) -> RegisteredAccount | None:
    for entry in register:
        found = directory.account(entry.account)
        if found is not None and found.dn == account.dn:
            return entry
    return None


def active(account: Account, domain: Domain) -> bool | None:
    """Enabled and not expired; None when userAccountControl could not be read."""
    if account.enabled is None:
        return None
    return account.enabled and not account.expired_at(domain.as_of)


def state_note(account: Account | None, domain: Domain) -> tuple[str, int | None]:
    """A message suffix and a lowered likelihood for disabled or expired accounts."""
    if account is None or account.enabled is None:
        return "", None
    if not account.enabled:
        return (" The account is disabled, so the likelihood is lowered; it can be re-enabled "
                "with its rights intact.", 2)
    if account.expired_at(domain.as_of):
        return (" The account has expired, so the likelihood is lowered; extending it restores "
                "its rights.", 2)
    return "", None


def account_label(account: Account | None, membership: Membership, directory: Directory) -> str:
    return account.name if account else directory.display(membership.member)
