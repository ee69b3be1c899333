"""A synthetic Active Directory for the benchmark, written as LDIF for `ldbadd` on sam.ldb.

Why this shape: the checks and the collector should meet what a real domain of 20,000-50,000
users looks like, not a flat list: people with an employee id, service accounts (SPN, password
never expires), impersonal shared/functional and test accounts, separate admin accounts, some
disabled, some dormant, computers, groups nested up to six levels, a few large groups (more than
1,500 members) and privileged membership that comes through nesting.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

#: Bump when the generated directory changes: it is part of the lab cache key.
GENERATOR_VERSION = 1
CHAIN = 6  # nesting depth of group chains
_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
#: Share of each kind of user account (the rest are people).
KINDS = (("svc", 0.05), ("shared", 0.03), ("adm", 0.02), ("test", 0.015))


def filetime(when: datetime) -> int:
    return int((when - _EPOCH).total_seconds()) * 10_000_000


@dataclass
class Plan:
    """What was generated: enough for the benchmark to say what the directory holds."""

    users: int
    groups: int
    computers: int
    kinds: dict[str, int] = field(default_factory=dict)
    privileged_links: list[tuple[str, str]] = field(default_factory=list)  # (builtin/domain group, member DN)


class Generator:
    """LDIF records in the order ldbadd needs them (containers, users, groups, then links)."""

    def __init__(self, base_dn: str, users: int, groups: int, seed: int) -> None:
        self.base = f"OU=Bench,{base_dn}"
        self.base_dn = base_dn
        self.rng = random.Random(seed)
        self.plan = Plan(users=users, groups=groups, computers=max(users // 20, 1))
        self.now = datetime.now(UTC)
        self.people: list[str] = []
        self.by_kind: dict[str, list[str]] = {}

    def containers(self) -> Iterator[str]:
        yield f"dn: {self.base}\nobjectClass: organizationalUnit\n"
        for name in ("People", "Service Accounts", "Shared", "Admins", "Groups", "Computers"):
            yield f"dn: OU={name},{self.base}\nobjectClass: organizationalUnit\n"

    def _kind(self) -> str:
        roll = self.rng.random()
        for kind, share in KINDS:
            if roll < share:
                return kind
            roll -= share
        return "person"

    def _last_logon(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.04:
            return None  # never logged on
        days = self.rng.randint(0, 14) if roll < 0.85 else self.rng.randint(15, 800)
        return str(filetime(self.now - timedelta(days=days, seconds=self.rng.randint(0, 86399))))

    def users(self) -> Iterator[str]:
        ou = {"person": "People", "svc": "Service Accounts", "shared": "Shared", "test": "Shared",
              "adm": "Admins"}
        for i in range(self.plan.users):
            kind = self._kind()
            self.plan.kinds[kind] = self.plan.kinds.get(kind, 0) + 1
            name = f"u{i:06d}" if kind == "person" else f"{kind}-{i:06d}"
            dn = f"CN={name},OU={ou[kind]},{self.base}"
            self.by_kind.setdefault(kind, []).append(dn)
            uac = 512
            if kind in ("svc", "shared"):
                uac |= 0x10000  # password never expires
            if self.rng.random() < 0.07:
                uac |= 0x2  # disabled
            lines = [f"dn: {dn}", "objectClass: user", f"sAMAccountName: {name}",
                     f"userPrincipalName: {name}@bench.example", f"userAccountControl: {uac}",
                     f"description: {kind} account {i} of the benchmark directory"]
            if kind in ("person", "adm"):
                lines += [f"employeeID: E{100000 + i}", f"givenName: Given{i % 997}",
                          f"sn: Family{i}", f"mail: {name}@bench.example"]
            if kind == "svc":
                lines += [f"servicePrincipalName: HTTP/{name}.bench.example",
                          f"servicePrincipalName: HTTP/{name}"]
            logon = self._last_logon()
            if logon:
                lines.append(f"lastLogonTimestamp: {logon}")
            if self.rng.random() < 0.004:
                lines.append("adminCount: 1")  # some orphans: no longer in a protected group
            if kind == "person":
                self.people.append(dn)
            yield "\n".join(lines) + "\n"

    def computers(self) -> Iterator[str]:
        for i in range(self.plan.computers):
            name = f"WS{i:05d}"
            lines = [f"dn: CN={name},OU=Computers,{self.base}", "objectClass: computer",
                     f"sAMAccountName: {name}$", "userAccountControl: 4096",
                     f"dNSHostName: {name.lower()}.bench.example"]
            logon = self._last_logon()
            if logon:
                lines.append(f"lastLogonTimestamp: {logon}")
            yield "\n".join(lines) + "\n"

    def _group_dn(self, g: int) -> str:
        return f"CN=grp-{g:05d},OU=Groups,{self.base}"

    def groups(self) -> Iterator[str]:
        """Chains of CHAIN groups (each contains the one before); a few large groups."""
        people = self.people or [dn for dns in self.by_kind.values() for dn in dns]
        everyone = [dn for dns in self.by_kind.values() for dn in dns]
        for g in range(self.plan.groups):
            roll = self.rng.random()
            if g == 0:
                size = len(people)  # an all-staff group: far more than 1,500 members
                members = list(people)
            else:
                size = self.rng.randint(500, 3000) if roll < 0.01 else self.rng.randint(3, 40)
                members = self.rng.sample(everyone, min(size, len(everyone)))
            if g % CHAIN:
                members.append(self._group_dn(g - 1))
            lines = [f"dn: {self._group_dn(g)}", "objectClass: group", f"sAMAccountName: grp-{g:05d}",
                     f"description: benchmark group {g}"]
            lines += [f"member: {m}" for m in members]
            yield "\n".join(lines) + "\n"

    def privileged(self) -> list[str]:
        """ldbmodify changes: privileged membership, mostly through nested chains."""
        tops = [g for g in range(CHAIN - 1, self.plan.groups, CHAIN) if g >= CHAIN][:6]
        targets = [f"CN=Domain Admins,CN=Users,{self.base_dn}",
                   f"CN=Administrators,CN=Builtin,{self.base_dn}",
                   f"CN=Server Operators,CN=Builtin,{self.base_dn}",
                   f"CN=Backup Operators,CN=Builtin,{self.base_dn}",
                   f"CN=Account Operators,CN=Builtin,{self.base_dn}",
                   f"CN=Server Operators,CN=Builtin,{self.base_dn}"]
        links: dict[str, list[str]] = {}
        for top, target in zip(tops, targets, strict=False):
            links.setdefault(target, []).append(self._group_dn(top))
        direct = self.by_kind.get("adm", [])[:15] + self.by_kind.get("svc", [])[:4]
        links.setdefault(targets[0], []).extend(direct)
        changes = []
        for target, members in links.items():
            self.plan.privileged_links += [(target, m) for m in members]
            changes.append("\n".join([f"dn: {target}", "changetype: modify", "add: member",
                                      *(f"member: {m}" for m in members), "-"]) + "\n")
        return changes
