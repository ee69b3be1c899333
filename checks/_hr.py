"""Shared reading of the HR evidence (`hr.persons`, `hr.requests`) beside `ad.accounts` for the
user-lifecycle checks.

Why shared: every lifecycle check must tie an account to a person the same way (the configured
attribute, else the mapping; the adm- account of a person is the same person), and must treat
what the HR export could not say the same way: a rejected row that names an employee id makes
that person's accounts `error` (a duplicate id: which record is real is unknown); a rejected row
naming no id could be anybody's record, so "no HR record" is then not a finding but not
assessed. Results carry the HR export as their target: the export is the population the
lifecycle controls are tested on, whatever domains its people have accounts in.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS, HR_REQUESTS

from ._ad_accounts import Domain, domains
from ._hr_records import (
    Malformed,
    Person,
    Request,
    doc_problem,
    employee_key,
    read_persons,
    read_requests,
    rejected_text,
)

REFERENCES = ["ISO 27002:2022 5.16", "ISO 27002:2022 5.18", "BIO2 5.16.01", "BIO2 5.18.02",
              "CIS Controls v8 5.1"]
#: the match attribute's Account field
_ATTRIBUTE = {"employeeID": "employee_id", "sAMAccountName": "sam", "userPrincipalName": "upn",
              "mail": "mail"}


@dataclass
class Lifecycle:
    """One domain's accounts beside the HR export (and, for the joiner check, the requests)."""

    domain: Domain
    hr_target: str
    hr_source: dict[str, Any]
    attribute: str
    persons: dict[str, Person]
    mapping: dict[str, str]  # lower-cased account name -> employee key
    tainted: dict[str, Message] = field(default_factory=dict)  # employee key -> why not judgeable
    tainted_accounts: dict[str, Message] = field(default_factory=dict)  # account -> why
    anonymous: list[Message] = field(default_factory=list)  # rejected rows that name nobody
    requests: list[Request] | None = None
    request_source: dict[str, Any] | None = None
    request_rejected: list[dict[str, Any]] = field(default_factory=list)
    fields: tuple[str, ...] = ()  # the person fields the export has columns for

    @property
    def subject(self) -> str:
        return subjects.export(f"{HR_PERSONS}:{self.hr_target}")

    @property
    def source(self) -> dict[str, Any]:
        return {**self.hr_source, "domain": self.domain.base}

    @property
    def as_of(self) -> datetime:
        return self.domain.as_of

    def employee_of(self, account: Account) -> str | None:
        """The employee key an account belongs to (the mapping first: it is the deliberate
        exception), or None."""
        for name in (account.sam, account.upn):
            if name and name.lower() in self.mapping:
                return self.mapping[name.lower()]
        value = getattr(account, _ATTRIBUTE[self.attribute])
        return employee_key(value) if value else None

    def untrusted(self, account: Account, employee: str | None) -> Message | None:
        """Why the HR side of this account cannot be relied on, or None."""
        for name in (account.sam, account.upn):
            if name and name.lower() in self.tainted_accounts:
                return self.tainted_accounts[name.lower()]
        return self.tainted.get(employee) if employee else None

    def accounts_of(self) -> dict[str, list[Account]]:
        """Employee key -> that person's user accounts in this domain."""
        out: dict[str, list[Account]] = {}
        for account in self.domain.directory.accounts.values():
            if account.type != "user":
                continue
            employee = self.employee_of(account)
            if employee:
                out.setdefault(employee, []).append(account)
        return out

    def withheld_of(self) -> dict[str, list[str]]:
        """Employee key -> names of that person's accounts the walker could not judge (type or
        identity unreadable): the person's verdict would rest on part of their accounts."""
        out: dict[str, list[str]] = {}
        for account in self.domain.directory.withheld.values():
            employee = self.employee_of(account)
            if employee:
                out.setdefault(employee, []).append(account.name)
        return out

    @property
    def all_judgeable(self) -> bool:
        """Whether every account could be classified (else "none found" is no pass)."""
        return not self.domain.directory.unjudgeable


