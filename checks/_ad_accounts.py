"""Shared reading of `ad.accounts` evidence for the user-management checks.

Why shared: every check must say the same thing when evidence is missing or unreadable (an
`error`, never a pass), identify privileged groups the same way (by SID/RID, never by name), and
judge time against the moment the evidence was collected, so a re-evaluation of saved evidence
gives the same answer.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from pydantic import Field, field_validator

from gitc_agent.core.check_api import (
    CheckParams,
    EvidenceSet,
    Message,
    Outcome,
    Status,
    Verdict,
    msg,
    not_applicable,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.directory import (
    Account,
    Directory,
    Group,
    MalformedDirectory,
    Membership,
    privileged_groups,
)
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_, msg_list
from gitc_agent.model.sid import group_key
from gitc_agent.model.timeutil import parse_time

ARROW = " → "


class ExtraGroups(CheckParams):
    """Groups the policy treats as privileged on top of the well-known ones."""

    extra_groups: list[str] = Field(default_factory=list)

    @field_validator("extra_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        return [group_key(v) for v in values]


class Approval(CheckParams):
    """A time-bound approval of one account's membership of one privileged group."""

    account: str = Field(min_length=1, description="sAMAccountName, userPrincipalName, DN or SID")
    group: str = Field(min_length=1, description="SID, RID:nnn or DN")
    until: date
    approved_by: str = Field(min_length=1)
    reference: str = ""
    granted: date | None = None  # from when; a change before it was not approved

    _g = field_validator("group")(classmethod(lambda cls, v: group_key(v)))


