"""Who is (transitively) in which group: a pure model of `ad.accounts` evidence.

Shared by the AD accounts collector (to write the privileged-membership summary auditors read)
and by the checks (which also resolve the groups a policy adds). No I/O: it works on the evidence
document's `data`, so saved evidence can be re-evaluated offline.

Membership is resolved client-side from one dump of all groups (the in-chain matching rule is slow
on large directories and misses `primaryGroupID` members). Each member gets one shortest path
(breadth-first), and a visited set makes membership cycles terminate.

Evidence that cannot say who is who is not guessed at: a structure that is not the collector's
(a row or group without a DN, a table that is not a list) raises `MalformedDirectory`; what makes
the table unusable for judgement (a column missing, no accounts at all) is in `problems`; an
account that cannot be identified or classified (no name or SID, a type other than user or
computer) is in `unjudgeable`, and `judgeable()` withholds it from judgement while it still
counts as a member. Each of these reasons is a Message (`problem_messages`, the values of
`unjudgeable`, `MalformedDirectory.message`), so a check's sentence about it is translated whole;
`problems` and `table_problems` keep their English text for callers that write it into an error
of their own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitc_agent.model.message import Message, msg
from gitc_agent.model.timeutil import parse_time
from gitc_agent.model.uac import ACCOUNT_DISABLED, PASSWORD_NEVER_EXPIRES

ACCOUNT_COLUMNS = (
    "dn", "sam", "upn", "sid", "type", "uac", "pwd_last_set", "last_logon", "expires", "created",
    "employee_id", "given_name", "sn", "mail", "spn", "admin_count", "primary_group_id",
    "description",
)
#: The account types the collector writes; any other value is not a classification.
ACCOUNT_TYPES = ("user", "computer")

#: Builtin privileged groups (same SID in every domain).
BUILTIN_PRIVILEGED = {
    "S-1-5-32-544": "Administrators",
    "S-1-5-32-548": "Account Operators",
    "S-1-5-32-549": "Server Operators",
    "S-1-5-32-550": "Print Operators",
    "S-1-5-32-551": "Backup Operators",
    "S-1-5-32-552": "Replicator",
}
#: Domain-relative privileged groups by RID.
DOMAIN_PRIVILEGED_RIDS = {
    512: "Domain Admins",
    517: "Cert Publishers",
    518: "Schema Admins",
    519: "Enterprise Admins",
    520: "Group Policy Creator Owners",
    526: "Key Admins",
    527: "Enterprise Key Admins",
}
#: Groups that exist only in the forest root domain or at a newer functional level: their absence
#: is normal, so it is not_applicable rather than an error.
OPTIONAL_RIDS = {518: "exists only in the forest root domain",
                 519: "exists only in the forest root domain",
                 527: "exists only in the forest root domain",
                 526: "exists only from domain functional level 2016"}
#: Groups whose members AdminSDHolder protects (and marks with adminCount=1).
PROTECTED_BUILTIN = ("S-1-5-32-544", "S-1-5-32-548", "S-1-5-32-549", "S-1-5-32-550",
                     "S-1-5-32-551", "S-1-5-32-552")
PROTECTED_RIDS = (512, 516, 518, 519, 521, 526, 527)
PROTECTED_ACCOUNT_RIDS = (500, 502)  # Administrator, krbtgt


class MalformedDirectory(ValueError):
    """The evidence's structure is not the collector's: nothing in it can be relied upon."""

    def __init__(self, message: Message):
        super().__init__(message)
        self.message = message  # str(exc) is its English text


@dataclass(frozen=True)
class Account:
    """One user or computer as the evidence records it (None = absent or not readable)."""

    dn: str
    sam: str | None
    upn: str | None
    sid: str | None
    type: str
    uac: int | None
    pwd_last_set: str | None
    last_logon: str | None
    expires: str | None
    created: str | None
    employee_id: str | None
    given_name: str | None
    sn: str | None
    mail: str | None
    spn: int
    admin_count: int | None
    primary_group_id: int | None
    description: str | None

    @property
    def name(self) -> str:
        return self.sam or self.dn

    @property
    def rid(self) -> int | None:
        return int(self.sid.rsplit("-", 1)[1]) if self.sid else None

    @property
    def enabled(self) -> bool | None:
        return None if self.uac is None else not self.uac & ACCOUNT_DISABLED

    @property
    def password_never_expires(self) -> bool | None:
        return None if self.uac is None else bool(self.uac & PASSWORD_NEVER_EXPIRES)

    def expired_at(self, when: datetime) -> bool | None:
        """Whether accountExpires has passed at `when`; None when it is set but unreadable."""
        if self.expires is None:
            return False
        expires = parse_time(self.expires)
        return None if expires is None else expires <= when


@dataclass(frozen=True)
class Group:
    dn: str
    name: str
    sid: str | None
    members: tuple[str, ...]
    incomplete: bool = False  # its member list could not be read completely


@dataclass(frozen=True)
class Membership:
    """`member` is in `group` through `path` (member first, group last)."""

    member: str  # lower-cased DN
    path: tuple[str, ...]  # display names
    via_groups: tuple[str, ...]  # lower-cased DNs of the groups on the path, group last
    primary_group: bool  # the last hop is the member's primaryGroupID


class Directory:
    """Accounts and groups of one domain, indexed for membership questions."""

    def __init__(self, domain_sid: str | None, accounts: Iterable[Account], groups: Iterable[Group],
                 unreadable: dict[str, int] | None = None, *,
                 problems: Iterable[Message] = (), missing_columns: Iterable[str] = (),
                 unjudgeable: dict[str, Message] | None = None,
                 withheld: Iterable[Account] = ()):
        self.domain_sid = domain_sid
        #: how many accounts lacked an attribute every account has (the bound account's view)
        self.unreadable = dict(unreadable or {})
        #: attributes the account table has no column for: unknown for every account
        self.missing_columns = tuple(missing_columns)
        #: the rest: no accounts at all, and the like
        self.table_problem_messages = list(problems)
        #: why the evidence as a whole cannot say who is who (empty: it can)
        self.problem_messages = ([msg("the account table lacks the column(s) {columns}",
                                      columns=", ".join(self.missing_columns))]
                                 if self.missing_columns else []) + self.table_problem_messages
        #: lower-cased DN -> why that account cannot be judged (identity or type unreadable)
        self.unjudgeable = dict(unjudgeable or {})
        self.accounts = {a.dn.lower(): a for a in accounts}
        #: accounts left out of `accounts` by `judgeable()`: members still, never judged
        self.withheld = {a.dn.lower(): a for a in withheld}
        self.groups = {g.dn.lower(): g for g in groups}
        self._by_sid = {g.sid: g for g in self.groups.values() if g.sid}
        self._by_primary: dict[int, list[str]] = {}
        for key, account in (*self.accounts.items(), *self.withheld.items()):
            if account.primary_group_id is not None:
                self._by_primary.setdefault(account.primary_group_id, []).append(key)
        self._by_name = {a.sam.lower(): a for a in self.accounts.values() if a.sam}
        self._by_upn = {a.upn.lower(): a for a in self.accounts.values() if a.upn}
        self._by_account_sid = {a.sid: a for a in self.accounts.values() if a.sid}
        self._closure: dict[str, dict[str, Membership]] = {}

    @property
    def problems(self) -> list[str]:
        """`problem_messages` in English, for a caller that writes them into its own error."""
        return [str(m) for m in self.problem_messages]

    @property
    def table_problems(self) -> list[str]:
        return [str(m) for m in self.table_problem_messages]

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Directory:
        """The directory `data` describes, with what it cannot tell recorded, never guessed."""
        problems: list[Message] = []
        columns = data.get("account_columns", list(ACCOUNT_COLUMNS))
        if not isinstance(columns, list):
            raise MalformedDirectory(msg("the account table has no column list"))
        index = {name: i for i, name in enumerate(columns) if isinstance(name, str)}
        missing = [name for name in ACCOUNT_COLUMNS if name not in index]  # unknown for all

        def value(row: list, name: str) -> Any:
            i = index.get(name)
            return row[i] if i is not None and i < len(row) else None

        rows = data.get("accounts", [])
        if not isinstance(rows, list):
            raise MalformedDirectory(msg("the accounts are not a list"))
        if not rows:  # every domain has at least the built-in Administrator and krbtgt
            problems.append(msg("no user or computer account is listed, though every domain has "
                                "the built-in Administrator and krbtgt"))
        malformed = sum(1 for r in rows if not isinstance(r, list)
                        or not isinstance(value(r, "dn"), str))
        if malformed:
            raise MalformedDirectory(msg("{count} account row(s) have no DN", count=malformed))
        width = len(ACCOUNT_COLUMNS)  # the hygiene columns (model/hygiene.py) may follow
        if tuple(columns[:width]) == ACCOUNT_COLUMNS and all(len(r) == len(columns) for r in rows):
            accounts = [Account(*row[:width]) for row in rows]  # the collector's own layout: fast
        else:  # older or hand-made evidence: by column name
            accounts = [Account(**{name: value(row, name) for name in ACCOUNT_COLUMNS
                                   if name != "spn"}, spn=value(row, "spn") or 0)
                        for row in rows]
        listed = data.get("groups", [])
        if not isinstance(listed, list):
            raise MalformedDirectory(msg("the groups are not a list"))
        nameless = sum(1 for g in listed
                       if not isinstance(g, dict) or not isinstance(g.get("dn"), str))
        if nameless:  # nesting through them cannot be followed
            raise MalformedDirectory(msg("{count} group(s) have no DN", count=nameless))
        groups = []
        for g in listed:
            members = g.get("members")  # absent or not a list: not "no members"
            complete = isinstance(members, list) and all(isinstance(m, str) for m in members)
            groups.append(Group(g["dn"], g.get("name") or g["dn"], g.get("sid"),
                                tuple(members) if complete else (),
                                bool(g.get("members_incomplete")) or not complete))
        counted = data.get("unreadable") or {}
        if not isinstance(counted, dict):
            raise MalformedDirectory(msg("the counts of unreadable attributes are not a "
                                         "mapping"))
        unreadable = dict(counted)
        nulls = sum(1 for a in accounts if a.primary_group_id is None)
        if nulls > unreadable.get("primaryGroupID", 0):  # every account has one
            unreadable["primaryGroupID"] = nulls
        unjudgeable = {a.dn.lower(): why for a in accounts if (why := _unjudgeable(a))}
        return cls(data.get("domain_sid"), accounts, groups, unreadable, problems=problems,
                   missing_columns=missing, unjudgeable=unjudgeable)

    def judgeable(self) -> Directory:
        """This directory with the unjudgeable accounts withheld: they are not judged (a check
        reports them as not assessed), yet still count as members of their groups."""
        if not self.unjudgeable:
            return self
        keep = [a for k, a in self.accounts.items() if k not in self.unjudgeable]
        held = [*self.withheld.values(), *(self.accounts[k] for k in self.unjudgeable)]
        return Directory(self.domain_sid, keep, self.groups.values(), self.unreadable,
                         problems=self.table_problem_messages,
                         missing_columns=self.missing_columns,
                         unjudgeable=self.unjudgeable, withheld=held)

    def group(self, key: str) -> Group | None:
        """A group by SID (`S-1-5-32-544`), domain RID (`RID:512`) or DN."""
        key = key.strip()
        if key.upper().startswith("RID:"):
            if not self.domain_sid:
                return None
            key = f"{self.domain_sid}-{int(key[4:])}"
        if key.upper().startswith("S-1-"):
            return self._by_sid.get(key.upper())
        return self.groups.get(key.lower())

    def account(self, key: str) -> Account | None:
        """An account by sAMAccountName, userPrincipalName, DN or SID."""
        key = key.strip()
        if "=" in key:
            return self.accounts.get(key.lower())
        if key.upper().startswith("S-1-"):
            return self._by_account_sid.get(key.upper())
        if "@" in key:
            return self._by_upn.get(key.lower())
        return self._by_name.get(key.lower())

    def principal(self, key: str) -> str | None:
        """The lower-cased DN of the account or group `key` names (a group by DN or SID; a DN
        the evidence only knows as a member, e.g. a foreign security principal), or None."""
        account = self.account(key)
        if account is not None:
            return account.dn.lower()
        key = key.strip()
        if key.upper().startswith("S-1-"):
            group = self._by_sid.get(key.upper())
            return group.dn.lower() if group else None
        if "=" in key and (key.lower() in self.groups or any(
                key.lower() == m.lower() for g in self.groups.values() for m in g.members)):
            return key.lower()
        return None

    def rid_of(self, group: Group) -> int | None:
        if group.sid and self.domain_sid and group.sid.startswith(self.domain_sid + "-"):
            return int(group.sid.rsplit("-", 1)[1])
        return None

    def members(self, group: Group) -> dict[str, Membership]:
        """Every account and group in `group`, directly, nested or by primaryGroupID."""
        key = group.dn.lower()
        cached = self._closure.get(key)
        if cached is not None:
            return cached
        found: dict[str, Membership] = {}
        start = Membership(key, (group.name,), (key,), False)
        queue: deque[tuple[Group, Membership]] = deque([(group, start)])
        seen = {key}
        while queue:
            current, at = queue.popleft()
            for member, primary in self._direct(current):
                if member in seen:  # cycles and diamonds end here
                    continue
                seen.add(member)
                sub = self.groups.get(member)
                label = sub.name if sub else self.display(member)
                via = ((member,) if sub else ()) + at.via_groups
                found[member] = Membership(member, (label, *at.path), via, primary)
                if sub is not None:
                    queue.append((sub, found[member]))
        self._closure[key] = found
        return found

    def _direct(self, group: Group) -> Iterator[tuple[str, bool]]:
        """(member DN lower-cased, whether it is a member through its primaryGroupID)."""
        for member in group.members:
            yield member.lower(), False
        rid = self.rid_of(group)
        if rid is not None:
            for member in self._by_primary.get(rid, ()):
                yield member, True

    def display(self, dn_lower: str) -> str:
        account = self.accounts.get(dn_lower) or self.withheld.get(dn_lower)
        if account is not None:
            return account.name
        group = self.groups.get(dn_lower)
        return group.name if group else dn_lower

    def account_members(self, group: Group) -> Iterator[tuple[Membership, Account | None]]:
        """Non-group members (accounts, and DNs the evidence does not know, e.g. foreign SIDs)."""
        for key, membership in self.members(group).items():
            if key not in self.groups:
                yield membership, self.accounts.get(key)


def _unjudgeable(account: Account) -> Message | None:
    """Why a check cannot judge this account: it cannot be named, told apart or classified."""
    if not account.sam and not account.sid:
        return msg("its sAMAccountName and objectSid could not be read")
    if not account.sam or not account.sid:
        return msg("its {attribute} could not be read",
                   attribute="objectSid" if account.sam else "sAMAccountName")
    if account.type not in ACCOUNT_TYPES:
        return msg("its type {type} is neither user nor computer", type=repr(account.type))
    if not isinstance(account.spn, int):
        return msg("its servicePrincipalName count could not be read")
    return None


@dataclass(frozen=True)
class PrivilegedGroup:
    """A privileged group the norms name, found (group set) or not (reason set)."""

    key: str  # SID, or the policy's DN/SID
    label: str
    group: Group | None
    optional_reason: str | None = None  # why absence is normal


def privileged_groups(directory: Directory, extra: Iterable[str] = ()) -> list[PrivilegedGroup]:
    """The well-known privileged groups by SID/RID (never by name), plus the policy's additions."""
    out: list[PrivilegedGroup] = []
    seen: set[str] = set()
    for sid, label in BUILTIN_PRIVILEGED.items():
        out.append(PrivilegedGroup(sid, label, directory.group(sid)))
    for rid, label in DOMAIN_PRIVILEGED_RIDS.items():
        sid = f"{directory.domain_sid}-{rid}" if directory.domain_sid else f"RID:{rid}"
        out.append(PrivilegedGroup(sid, label, directory.group(f"RID:{rid}"),
                                   OPTIONAL_RIDS.get(rid)))
    for entry in out:
        if entry.group is not None:
            seen.add(entry.group.dn.lower())
    for key in extra:
        group = directory.group(key)
        if group is not None and group.dn.lower() in seen:
            continue
        out.append(PrivilegedGroup(key, group.name if group else key, group))
        if group is not None:
            seen.add(group.dn.lower())
    return out


def protected_groups(directory: Directory) -> list[Group]:
    """The groups AdminSDHolder protects; their members get adminCount=1."""
    keys = [*PROTECTED_BUILTIN, *(f"RID:{rid}" for rid in PROTECTED_RIDS)]
    return [g for g in (directory.group(k) for k in keys) if g is not None]


def privileged_summary(directory: Directory) -> list[dict[str, Any]]:
    """Evidence for auditors: each well-known privileged group with its members and paths."""
    summary = []
    for entry in privileged_groups(directory):
        if entry.group is None:
            continue
        members = [{"dn": directory.accounts[m.member].dn if account else m.member,
                    "path": list(m.path), **({"primary_group": True} if m.primary_group else {})}
                   for m, account in directory.account_members(entry.group)]
        summary.append({"sid": entry.group.sid, "dn": entry.group.dn, "name": entry.group.name,
                        "members": sorted(members, key=lambda m: m["dn"].lower())})
    return summary
