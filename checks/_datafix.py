"""Shared reading of datafix evidence for the datafix checks: people, roles, tickets, audit log.

Why shared: every datafix check must say the same thing about missing or unreadable evidence and
rejected rows (an `error` naming file and row, never a skip), report the same row counts, and
decide "is this the same person?" the same way. A person is resolved through the DB-login mapping
and the `ad.accounts` evidence to one employee (employeeID), so the DBA's admin account and
office account count as one person; names that match no account stay names.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import Field, field_validator

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status
from gitc_agent.model.directory import Account, Directory, parse_time

REGISTER = "datafix.register"
DB_ROLES = "datafix.db_roles"
AUDIT_LOG = "datafix.audit_log"
AD = "ad.accounts"
KINDS = (REGISTER, DB_ROLES, AUDIT_LOG)
ROLE_NAMES = ("executor", "approver", "reviewer", "audit_admin")
ARROW = " → "
REFERENCES = ["ISO 27002:2022 5.3", "ISO 27002:2022 8.31", "ISO 27002:2022 8.32", "BIO2 5.03",
              "NIS2 art. 21(2)(e)"]


# --- policy parameters ---------------------------------------------------------------------


class DbRoleRef(CheckParams):
    role: str = Field(min_length=1)  # e.g. db_owner, db_datawriter, sysadmin
    database: str = "*"  # glob; server roles have no database


class RoleDef(CheckParams):
    """What makes someone hold a datafix role: AD groups (transitive), DB roles, named accounts."""

    ad_groups: list[str] = Field(default_factory=list)  # SID, RID:nnn or DN, never a name
    db_roles: list[DbRoleRef] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)  # sAMAccountName, UPN or DB login

    @field_validator("ad_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        for v in values:
            text = v.strip().upper()
            if not (text.startswith("S-1-") or text.startswith("RID:") or "=" in text):
                raise ValueError(f"{v!r}: name a group by SID, RID:nnn or DN, not by name")
        return values

    @property
    def defined(self) -> bool:
        return bool(self.ad_groups or self.db_roles or self.accounts)


class Roles(CheckParams):
    executor: RoleDef = Field(default_factory=RoleDef)
    approver: RoleDef = Field(default_factory=RoleDef)
    reviewer: RoleDef = Field(default_factory=RoleDef)
    audit_admin: RoleDef = Field(default_factory=RoleDef)


class RoleParams(CheckParams):
    roles: Roles = Field(default_factory=Roles)


# --- people --------------------------------------------------------------------------------


@dataclass
class Person:
    key: str  # employee:104206, account:adm-x or name:x
    label: str
    names: set[str] = field(default_factory=set)  # how this person appears in the exports

    @property
    def subject(self) -> str:
        return f"person:{self.key}"


class People:
    """Resolve names from exports (ticket fields, DB logins) to persons."""

    def __init__(self, directory: Directory | None, logins: dict[str, str]):
        self.directory = directory
        self.logins = {k.strip().lower(): v for k, v in logins.items()}
        self._by_alias: dict[str, Account] = {}
        if directory is not None:
            for account in directory.accounts.values():
                for alias in (account.upn, account.mail):
                    if alias:
                        self._by_alias[alias.lower()] = account
        self.persons: dict[str, Person] = {}
        self._cache: dict[str, Person | None] = {}

    def account(self, name: str) -> Account | None:
        text = name.strip()
        mapped = self.logins.get(text.lower())
        if mapped:
            text = mapped.strip()
        if self.directory is None or not text:
            return None
        found = self.directory.account(text) or self._by_alias.get(text.lower())
        if found is None and "\\" in text:
            found = self.directory.account(text.rsplit("\\", 1)[1])
        if found is None and "@" in text:
            found = self.directory.account(text.split("@", 1)[0])
        return found

    def of_account(self, account: Account, alias: str | None = None) -> Person:
        if account.employee_id:
            key = f"employee:{account.employee_id}"
            label = " ".join(p for p in (account.given_name, account.sn) if p) or account.name
        else:
            key, label = f"account:{account.name.lower()}", account.name
        person = self.persons.setdefault(key, Person(key, label))
        person.names.add(alias or account.name)
        return person

    def get(self, name: str) -> Person | None:
        """The person behind a name; None for an empty name."""
        text = name.strip()
        if not text:
            return None
        if text in self._cache:
            return self._cache[text]
        account = self.account(text)
        if account is not None:
            person = self.of_account(account, text)
        else:
            mapped = self.logins.get(text.lower(), text).strip()
            key = f"name:{mapped.lower()}"
            person = self.persons.setdefault(key, Person(key, mapped))
            person.names.add(text)
        self._cache[text] = person
        return person


# --- evidence ------------------------------------------------------------------------------


@dataclass
class Ticket:
    id: str
    row: int
    requester: str
    approvers: list[tuple[str, datetime]]
    executor: str
    execution_start: datetime | None
    execution_end: datetime | None
    reviewer: str
    reviewed_at: datetime | None
    window_start: datetime | None
    window_end: datetime | None
    database: str

    @property
    def subject(self) -> str:
        return f"ticket:{self.id}"

    @classmethod
    def from_data(cls, t: dict[str, Any]) -> Ticket:
        def when(key: str) -> datetime | None:
            return parse_time(t[key]) if t.get(key) else None

        return cls(t["ticket"], t["row"], t["requester"],
                   [(a["name"], parse_time(a["at"])) for a in t["approvers"]], t["executor"],
                   when("execution_start"), when("execution_end"), t["reviewer"],
                   when("reviewed_at"), when("window_start"), when("window_end"),
                   t.get("database", ""))


@dataclass
class Statement:
    row: int
    at: datetime
    principal: str
    statement: str
    object: str
    ticket: str
    database: str


@dataclass
class Datafix:
    """Everything a datafix check reads, plus the outcomes for what could not be read."""

    people: People
    tickets: list[Ticket]
    statements: list[Statement]
    memberships: list[dict[str, Any]]
    directory: Directory | None
    as_of: datetime
    rows: dict[str, dict[str, int]]  # kind -> counts (read, used, rejected)
    problems: dict[str, list[Outcome]]  # kind -> error outcomes (unreadable doc, rejected rows)
    present: set[str]  # kinds with a readable document
    rejected_tickets: set[str] = field(default_factory=set)  # ids on rejected register rows

    def source(self, *kinds: str, **extra: object) -> dict[str, object]:
        """Result evidence: the row counts of the exports this result rests on."""
        return {"rows": {k: self.rows[k] for k in kinds if k in self.rows},
                "as_of": self.as_of.isoformat(timespec="seconds"), **extra}

    def errors(self, *kinds: str) -> Iterator[Outcome]:
        for kind in kinds:
            yield from self.problems.get(kind, [])


def load(evidence: EvidenceSet) -> Datafix | Outcome:
    """Read the datafix evidence once per evaluation for all seven checks; an Outcome
    (not_applicable) when none was configured at all."""
    return evidence.derived("datafix", lambda: _load(evidence))


def _load(evidence: EvidenceSet) -> Datafix | Outcome:
    docs = [d for kind in KINDS for d in evidence.of_kind(kind)]
    if not docs:
        return Outcome("datafix:exports", Status.NOT_APPLICABLE,
                       "No datafix exports were collected or supplied (the config has no "
                       "'datafix:' section), so datafix segregation was not assessed here. If this "
                       "environment has datafixes, configure the register, DB roles and audit log.")
    problems: dict[str, list[Outcome]] = {}
    rows: dict[str, dict[str, int]] = {}
    present: set[str] = set()
    tickets: list[Ticket] = []
    statements: list[Statement] = []
    memberships: list[dict[str, Any]] = []
    logins: dict[str, str] = {}
    stamps = []
    rejected_ids: set[str] = set()
    for doc in docs:
        src = {"evidence_file": doc.file or "", "collected_at": doc.collected_at}
        stamps.append(parse_time(doc.collected_at))
        if doc.errors or not doc.data:
            message = "; ".join(e.get("message", "?") for e in doc.errors) or "no data"
            problems.setdefault(doc.kind, []).append(Outcome(
                f"export:{doc.kind}", Status.ERROR,
                f"The {doc.kind} export could not be read, so it was not assessed: {message}", src))
            continue
        present.add(doc.kind)
        rows[doc.kind] = dict(doc.data.get("counts", {}))
        for bad in doc.data.get("rejected", []):
            problems.setdefault(doc.kind, []).append(Outcome(
                f"row:{bad['file']}:{bad['row']}", Status.ERROR,
                f"{bad['file']} row {bad['row']} (line {bad.get('line', '?')}) was rejected and "
                f"not assessed: {bad['reason']}", {**src, **bad}))
        if doc.kind == REGISTER:
            tickets.extend(Ticket.from_data(t) for t in doc.data.get("tickets", []))
            rejected_ids.update(b["ticket"].strip().upper() for b in doc.data.get("rejected", [])
                                if b.get("ticket"))
        elif doc.kind == DB_ROLES:
            memberships.extend(doc.data.get("memberships", []))
            logins.update(doc.data.get("logins", {}))
        else:
            cols = {c: i for i, c in enumerate(doc.data["entry_columns"])}
            for e in doc.data.get("entries", []):
                statements.append(Statement(e[cols["row"]], parse_time(e[cols["timestamp"]]),
                                            e[cols["principal"]], e[cols["statement"]],
                                            e[cols["object"]], e[cols["ticket"]],
                                            e[cols["database"]]))
    directory = None
    for doc in evidence.of_kind(AD):
        if not doc.errors and doc.data.get("accounts") is not None:
            directory = Directory.from_data(doc.data)
            break
    return Datafix(People(directory, logins), tickets, statements, memberships, directory,
                   max(stamps), rows, problems, present, rejected_ids)


# --- roles ---------------------------------------------------------------------------------


@dataclass
class Holders:
    """Who holds one role, and how (paths, DB roles, tickets)."""

    role: str
    defined: bool
    how: dict[str, list[str]] = field(default_factory=dict)  # person key -> reasons
    problems: list[str] = field(default_factory=list)

    def add(self, person: Person | None, reason: str) -> None:
        if person is not None:
            reasons = self.how.setdefault(person.key, [])
            if reason not in reasons and len(reasons) < 20:
                reasons.append(reason)


def holders(dfx: Datafix, role: str, definition: RoleDef, de_facto: bool = True) -> Holders:
    """Holders of a role by the policy's definition, plus (de facto) who acted in that role."""
    out = Holders(role, definition.defined)
    people, directory = dfx.people, dfx.directory
    if definition.ad_groups and directory is None:
        out.problems.append(f"the {role} role names AD groups, but no readable ad.accounts "
                            f"evidence was collected, so their members are unknown")
    for key in definition.ad_groups if directory is not None else ():
        group = directory.group(key)
        if group is None:
            out.problems.append(f"AD group {key} of the {role} role is not in the ad.accounts "
                                f"evidence")
            continue
        for membership, account in directory.account_members(group):
            if account is not None:
                path = ARROW.join(membership.path)
                out.add(people.of_account(account), f"AD group: {path}")
    for ref in definition.db_roles:
        if DB_ROLES not in dfx.present:
            out.problems.append(f"the {role} role names database roles, but no readable "
                                f"{DB_ROLES} export was collected")
            break
        for m in dfx.memberships:
            if m["role"].lower() == ref.role.lower() and fnmatch.fnmatchcase(
                    (m.get("database") or "").lower(), ref.database.lower()):
                where = f" in {m['database']}" if m.get("database") else ""
                reason = f"DB role {m['role']}{where} (login {m['principal']})"
                for person, via in _principal_people(dfx, m["principal"]):
                    out.add(person, reason + via)
    for name in definition.accounts:
        out.add(people.get(name), f"named in the policy as {role}")
    if de_facto:
        for t in dfx.tickets:
            for name in _acted(t, role):
                out.add(people.get(name), f"acted as {role} on ticket {t.id}")
    return out