class RegisteredAccount(CheckParams):
    """An impersonal account in the register: who owns it, why it exists, how it is watched."""

    account: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    monitoring: str = Field(min_length=1)
    privileged_groups: list[str] = Field(default_factory=list)  # justified, agreed with the CISO
    reference: str = ""
    # where the security events may show it (host patterns; empty: not stated, so not judgeable)
    allowed_hosts: list[str] = Field(default_factory=list)
    interactive_allowed: bool = False  # a logon type 2/10/11 is then expected, not a person's use

    @field_validator("privileged_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        return [group_key(v) for v in values]


#: Person attributes the collector reads, by their LDAP name (lower-cased) -> Account field.
PERSON_FIELDS = {"employeeid": "employee_id", "givenname": "given_name", "sn": "sn",
                 "mail": "mail"}


class ImpersonalRules(CheckParams):
    """How an account is recognised as not belonging to one person.

    A person is recognised by any one complete set of `person_attributes` (directories differ in
    what they fill: not every one has employeeID), so a rule on a single attribute does not
    turn every person into an impersonal account."""

    person_attributes: list[list[str]] = Field(
        default_factory=lambda: [["employeeID"], ["givenName", "sn"]], min_length=1)
    no_person_attributes: bool = True
    no_employee_id: bool = False  # stricter: every person must carry an employeeID
    name_patterns: list[str] = Field(default_factory=lambda: [
        "svc-*", "svc_*", "svc.*", "srv-*", "sa-*", "app-*", "func-*", "shared-*", "test-*",
        "tst-*"])
    has_spn: bool = True

    @field_validator("person_attributes")
    @classmethod
    def _collected(cls, sets: list[list[str]]) -> list[list[str]]:
        for names in sets:
            unknown_names = [n for n in names if n.lower() not in PERSON_FIELDS]
            if not names or unknown_names:
                raise ValueError(f"person attributes {unknown_names or names!r}: each set names "
                                 f"one or more of employeeID, givenName, sn, mail (the ones "
                                 f"collected)")
        return sets


class ImpersonalParams(CheckParams):
    """What every check that tells person from impersonal accounts reads from the policy: the
    rules, and the register (`register` in the policy, shared; the Python name avoids
    BaseModel.register)."""

    rules: ImpersonalRules = Field(default_factory=ImpersonalRules)
    register_: list[RegisteredAccount] = Field(default_factory=list, alias="register")


@dataclass
class Domain:
    directory: Directory
    base: str
    source: dict[str, str]
    as_of: datetime

    @property
    def subject(self) -> str:
        return subjects.domain(self.base)

    @property
    def today(self) -> date:
        return self.as_of.date()


def domains(evidence: EvidenceSet) -> Iterator[Domain | Outcome]:
    """Each readable domain, or an `error` Outcome saying what could not be read."""
    for doc in evidence.of_kind(AD_ACCOUNTS):
        source = doc.source
        base = doc.data.get("base_dn") or doc.target
        # a collector's recorded error is its own text (data); what we conclude is a phrase
        problems: list[Message | str] = [
            p for p in (doc.error_for(part) for part in ("connection", "domain", "accounts",
                                                         "groups")) if p]
        for part in ("accounts", "groups"):
            if part not in doc.data and not problems:
                problems.append(msg("{part} missing from the evidence", part=part))
        as_of = parse_time(doc.collected_at)
        if as_of is None and not problems:  # every age is measured to it
            problems.append(msg("unreadable collection time {value}",
                                value=repr(doc.collected_at)))
        if problems or as_of is None:
            yield Outcome(subjects.domain(base), Status.ERROR,
                          msg("users and groups could not be read, so this was not assessed: "
                              "{problems}", problems=msg_list(problems)), source)
            continue
        # built once per evaluation for all eight checks (building it dominates their cost)
        key = f"ad.directory:{doc.target}:{doc.collected_at}"
        try:
            directory = evidence.derived(key, lambda doc=doc: Directory.from_data(doc.data))
        except MalformedDirectory as exc:
            problems = [msg("the evidence is malformed: {problem}", problem=exc.message)]
        else:
            problems = list(directory.problem_messages)
        if problems:  # it cannot say who is who: no verdict would be founded
            yield Outcome(subjects.domain(base), Status.ERROR,
                          msg("users and groups could not be read, so this was not assessed: "
                              "{problems}", problems=msg_list(problems)), source)
            continue
        directory = evidence.derived(f"{key}:judgeable", directory.judgeable)
        for dn, why in sorted(directory.unjudgeable.items()):  # never skipped as if absent
            account = directory.withheld[dn]
            yield Outcome(subjects.account(account.name), Status.ERROR,
                          msg("{account}: {why}, so this account was not assessed.",
                              account=account.name, why=why),
                          {**source, "account": account.dn})
        yield Domain(directory, base, source, as_of)


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


@dataclass
class PrivilegedGroups:
    """The privileged groups of a domain: those whose members can be judged, and why the others
    cannot (absent where that is normal: not_applicable; unreadable: error)."""

    found: list[Privileged]
    absent: list[Verdict]
    unreadable: list[Verdict]

    @property
    def problems(self) -> list[Verdict]:
        return [*self.absent, *self.unreadable]


def privileged(domain: Domain, extra: Iterable[str]) -> PrivilegedGroups:
    """Each privileged group, sorted by whether its complete membership is readable."""
    directory = domain.directory
    out = PrivilegedGroups([], [], [])
    sidless = unidentified_groups(directory)
    for entry in privileged_groups(directory, extra):
        subject = subjects.group(entry.key)
        if entry.group is None:
            if sidless:  # found by SID only: it may be one of these
                out.unreadable.append(unknown(
                    msg("{group} ({key}) was not found by its SID, but the objectSid of {sidless} "
                        "could not be read, so it may be one of them and its members were not "
                        "assessed.", group=entry.label, key=entry.key, sidless=sidless),
                    subject=subject))
            elif entry.optional_reason:
                reason = entry.optional_reason
                values = {} if reason in _ABSENT else {"reason": reason}
                out.absent.append(not_applicable(
                    msg(_ABSENT.get(reason, _ABSENT[None]), group=entry.label, key=entry.key,
                        **values), subject=subject))
            else:
                out.unreadable.append(unknown(
                    msg("{group} ({key}) is not in the evidence: every domain has it (or the policy "
                        "names it), so the bound account could not see it and its members were not "
                        "assessed.", group=entry.label, key=entry.key), subject=subject))
            continue
        group = entry.group
        closure = directory.members(group)
        issue = membership_issue(directory, group)
        if issue:
            out.unreadable.append(unknown(issue.message("membership"), subject=subject))
        elif group.sid == "S-1-5-32-544" and not closure:
            out.unreadable.append(unknown(
                msg("{group} ({sid}) shows no members. It always contains at least the built-in "
                    "Administrator, so its member attribute was not readable for the bound "
                    "account.", group=group.name, sid=group.sid), subject=subject))
        else:
            out.found.append(Privileged(entry.key, group.name, group))
    return out


def unidentified_groups(directory: Directory) -> str:
    """The groups whose objectSid is unreadable (empty: none): any of them may be privileged."""
    return ", ".join(sorted(g.name for g in directory.groups.values() if not g.sid))


@dataclass(frozen=True)
class MembershipIssue:
    """Why a group's complete membership is unknown: one of three reasons, with its values, so
    each check can say the whole sentence (reason and consequence) as one translatable template."""

    kind: str  # incomplete | withheld | primary_group
    values: dict[str, str | int]

    def __str__(self) -> str:
        return str(self.reason())

    def reason(self) -> Message:
        """The reason alone, as a phrase inside another sentence."""
        return msg(_ISSUE[self.kind], **self.values)

    def message(self, consequence: str, **values: str) -> Message:
        """The reason followed by `consequence` (a key of _CONSEQUENCE)."""
        return msg(_CONSEQUENCE[consequence][self.kind], **self.values, **values)


def membership_issue(directory: Directory, group: Group) -> MembershipIssue | None:
    """Why the complete (transitive) membership of `group` is unknown, or None."""
    nested = [directory.groups[k] for k in directory.members(group) if k in directory.groups]
    broken = [g.name for g in (group, *nested) if g.incomplete]
    if broken:
        return MembershipIssue("incomplete", {"group": group.name, "groups": ", ".join(broken)})
    withheld = [directory.withheld[k].name for k in directory.members(group)
                if k in directory.withheld]
    if withheld:
        return MembershipIssue("withheld", {"group": group.name,
                                            "members": ", ".join(sorted(withheld))})
    hidden = directory.unreadable.get("primaryGroupID", 0)
    domain_groups = [g.name for g in (group, *nested) if directory.rid_of(g) is not None]
    if hidden and domain_groups:
        return MembershipIssue("primary_group", {"group": group.name, "count": hidden,
                                                 "groups": ", ".join(domain_groups)})
    return None


_ISSUE = {
    "incomplete": N_("{group}: the members of {groups} could not be read completely"),
    "withheld": N_("{group}: its member(s) {members} could not be identified or classified"),
    "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be read, "
                        "so who is a member of {groups} by primary group is unknown"),
}

