"""Shared reading of the hygiene part of `ad.accounts` for the AD hygiene checks (ad.hygiene.*,
ad.trusts.*).

Why shared: each check must say the same thing when the extra attributes were not collected
(evidence from before they existed), when a domain-wide part could not be read, or when the
bound account may not have been able to read an attribute: an `error`, never a pass. The users
and groups are read by the user-management walker (`_ad_accounts.domains`), so privileged
membership, unjudgeable accounts and the collection time mean the same here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, Verdict, msg, unknown
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account
from gitc_agent.model.hygiene import Extra, Hygiene
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_
from gitc_agent.model.timeutil import parse_time
from gitc_agent.model.uac import PARTIAL_SECRETS_ACCOUNT, SERVER_TRUST_ACCOUNT

from ._ad_accounts import Domain, active, domains, path_text, privileged, unknown_state

#: primaryGroupID of domain controllers (516) and read-only domain controllers (521)
DC_PRIMARY_GROUPS = (516, 521)
PROTECTED_USERS_RID = 525


@dataclass
class HygieneDomain:
    """One domain's users and groups (`domain`) with its hygiene evidence (`hygiene`)."""

    domain: Domain
    hygiene: Hygiene
    #: shared by all hygiene checks of one evaluation (sorting 50,000 accounts once, not 30 times)
    cache: dict[Any, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        return self.domain.subject

    @property
    def source(self) -> dict[str, Any]:
        return self.domain.source

    @property
    def as_of(self) -> datetime:
        return self.domain.as_of

    def accounts(self, kind: str | None = None) -> list[Account]:
        """The judgeable accounts, by name (optionally only 'user' or 'computer')."""
        key = ("accounts", kind)
        if key not in self.cache:
            found = [a for a in self.domain.directory.accounts.values()
                     if kind in (None, a.type)]
            self.cache[key] = sorted(found, key=lambda a: a.name.lower())
        return self.cache[key]

    def enabled(self, kind: str | None = None) -> tuple[list[Account], list[Verdict]]:
        """(enabled, unexpired accounts, an `error` verdict for each whose state is unreadable);
        the accounts' userAccountControl is readable (else their state would be unknown)."""
        key = ("enabled", kind)
        if key not in self.cache:
            accounts: list[Account] = []
            problems: list[Verdict] = []
            for account in self.accounts(kind):
                state = active(account, self.domain)
                if state is None:
                    problems.append(unknown_state(account))
                elif state:
                    accounts.append(account)
            self.cache[key] = (accounts, problems)
        return self.cache[key]

    def extra(self, account: Account) -> Extra | Verdict:
        """The account's hygiene attributes, or an `error` verdict when its row lacks them."""
        extra = self.hygiene.extra(account.dn)
        if extra is None:
            return unknown(msg("{account}: its hygiene attributes are not in the evidence.",
                               account=account.name),
                           subject=subjects.account(account.name), account=account.dn)
        return extra

    def days_since(self, value: str | None) -> int | None:
        when = parse_time(value)
        return None if when is None else (self.as_of - when).days


def hygiene_domains(evidence: EvidenceSet) -> Iterator[HygieneDomain | Outcome]:
    """Each readable domain with its hygiene evidence, or an `error` Outcome."""
    docs = {doc.data.get("base_dn") or doc.target: doc for doc in evidence.of_kind(AD_ACCOUNTS)}
    for item in domains(evidence):
        if isinstance(item, Outcome):
            yield item
            continue
        doc = docs[item.base]
        errors = {str(e.get("part", "")): e.get("message", msg("unknown error")) for e in doc.errors
                  if str(e.get("part", "")).startswith("hygiene")}
        hygiene = evidence.derived(f"ad.hygiene:{doc.target}:{doc.collected_at}",
                                   lambda doc=doc, errors=errors: Hygiene(doc.data, errors))
        if hygiene.missing_columns:
            yield Outcome(item.subject, Status.ERROR,
                          msg("the account rows lack the hygiene column(s) {columns} (evidence "
                              "collected before they were read, or altered), so this was not "
                              "assessed.", columns=", ".join(hygiene.missing_columns)),
                          item.source)
            continue
        cache = evidence.derived(f"ad.hygiene.cache:{doc.target}:{doc.collected_at}", dict)
        yield HygieneDomain(item, hygiene, cache)


def is_domain_controller(account: Account) -> bool | None:
    """A DC or RODC by userAccountControl or primaryGroupID; None when neither is readable."""
    if account.uac is not None and account.uac & (SERVER_TRUST_ACCOUNT | PARTIAL_SECRETS_ACCOUNT):
        return True
    if account.primary_group_id in DC_PRIMARY_GROUPS:
        return True
    if account.uac is None:
        return None
    return False


@dataclass
class PrivilegedAccounts:
    """The user accounts in any privileged group (with their groups and paths), or why the list
    is incomplete (`problems`: error verdicts for groups whose membership is unreadable)."""

    accounts: dict[str, Account]
    groups: dict[str, list[str]]
    paths: dict[str, list[str]]
    problems: list[Verdict]


def privileged_users(hd: HygieneDomain, extra_groups: list[str]) -> PrivilegedAccounts:
    directory = hd.domain.directory
    found = privileged(hd.domain, extra_groups)
    out = PrivilegedAccounts({}, {}, {}, list(found.unreadable))
    for group in found.found:
        for membership, account in directory.account_members(group.group):
            if account is None or account.type != "user":
                continue
            key = account.dn.lower()
            out.accounts[key] = account
            out.groups.setdefault(key, []).append(group.label)
            out.paths.setdefault(key, []).append(path_text(membership))
    return out


def by_rid(hd: HygieneDomain, rid: int) -> Account | None:
    sid = f"{hd.domain.directory.domain_sid}-{rid}" if hd.domain.directory.domain_sid else None
    return hd.domain.directory.account(sid) if sid else None


def missing_builtin(hd: HygieneDomain, rid: int) -> Verdict:
    """Every domain has RID 500, 501 and 502: absent means the bound account could not see it."""
    return unknown(msg(_MISSING_BUILTIN[rid], rid=rid))


_MISSING_BUILTIN = {
    500: N_("the built-in Administrator (RID {rid}) is not in the evidence: every domain has it, "
            "so the bound account could not see it and it was not assessed."),
    501: N_("the Guest account (RID {rid}) is not in the evidence: every domain has it, so the "
            "bound account could not see it and it was not assessed."),
    502: N_("the krbtgt account (RID {rid}) is not in the evidence: every domain has it, so the "
            "bound account could not see it and it was not assessed."),
}