def _principal_people(dfx: Datafix, principal: str) -> Iterable[tuple[Person, str]]:
    """A DB principal may be a Windows group login: expand it to its (transitive) members."""
    directory = dfx.directory
    mapped = dfx.people.logins.get(principal.strip().lower(), principal).strip()
    group = None
    if directory is not None:
        name = mapped.rsplit("\\", 1)[-1].lower()
        group = directory.group(mapped) if ("=" in mapped or mapped.upper().startswith("S-1-")) \
            else next((g for g in directory.groups.values() if g.name.lower() == name), None)
    if group is None:
        person = dfx.people.get(principal)
        return [(person, "")] if person else []
    return [(dfx.people.of_account(a), f" via {ARROW.join(m.path)}")
            for m, a in directory.account_members(group) if a is not None]


def _acted(ticket: Ticket, role: str) -> list[str]:
    if role == "executor":
        return [ticket.executor] if ticket.execution_start and ticket.executor else []
    if role == "approver":
        return [name for name, _ in ticket.approvers]
    if role == "reviewer":
        return [ticket.reviewer] if ticket.reviewer else []
    return []


def role_errors(dfx: Datafix, *roles: Holders) -> Iterator[Outcome]:
    """`error` when the policy does not define a role or its definition could not be resolved."""
    for h in roles:
        if not h.defined:
            yield Outcome(f"roles:{h.role}", Status.ERROR,
                          f"The policy defines no {h.role} role (AD groups, DB roles or "
                          f"accounts), so who holds it could not be assessed; only people who "
                          f"acted as {h.role} in the register were considered.",
                          dfx.source(*KINDS))
        elif h.problems:
            yield Outcome(f"roles:{h.role}", Status.ERROR,
                          "; ".join(dict.fromkeys(h.problems)), dfx.source(*KINDS))