#: consequence -> reason -> the whole sentence
_CONSEQUENCE = {
    "membership": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so its "
                         "membership was not assessed."),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so its membership was not assessed."),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so its membership was not assessed."),
    },
    "members": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so its "
                         "members were not assessed."),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so its members were not assessed."),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so its members were not assessed."),
    },
    "protection": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so "
                         "which privileged accounts are protected was not assessed."),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so which privileged accounts are protected was not assessed."),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so which privileged accounts are protected was not assessed."),
    },
    "still_member": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so "
                         "whether {account} is still a member is unknown."),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so whether {account} is still a member is unknown."),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so whether {account} is still a member is unknown."),
    },
    "protected": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so "
                         "protected membership cannot be established."),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so protected membership cannot be established."),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so protected membership cannot be established."),
    },
    "recertification": {
        "incomplete": N_("{group}: the members of {groups} could not be read completely, so its "
                         "re-certification was not assessed"),
        "withheld": N_("{group}: its member(s) {members} could not be identified or classified, "
                       "so its re-certification was not assessed"),
        "primary_group": N_("{group}: the primaryGroupID of {count} account(s) could not be "
                            "read, so who is a member of {groups} by primary group is unknown, "
                            "so its re-certification was not assessed"),
    },
}

#: why a privileged group may be absent (model.directory.OPTIONAL_RIDS) -> the sentence
_ABSENT = {
    "exists only in the forest root domain": N_(
        "{group} ({key}) is not in this domain; it exists only in the forest root domain."),
    "exists only from domain functional level 2016": N_(
        "{group} ({key}) is not in this domain; it exists only from domain functional level "
        "2016."),
    None: N_("{group} ({key}) is not in this domain; it {reason}."),
}


