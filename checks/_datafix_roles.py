"""Who holds which datafix role, and who holds two that must be apart (segregation of duties).

A role is held by policy definition (AD groups resolved transitively, DB roles through the login
mapping, named accounts) and, de facto, by whoever acted in it in the register: a role definition
that misses a DBA must not hide the tickets that DBA executed.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from pydantic import Field, field_validator

from gitc_agent.core.check_api import CheckParams, Message, Verdict, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.directory import Group
from gitc_agent.model.message import msg_list
from gitc_agent.model.sid import group_key

from ._datafix import ARROW, DB_ROLES, KINDS, REGISTER, Datafix, Person, Ticket
from ._datafix_dbroles import DbRoleRef, live_holders


class RoleDef(CheckParams):
    """What makes someone hold a datafix role: AD groups (transitive), DB roles, named accounts."""

    ad_groups: list[str] = Field(default_factory=list)  # SID, RID:nnn or DN, never a name
    db_roles: list[DbRoleRef] = Field(default_factory=list)
    accounts: list[str] = Field(default_factory=list)  # sAMAccountName, UPN or DB login

    @field_validator("ad_groups")
    @classmethod
    def _keys(cls, values: list[str]) -> list[str]:
        return [group_key(v) for v in values]

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


MAX_HOW = 20  # reasons kept per holder


@dataclass
class Holders:
    """Who holds one role, and how (paths, DB roles, tickets): each reason and problem a
    phrase (Message), translated in the sentence it stands in."""

    role: str
    defined: bool
    how: dict[str, list[Message]] = field(default_factory=dict)  # person key -> reasons
    problems: list[Message] = field(default_factory=list)

    def add(self, person: Person | None, reason: Message) -> None:
        if person is not None:
            reasons = self.how.setdefault(person.key, [])
            if len(reasons) < MAX_HOW and reason not in reasons:
                reasons.append(reason)

    def has_room(self, person: Person | None) -> bool:
        """Whether a reason for this person would still be kept (so none is built in vain:
        the de-facto reasons come from 100,000 tickets)."""
        return person is not None and len(self.how.get(person.key, ())) < MAX_HOW


def unique(items: list[Message]) -> list[Message]:
    """The items in order without repeats (a Message is not hashable: its params are a dict)."""
    out: list[Message] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def texts(reasons: list[Message]) -> list[str]:
    """The reasons as English text, for a result's evidence (data, not a sentence)."""
    return [str(r) for r in reasons]


def holders(dfx: Datafix, role: str, definition: RoleDef, de_facto: bool = True) -> Holders:
    """Holders of a role by the policy's definition, plus (de facto) who acted in that role."""
    out = Holders(role, definition.defined)
    people, directory = dfx.people, dfx.directory
    unreadable = dfx.ad.groups_problem or (dfx.persons_problem if directory is None else None)
    if definition.ad_groups and unreadable:
        out.problems.append(msg("the {role} role names AD groups, but their members are "
                                "unknown: {problem}", role=role, problem=unreadable))
    for key in definition.ad_groups if directory is not None and not unreadable else ():
        group = directory.group(key)
        if group is None:
            out.problems.append(msg("AD group {group} of the {role} role is not in the "
                                    "ad.accounts evidence", group=key, role=role))
            continue
        _group_holders(dfx, out, group)
    exported = [r for r in definition.db_roles if r.server is None]
    live_holders(dfx, out, [r for r in definition.db_roles if r.server is not None])
    if exported and DB_ROLES not in dfx.present:
        out.problems.append(msg("the {role} role names database roles, but no {kind} export "
                                "with role memberships was read (a login mapping alone has "
                                "none)", role=role, kind=DB_ROLES))
    elif exported and dfx.ad.groups_problem:  # Windows group logins not expandable
        out.problems.append(msg("the {role} role names database roles, whose Windows group "
                                "logins cannot be expanded: {problem}", role=role,
                                problem=dfx.ad.groups_problem))
    for ref in exported if DB_ROLES in dfx.present else ():
        for m in dfx.memberships:
            if m["role"].lower() == ref.role.lower() and fnmatch.fnmatchcase(
                    (m.get("database") or "").lower(), ref.database.lower()):
                for person, via in _principal_people(dfx, m["principal"]):
                    if out.has_room(person):
                        out.add(person, _db_role_reason(m, via))
    for name in definition.accounts:
        out.add(people.get(name), msg("named in the policy as {role}", role=role))
    if de_facto:
        for t in dfx.tickets:
            for name in _acted(t, role):
                person = people.get(name)
                if out.has_room(person):
                    out.add(person, msg("acted as {role} on ticket {ticket}", role=role,
                                        ticket=t.id))
    return out


