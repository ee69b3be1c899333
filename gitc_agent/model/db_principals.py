"""The pure model of one database server's principals: who is a member of which role, and how.

Why here and not in the collector: both engines nest roles (PostgreSQL roles in roles, SQL Server
Windows groups and roles in server or database roles), and the evidence keeps only the direct
edges, as the catalog holds them. The transitive closure with its path ("alice → dba_team →
dba_admins") is computed once, the same way for every check and for saved evidence.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gitc_agent.model.message import Message, msg

SERVER = "server"
PG_FLAGS = ("superuser", "createrole", "createdb", "replication", "bypassrls")
HASHES = ("scram-sha-256", "md5", "plain", "none", None)
TYPES = {"postgresql": ("role",),
         "sqlserver": ("sql_login", "windows_login", "windows_group", "server_role",
                       "certificate", "asymmetric_key")}


class MalformedInstance(ValueError):
    """The evidence does not have the documented shape; `reason` says how, as a phrase a
    check's sentence translates (the English text is the exception's)."""

    def __init__(self, reason: Message):
        super().__init__(str(reason))
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    name: str
    type: str
    login: bool
    disabled: bool | None
    attrs: Mapping[str, Any]

    def attr(self, key: str) -> Any:
        return self.attrs.get(key)


@dataclass(frozen=True)
class RoleMember:
    member: str  # the principal's name as the catalog spells it
    path: tuple[str, ...]  # member ... role
    admin_option: bool | None  # on the member's own grant (the first hop): it may grant it on


@dataclass
class Instance:
    principals: dict[str, Principal]  # lower-cased name -> principal
    edges: dict[tuple[str, str], list[tuple[str, bool | None]]]  # (scope, member) -> roles
    databases: list[Mapping[str, Any]] = field(default_factory=list)

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Instance:
        principals: dict[str, Principal] = {}
        raw = data.get("principals")
        edges_raw = data.get("memberships")
        dbs = data.get("databases")
        if not isinstance(raw, list) or not isinstance(edges_raw, list) \
                or not isinstance(dbs, list):
            raise MalformedInstance(msg("principals, memberships or databases is not a list"))
        engine = data.get("engine")
        if engine not in TYPES:
            raise MalformedInstance(msg("unknown database engine {engine}", engine=repr(engine)))
        for p in raw:
            if not isinstance(p, Mapping) or not isinstance(p.get("name"), str) \
                    or p.get("type") not in TYPES[engine] or not isinstance(p.get("login"), bool) \
                    or not isinstance(p.get("disabled"), bool):
                raise MalformedInstance(msg("principal {principal} lacks a name, a known type, or "
                                            "its login or disabled flag", principal=repr(p)))
            if engine == "postgresql" and (
                    not all(isinstance(p.get(k), bool) for k in PG_FLAGS)
                    or p.get("password_hash", "?") not in HASHES):
                raise MalformedInstance(msg("role {role} lacks one of its attributes "
                                            "({attributes}, password_hash)", role=repr(p["name"]),
                                            attributes=", ".join(PG_FLAGS)))
            perms = p.get("permissions")
            if not isinstance(perms, list) or not all(isinstance(x, str) for x in perms):
                raise MalformedInstance(msg("principal {principal}: permissions is not a list "
                                            "of names", principal=repr(p["name"])))
            principals[p["name"].lower()] = Principal(p["name"], p["type"], p["login"],
                                                      p.get("disabled"), p)
        edges: dict[tuple[str, str], list[tuple[str, bool | None]]] = {}
        for e in edges_raw:
            if not isinstance(e, Mapping) or not all(isinstance(e.get(k), str)
                                                     for k in ("role", "member", "scope")):
                raise MalformedInstance(msg("membership {membership} lacks role, member or scope",
                                            membership=repr(e)))
            if e["scope"] != SERVER and not e["scope"].startswith("database:"):
                raise MalformedInstance(msg("membership {membership} has an unknown scope",
                                            membership=repr(e)))
            edges.setdefault((e["scope"], e["member"].lower()), []).append(
                (e["role"], e.get("admin_option")))
        for db in dbs:
            if not isinstance(db, Mapping) or not isinstance(db.get("name"), str):
                raise MalformedInstance(msg("database {database} has no name", database=repr(db)))
            users = db.get("users")
            if not isinstance(users, list) or not all(
                    isinstance(u, Mapping) and isinstance(u.get("name"), str) for u in users):
                raise MalformedInstance(msg("database {database}: users is not a list of named "
                                            "users", database=repr(db["name"])))
        return cls(principals, edges, list(dbs))

    def principal(self, name: str) -> Principal | None:
        return self.principals.get(name.lower())

    def members(self, role: str, scope: str = SERVER) -> dict[str, RoleMember]:
        """Every principal that is (transitively) a member of `role` in `scope`, by lower-cased
        name, with the shortest path. Database roles may contain server-scope principals only
        through database users, which the caller maps."""
        reverse: dict[str, list[tuple[str, bool | None]]] = {}
        for (sc, member), roles in self.edges.items():
            if sc != scope:
                continue
            for r, admin in roles:
                reverse.setdefault(r.lower(), []).append((member, admin))
        found: dict[str, RoleMember] = {}
        queue = deque([(role.lower(), (role,))])
        while queue:
            current, path = queue.popleft()
            for member, direct_admin in reverse.get(current, []):
                if member in found or member == role.lower():
                    continue
                name = self.principals[member].name if member in self.principals else member
                via = (name, *path)
                found[member] = RoleMember(name, via, direct_admin)
                queue.append((member, via))
        return found