def _retarget(outcome: Outcome, source: dict[str, Any]) -> Outcome:
    """An AD error reported on the HR export's population (coverage and follow-up per target)."""
    return replace(outcome, evidence={**outcome.evidence, **source,
                                      "domain_target": outcome.evidence.get("target")})


def _error(subject: str, message: Any, source: dict[str, Any]) -> Outcome:
    return Outcome(subject, Status.ERROR, message, dict(source))


def _match(doc: EvidenceDoc, lifecycle_kw: dict[str, Any]) -> Message | None:
    match = doc.data.get("match")
    if not isinstance(match, dict) or match.get("attribute") not in _ATTRIBUTE \
            or not isinstance(match.get("accounts"), dict):
        return msg("the account match (attribute and mapping) is missing from the evidence")
    lifecycle_kw["attribute"] = match["attribute"]
    lifecycle_kw["mapping"] = {str(k).lower(): employee_key(str(v))
                               for k, v in match["accounts"].items() if str(v).strip()}
    tainted: dict[str, Message] = {}
    for entry in match.get("rejected") or []:
        entry = entry if isinstance(entry, dict) else {}
        account = str(entry.get("account") or "").strip().lower()
        if account:
            tainted[account] = rejected_text(entry)
        else:
            lifecycle_kw["anonymous"].append(rejected_text(entry))
    lifecycle_kw["tainted_accounts"] = tainted
    return None


def lifecycle(evidence: EvidenceSet, with_requests: bool = False) -> Iterator[Lifecycle | Outcome]:
    """Each HR export beside each readable domain, or an `error` for what cannot be read."""
    request_docs = evidence.of_kind(HR_REQUESTS)
    for doc in evidence.of_kind(HR_PERSONS):
        source = {**doc.source}
        subject = subjects.export(f"{HR_PERSONS}:{doc.target}")
        kw: dict[str, Any] = {"anonymous": []}
        problem = doc_problem(doc, "persons") or _match(doc, kw)
        if not problem:
            try:
                # parsed once per evaluation for the four checks (read-only from here)
                persons, tainted, anonymous = evidence.derived(
                    f"hr.persons:{doc.target}:{doc.collected_at}:{id(doc)}",
                    lambda doc=doc: read_persons(doc))
            except Malformed as exc:
                problem = exc.message
        if problem:
            yield _error(subject, msg("the HR export could not be read, so no account was "
                                      "assessed against it: {problem}", problem=problem), source)
            continue
        if not evidence.of_kind(AD_ACCOUNTS):
            yield _error(subject, msg("the AD accounts were not collected, so no account was "
                                      "assessed against the HR export"), source)
            continue
        kw["anonymous"] = anonymous + kw["anonymous"]
        extra: dict[str, Any] = {}
        if with_requests:
            found = [d for d in request_docs if d.target == doc.target] or request_docs
            if not found:
                yield _error(subjects.export(HR_REQUESTS), msg(
                    "no joiner request export was collected, so whether new accounts were "
                    "requested is unknown"), source)
                continue
            rproblem = doc_problem(found[0], "requests")
            if not rproblem:
                try:
                    requests, rejected = read_requests(found[0])
                except Malformed as exc:
                    rproblem = exc.message
            if rproblem:
                yield _error(subjects.export(f"{HR_REQUESTS}:{found[0].target}"),
                             msg("the joiner request export could not be read, so no new "
                                 "account was assessed: {problem}", problem=rproblem), source)
                continue
            extra = {"requests": requests, "request_rejected": rejected,
                     "request_source": found[0].source}
        for item in domains(evidence):
            if isinstance(item, Outcome):
                yield _retarget(item, source)
                continue
            fields = doc.data["source"].get("fields") if isinstance(doc.data.get("source"),
                                                                     dict) else None
            yield Lifecycle(domain=item, hr_target=doc.target, hr_source=source,
                            persons=persons, tainted=tainted, **kw, **extra,
                            fields=tuple(fields) if isinstance(fields, list) else ())