def _db_role_reason(m: dict, via: str | None) -> Message:
    """How a DB-role membership from the export makes someone a holder, in one of four whole
    sentences (with or without a database, directly or through a Windows group)."""
    values = {"role": m["role"], "login": m["principal"]}
    database = m.get("database")
    if database and via:
        return msg("DB role {role} in {database} (login {login}) via {path}", **values,
                   database=database, path=via)
    if database:
        return msg("DB role {role} in {database} (login {login})", **values, database=database)
    if via:
        return msg("DB role {role} (login {login}) via {path}", **values, path=via)
    return msg("DB role {role} (login {login})", **values)


def _group_holders(dfx: Datafix, out: Holders, group: Group) -> None:
    """The members read are holders; a group (or nested group) not fully read is a problem."""
    directory = dfx.directory
    assert directory is not None
    closure = directory.members(group)
    broken = [g.name for g in (group, *(directory.groups[k] for k in closure
                                         if k in directory.groups)) if dfx.ad.incomplete(g)]
    if broken:
        out.problems.append(msg("AD group {group} of the {role} role: the members of {groups} "
                                "could not be read completely", group=group.name, role=out.role,
                                groups=", ".join(broken)))
    for membership, account in directory.account_members(group):
        if account is not None:
            person = dfx.people.of_account(account)
            if out.has_room(person):
                out.add(person, msg("AD group: {path}", path=ARROW.join(membership.path)))


def _principal_people(dfx: Datafix, principal: str) -> Iterable[tuple[Person, str | None]]:
    """A DB principal may be a Windows group login: expand it to its (transitive) members, each
    with the path through the group (None: the login is the person's own)."""
    directory = dfx.directory
    mapped = dfx.people.logins.get(principal.strip().lower(), principal).strip()
    group = None
    if directory is not None:
        name = mapped.rsplit("\\", 1)[-1].lower()
        group = directory.group(mapped) if ("=" in mapped or mapped.upper().startswith("S-1-")) \
            else next((g for g in directory.groups.values() if g.name.lower() == name), None)
    if group is None:
        person = dfx.people.get(principal)
        return [(person, None)] if person else []
    return [(dfx.people.of_account(a), ARROW.join(m.path))
            for m, a in directory.account_members(group) if a is not None]


def _acted(ticket: Ticket, role: str) -> list[str]:
    if role == "executor":
        return [ticket.executor] if ticket.execution_start and ticket.executor else []
    if role == "approver":
        return [name for name, _ in ticket.approvers]
    if role == "reviewer":
        return [ticket.reviewer] if ticket.reviewer else []
    return []


def role_errors(dfx: Datafix, *roles: Holders) -> Iterator[Verdict]:
    """`error` when the policy does not define a role or its definition could not be resolved."""
    for h in roles:
        if not h.defined:
            yield unknown(msg("The policy defines no {role} role (AD groups, DB roles or "
                              "accounts), so who holds it could not be assessed; only people "
                              "who acted as {role} in the register were considered.",
                              role=h.role),
                          subject=subjects.role(h.role), **dfx.evidence(*KINDS))
        elif h.problems:
            yield unknown(msg("{problems}", problems=msg_list(unique(h.problems))),
                          subject=subjects.role(h.role), **dfx.evidence(*KINDS))


def sod(dfx: Datafix, a: Holders, b: Holders, clash: Callable[..., Message]) -> Iterator[Verdict]:
    """One result per holder of role `a`: fail when the same person also holds role `b`, with
    the check's own sentence (`clash(person=, a_role=, a_how=, b_role=, b_how=)`, one template
    per check so it translates whole). The walker (`datafix_exports(REGISTER, DB_ROLES)`) has
    reported what could not be read."""
    yield from role_errors(dfx, a, b)
    people = dfx.people.persons
    # who is not (known as) b can pass only when b and every person's accounts were all read
    doubts = unique([*b.problems, *(dfx.persons_problem.items if dfx.persons_problem else ())])
    for key in sorted(a.how):
        person = people[key]
        evidence = dfx.evidence(REGISTER, DB_ROLES, person=person.label,
                                names=sorted(person.names), **{a.role: texts(a.how[key])})
        if key in b.how:
            evidence[b.role] = texts(b.how[key])
            yield fail(clash(person=person.label, a_role=a.role, a_how=a.how[key][0],
                             b_role=b.role, b_how=b.how[key][0]),
                       subject=person.subject, **evidence)
        elif doubts:
            yield unknown(msg("{person} is {a_role}; whether they are also {b_role} could not "
                              "be assessed: {problems}.", person=person.label, a_role=a.role,
                              b_role=b.role, problems=msg_list(doubts)),
                          subject=person.subject, **evidence)
        else:
            yield ok(msg("{person} is {a_role} and not {b_role}.", person=person.label,
                         a_role=a.role, b_role=b.role), subject=person.subject, **evidence)
    if not a.how and a.defined and not a.problems:
        yield ok(msg("Nobody holds the {a_role} role, so nobody holds it together with "
                     "{b_role}.", a_role=a.role, b_role=b.role),
                 subject=subjects.role(a.role), **dfx.evidence(REGISTER, DB_ROLES))