def sod(dfx: Datafix, a: Holders, b: Holders, what: str) -> Iterator[Outcome]:
    """One result per holder of role `a`: fail when the same person also holds role `b`."""
    yield from role_errors(dfx, a, b)
    yield from dfx.errors(REGISTER, DB_ROLES)
    people = dfx.people.persons
    for key in sorted(a.how):
        person = people[key]
        evidence = dfx.source(REGISTER, DB_ROLES, person=person.label,
                              names=sorted(person.names), **{a.role: a.how[key]})
        if key in b.how:
            evidence[b.role] = b.how[key]
            yield Outcome(person.subject, Status.FAIL,
                          f"{person.label} can {what}: {a.role} through "
                          f"{a.how[key][0]}; {b.role} through {b.how[key][0]}.", evidence)
        else:
            yield Outcome(person.subject, Status.PASS,
                          f"{person.label} is {a.role} and not {b.role}.", evidence)
    if not a.how and a.defined and not a.problems:
        yield Outcome(f"roles:{a.role}", Status.PASS,
                      f"Nobody holds the {a.role} role, so nobody holds it together with "
                      f"{b.role}.", dfx.source(REGISTER, DB_ROLES))


def same(people: People, x: str, y: str) -> bool:
    px, py = people.get(x), people.get(y)
    return px is not None and py is not None and px.key == py.key
