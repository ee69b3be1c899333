"""Shared reading of `db.instance` evidence for the db.* checks: each server, its privileged
roles with their transitive members, and who each login is in AD.

Why shared: every db check must say the same thing when a server or one of its catalog parts was
unreadable (an `error`, never a pass), find privileged members the same way (PostgreSQL superuser
and the roles that carry it; SQL Server sysadmin, securityadmin, CONTROL SERVER, db_owner; roles
the policy adds), and resolve a login to the same AD account, so one person is one person in AD,
the database and the datafix register.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.model.db_principals import SERVER, Instance, MalformedInstance, Principal
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import N_, MessageList, msg_list
from gitc_agent.model.timeutil import parse_time

from ._datafix_ad import AdState, ad_state

ARROW = " → "
SYSTEM_DATABASES = ("master", "tempdb", "model", "msdb")
PG_ATTRIBUTES = ("superuser", "createrole", "bypassrls", "replication", "createdb")
#: error parts the collector writes; any other part is not understood, so nothing is judged
KNOWN_PARTS = ("principals", "password_hashes", "memberships", "databases", "hba", "settings",
               "audit")
#: how a login was joined to AD (Identity.how): whole phrases, shown translated
BY_LOGIN_MAP = N_("login map")
BY_WINDOWS_LOGIN = N_("Windows login")
BY_SAME_NAME = N_("same name in AD")
#: AD group of a Windows-group login absent from the evidence (deleted or renamed): a finding
GROUP_NOT_IN_AD = N_("AD group {group} is not in the AD evidence")


class DbRole(CheckParams):
    """A role the policy treats as privileged on top of the built-in ones."""

    role: str = Field(min_length=1)
    database: str | None = None  # a glob; None: a server role
    server: str = "*"  # a glob on the server name (the evidence target)


class DbPrivileges(CheckParams):
    db_privileged_roles: list[DbRole] = Field(default_factory=list)
    # PostgreSQL role attributes that make a role privileged (superuser always does)
    db_privileged_attributes: list[str] = Field(default_factory=lambda: ["superuser"])
    db_owner_databases: list[str] = Field(default_factory=lambda: ["*"])  # globs


class DbApproval(CheckParams):
    """A time-bound approval of one login's membership of one privileged database role."""

    member: str = Field(min_length=1, description="login, role or AD account (sAMAccountName)")
    role: str = Field(min_length=1, description="superuser, sysadmin, db_owner@DB, or a role")
    server: str = "*"
    until: date
    approved_by: str = Field(min_length=1)
    reference: str = ""


class DbRegistered(CheckParams):
    """An impersonal database login in the register: owner, justification, monitoring."""

    login: str = Field(min_length=1)
    server: str = "*"
    owner: str = Field(min_length=1)
    justification: str = Field(min_length=1)
    monitoring: str = Field(min_length=1)
    reference: str = ""