def resolve_approval(directory: Directory, approval: Approval) -> str | None:
    """The lower-cased DN of the member an approval names (sAMAccountName, UPN, DN or SID)."""
    return directory.principal(approval.account)


def is_impersonal(account: Account, rules: ImpersonalRules) -> list[Message]:
    """The rules that mark the account as impersonal (empty: a person), each a phrase a
    sentence takes as `msg_list(reasons)`; `str(reason)` is its English text."""
    reasons = []
    if rules.no_person_attributes and not any(
            all(getattr(account, PERSON_FIELDS[n.lower()]) for n in names)
            for names in rules.person_attributes):
        reasons.append(_no_person(tuple(tuple(names) for names in rules.person_attributes)))
    if rules.no_employee_id and not account.employee_id:
        reasons.append(msg("no employeeID"))
    name = (account.sam or "").lower()
    for pattern in rules.name_patterns:
        if fnmatch.fnmatchcase(name, pattern.lower()):
            reasons.append(msg("name matches {pattern}", pattern=repr(pattern)))
            break
    if rules.has_spn and account.spn:
        reasons.append(msg("has {count} service principal name(s)", count=account.spn))
    return reasons


@functools.lru_cache(maxsize=64)
def _no_person(sets: tuple[tuple[str, ...], ...]) -> Message:
    """The same phrase for every account the rules judge alike: built once (large directories)."""
    return msg("none of the person attributes {attributes}",
               attributes=joined([joined(names, N_("{left} and {right}")) for names in sets],
                                 N_("{left}, or {right}")))


def joined(items: Sequence[Message | str], pair: str) -> Message | str:
    """`items` joined by a conjunction, as nested `pair` templates ("{left} and {right}"), so the
    word between them is translated; the English equals " and ".join(items)."""
    out: Message | str = items[0]
    for item in items[1:]:
        out = msg(pair, left=out, right=item)
    return out


def find_registered(directory: Directory, register: Iterable[RegisteredAccount],
                    account: Account) -> RegisteredAccount | None:
    for entry in register:
        found = directory.account(entry.account)
        if found is not None and found.dn == account.dn:
            return entry
    return None


def active(account: Account, domain: Domain) -> bool | None:
    """Enabled and not expired; None when userAccountControl or accountExpires is unreadable."""
    if account.enabled is None:
        return None
    if not account.enabled:
        return False
    expired = account.expired_at(domain.as_of)
    return None if expired is None else not expired


def unknown_state(account: Account) -> Verdict:
    """Why `active` could not tell: the account is then not assessed, never skipped."""
    if account.enabled is None:
        message = msg("{account}: userAccountControl could not be read, so whether it is enabled "
                      "is unknown.", account=account.name)
    else:
        message = msg("{account}: accountExpires ({expires}) could not be read, so whether it is "
                      "active is unknown.", account=account.name, expires=repr(account.expires))
    return unknown(message, subject=subjects.account(account.name), account=account.dn)


def state_note(account: Account | None, domain: Domain) -> tuple[str, int | None]:
    """The account's state for a finding ("" active or unknown, "disabled", "expired": a key of
    the check's templates, whose sentence then says why) and the lowered likelihood."""
    if account is None or account.enabled is None:
        return "", None
    if not account.enabled:
        return "disabled", 2
    if account.expired_at(domain.as_of):  # unreadable (None): the likelihood is not lowered
        return "expired", 2
    return "", None


def account_label(account: Account | None, membership: Membership, directory: Directory) -> str:
    return account.name if account else directory.display(membership.member)