def glob(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def server_subject(name: str) -> str:
    return f"db:{name}"


def login_subject(server: str, login: str) -> str:
    return f"db:{server}/login:{login}"


def member_subject(server: str, role: str, member: str) -> str:
    return f"db:{server}/role:{role}/member:{member}"


@dataclass
class Identity:
    """Who a login is in AD: `account` (None: no AD account), `how` it was found (one of the
    BY_* phrases), or `problem` when that cannot be told (AD not collected or unreadable)."""

    account: Account | None
    how: str
    problem: Message | MessageList | None = None

    @property
    def how_phrase(self) -> Message:
        return msg(self.how)


@dataclass
class Member:
    """One login (or an AD account through a Windows-group login) holding a privileged role."""

    name: str  # the login, or DOMAIN\\account for a Windows-group member
    path: tuple[str, ...]
    principal: Principal | None
    ad_account: Account | None = None
    problem: Message | None = None  # could not be identified (AD group unreadable)
    owner_of: str | None = None  # the database this member owns (its path's last hop says so)

    @property
    def path_text(self) -> str:
        return ARROW.join(self.path)

    @property
    def path_phrase(self) -> Message | str:
        """The path for a message: names are data, the owner hop a phrase of its own."""
        if self.owner_of is None:
            return self.path_text
        return msg("{path} → owner of database {database}", path=ARROW.join(self.path[:-1]),
                   database=self.owner_of)

    @property
    def disabled(self) -> bool:
        if self.principal is not None and self.principal.disabled:
            return True
        return self.ad_account is not None and self.ad_account.enabled is False


@dataclass
class Grant:
    """A privileged role (label) and its members."""

    label: str
    members: list[Member] = field(default_factory=list)
    problems: list[Message] = field(default_factory=list)
    unjudged: list[str] = field(default_factory=list)  # who each problem is about


@dataclass
class DbServer:
    name: str
    engine: str
    data: Mapping[str, Any]
    instance: Instance
    errors: dict[str, str]
    source: dict[str, str]
    as_of: datetime
    ad: AdState
    login_map: dict[str, str]

    @property
    def subject(self) -> str:
        return server_subject(self.name)

    @property
    def today(self) -> date:
        return self.as_of.date()

    def problem(self, *parts: str) -> MessageList | None:
        """Why these parts cannot be judged: read errors (the collector's text, data), or a
        catalog that cannot be empty."""
        found = [msg("{part}: {error}", part=p, error=m) for p, m in self.errors.items()
                 if p in parts or (p.startswith("database:") and "databases" in parts)]
        if "principals" in parts and not self.instance.principals:
            found.append(msg("principals: no principal at all (a server always has some)"))
        if "memberships" in parts and not self.instance.edges:
            found.append(msg("memberships: no role membership at all (PostgreSQL's built-in "
                             "roles and SQL Server's sysadmin always have members)"))
        if "databases" in parts and not self.instance.databases:
            found.append(msg("databases: no database at all"))
        return msg_list(found) if found else None

    def logins(self) -> list[Principal]:
        return sorted((p for p in self.instance.principals.values()
                       if p.login and p.type != "windows_group"), key=lambda p: p.name.lower())

    def identity(self, login: str) -> Identity:
        """The AD account of a login: the config's login map, a Windows login's DOMAIN\\name,
        else the same sAMAccountName."""
        directory = self.ad.directory
        mapped = self.login_map.get(login.lower())
        key, how = (mapped, BY_LOGIN_MAP) if mapped else (login.split("\\", 1)[-1],
                                                           BY_WINDOWS_LOGIN if "\\" in login
                                                           else BY_SAME_NAME)
        if directory is None or self.ad.persons_problem:
            problem: Message | MessageList = (
                msg("no ad.accounts evidence was collected (no 'ad:' section?), so the login "
                    "could not be joined to an AD account") if not self.ad.collected
                else self.ad.persons_problem or msg("the AD evidence is not usable"))
            return Identity(None, how, problem)
        return Identity(directory.account(key), how)

    def ad_group(self, login: str) -> tuple[Message | MessageList, None] | tuple[None, Any]:
        """The AD group of a Windows-group login (`DOMAIN\\group`), or why it is unknown
        (GROUP_NOT_IN_AD when the group is gone)."""
        directory = self.ad.directory
        if directory is None or self.ad.persons_problem or self.ad.groups_problem:
            return (self.ad.groups_problem or self.ad.persons_problem
                    or msg("AD evidence is not usable")), None
        name = login.split("\\", 1)[-1].lower()
        for group in directory.groups.values():
            if group.name.lower() == name:
                if self.ad.incomplete(group):
                    return msg("the members of AD group {group} could not be read completely",
                               group=group.name), None
                return None, group
        return msg(GROUP_NOT_IN_AD, group=name), None

    # -- privileged roles ----------------------------------------------------------------------
    def grants(self, params: DbPrivileges) -> list[Grant]:
        inst = self.instance
        out: list[Grant] = []
        if self.engine == "postgresql":
            for attribute in dict.fromkeys(["superuser", *params.db_privileged_attributes]):
                roots = [p.name for p in inst.principals.values() if p.attr(attribute) is True]
                out.append(self._grant(attribute, roots, SERVER))
        else:
            control = [p.name for p in inst.principals.values()
                       if "CONTROL SERVER" in (p.attr("permissions") or [])]
            out.append(self._grant("sysadmin", ["sysadmin"], SERVER, extra=control,
                                   extra_via="CONTROL SERVER"))
            out.append(self._grant("securityadmin", ["securityadmin"], SERVER))
            for db in inst.databases:
                name = db["name"]
                if name.lower() in SYSTEM_DATABASES or not any(
                        glob(g, name) for g in params.db_owner_databases):
                    continue
                out.append(self._db_owner(db))
        for extra in params.db_privileged_roles:
            if not glob(extra.server, self.name):
                continue
            if extra.database is None:
                out.append(self._grant(extra.role, [extra.role], SERVER))
            else:
                for db in inst.databases:
                    if glob(extra.database, db["name"]):
                        out.append(self._grant(f"{extra.role}@{db['name']}", [extra.role],
                                               f"database:{db['name']}", db=db))
        return out

    def _grant(self, label: str, roots: Iterable[str], scope: str, *, extra: Iterable[str] = (),
               extra_via: str = "", db: Mapping[str, Any] | None = None) -> Grant:
        grant = Grant(label)
        seen: dict[str, tuple[str, ...]] = {}
        for root in roots:
            if scope == SERVER and self.instance.principal(root) is not None:
                seen.setdefault(root.lower(), (root,))
            for key, rm in self.instance.members(root, scope).items():
                if key not in seen or len(rm.path) < len(seen[key]):
                    seen[key] = rm.path
        for name in extra:
            seen.setdefault(name.lower(), (name, extra_via))
        for key, path in sorted(seen.items()):
            self._add(grant, key, path, db)
        return grant

    def _db_owner(self, db: Mapping[str, Any]) -> Grant:
        name = db["name"]
        grant = self._grant(f"db_owner@{name}", ["db_owner"], f"database:{name}", db=db)
        owner = db.get("owner")
        if not isinstance(owner, str) or not owner:
            grant.problems.append(msg("the owner of database {database} could not be identified "
                                      "(its owner SID matches no login), so who owns it was not "
                                      "assessed", database=name))
            grant.unjudged.append("(owner)")
        elif all(m.name.lower() != owner.lower() for m in grant.members):
            principal = self.instance.principal(owner)
            grant.members.append(Member(owner, (owner, f"owner of database {name}"), principal,
                                        owner_of=name))
        return grant

    def _add(self, grant: Grant, key: str, path: tuple[str, ...],
             db: Mapping[str, Any] | None) -> None:
        principal = self.instance.principal(key)
        name = principal.name if principal else path[0]
        if db is not None and principal is None:  # a database user: find its login
            user = next((u for u in db.get("users") or [] if isinstance(u, Mapping)
                         and str(u.get("name", "")).lower() == key), None)
            if user is None:
                return  # a database role on the path, not a user
            login = user.get("login")
            principal = self.instance.principal(login) if isinstance(login, str) else None
            if principal is None:
                grant.members.append(Member(f"user:{name}", path, None,
                                            problem=msg("a database user without a login")))
                return
            name = principal.name
            if principal.name.lower() != path[0].lower():
                path = (principal.name, *path)
        if principal is None or not principal.login:
            return  # a role on the path (dba_team), not a login
        if principal.type == "windows_group":
            why, group = self.ad_group(name)
            if group is None:
                grant.unjudged.append(name)
                grant.problems.append(msg("{login} (a Windows-group login → {path}): {why}, so "
                                          "its members were not assessed", login=name,
                                          path=ARROW.join(path[1:]), why=why))
                return
            directory = self.ad.directory
            assert directory is not None
            domain = name.split("\\", 1)[0] + "\\" if "\\" in name else ""
            for membership, account in directory.account_members(group):
                label = f"{domain}{account.name if account else membership.member}"
                grant.members.append(Member(label, (*membership.path[:-1], *path), principal,
                                            ad_account=account))
            return
        grant.members.append(Member(name, path, principal))


def db_servers(evidence: EvidenceSet) -> Iterator[DbServer | Outcome]:
    """Each readable server, or an `error` Outcome saying why it could not be read."""
    for doc in evidence.of_kind(DB_INSTANCE):
        source = doc.source
        subject = server_subject(doc.target)
        errors = {str(e.get("part")): str(e.get("message", "unknown error")) for e in doc.errors}
        fatal = [msg("{part}: {error}", part=p, error=m) for p, m in errors.items()
                 if p not in KNOWN_PARTS and not p.startswith("database:")]
        engine = doc.data.get("engine")
        if not fatal and engine not in ("postgresql", "sqlserver"):
            fatal.append(msg("unknown database engine {engine}", engine=repr(engine)))
        as_of = parse_time(doc.collected_at)
        if as_of is None and not fatal:
            fatal.append(msg("unreadable collection time {time}", time=repr(doc.collected_at)))
        instance = None
        if not fatal:
            try:
                instance = Instance.from_data(doc.data)
            except MalformedInstance as exc:
                fatal.append(msg("the evidence is malformed: {problem}", problem=exc.reason))
        login_map = doc.data.get("login_map", {})
        if not fatal and not isinstance(login_map, Mapping):
            fatal.append(msg("the login map is malformed"))
        if fatal or instance is None or as_of is None:
            yield Outcome(subject, Status.ERROR, msg("The database server could not be read, so "
                                                     "it was not assessed: {problems}",
                                                     problems=msg_list(fatal)), source)
            continue
        yield DbServer(doc.target, str(engine), doc.data, instance, errors, source, as_of,
                       evidence.derived("db.ad_state", lambda: ad_state(evidence)),
                       {str(k).lower(): str(v) for k, v in login_map.items()})

