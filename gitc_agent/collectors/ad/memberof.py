"""Who names which group in `memberOf`, gathered from the bulk reads, for the privileged cross-check.

Why: the cross-check (a privileged group's `member` against the objects that name the group in
`memberOf`, see `accounts.cross_check_privileged`) used to be one `(memberOf=<group DN>)` search
per privileged group. `memberOf` is not indexed, so each such search makes the DC compare the
DNs of every object in the domain: on Samba with 20,000 users eleven of them cost the DC 4 s of
CPU, more than dumping all users. Asking for `memberOf` beside the attributes the account and
group reads fetch anyway costs the DC almost nothing (measured: 2.35 s against 2.30 s of DC CPU).

The account reads (users and computers) and the group read together cover every object except
the rest (contacts, foreign security principals, ...); those are found with one search whose
filter first excludes accounts and groups, so that the DC compares DNs only for the few objects
left. The three sets are disjoint by filter, so every object is counted once, as one subtree
search would. A `memberOf` that needs range retrieval and cannot be read completely makes the
index incomplete, and the caller then falls back to one search per group: never a guess.
"""

from __future__ import annotations

from typing import Any

from ldap3 import Connection
from ldap3.utils.conv import escape_filter_chars

from gitc_agent.collectors.ad.session import LdapReadError, paged_search, read_ranged

ATTRIBUTE = "memberOf"
_KEY = "memberof"
_RANGED = "memberof;range="


class MemberOfIndex:
    """Lower-cased group DN -> DNs of the objects that name it in `memberOf`.

    `complete` is False once a `memberOf` could not be read completely; `named` is then not used.
    """

    def __init__(self) -> None:
        self.named: dict[str, list[str]] = {}
        self.complete = True
        self._ranged: list[tuple[str, dict[str, list[bytes]]]] = []

    def add(self, dn: str, raw: dict[str, list[bytes]]) -> None:
        """Record one entry of a bulk read (the lean parser's attribute names are lower-case)."""
        values = raw.get(_KEY)
        if values is None:
            for name, found in raw.items():
                lowered = name.lower()
                if lowered == _KEY:
                    values = found
                    break
                if lowered.startswith(_RANGED):
                    self._ranged.append((dn, {k: v for k, v in raw.items()
                                              if k.lower().startswith(_KEY)}))
                    return
            else:
                return
        self._add_values(dn, values)

    def _add_values(self, dn: str, values: list[bytes] | list[str]) -> None:
        named = self.named
        for value in values:
            group = (value.decode("utf-8", "replace") if isinstance(value, bytes)
                     else value).lower()
            found = named.get(group)
            if found is None:
                named[group] = [dn]
            else:
                found.append(dn)

    def finish(self, conn: Connection) -> None:
        """Read the `memberOf` values that came in ranges (after the paged search: conn is free)."""
        for dn, raw in self._ranged:
            try:
                self._add_values(dn, read_ranged(conn, dn, ATTRIBUTE, raw))
            except LdapReadError:
                self.complete = False
        self._ranged.clear()

    def answer(self) -> dict[str, list[str]] | None:
        """What a reader process sends back: the index, or None when it is incomplete."""
        return self.named if self.complete else None

    def merge(self, named: dict[str, list[str]] | None) -> None:
        """Add a reader process's answer; None (or no answer at all) makes the index incomplete."""
        if named is None:
            self.complete = False
            return
        for group, dns in named.items():
            found = self.named.get(group)
            if found is None:
                self.named[group] = dns
            else:
                found.extend(dns)


def residual_filter(excluded: list[str], group_dns: list[str]) -> str:
    """Objects outside the `excluded` filters that name one of `group_dns`; cheap tests first."""
    names = "".join(f"(memberOf={escape_filter_chars(dn)})" for dn in group_dns)
    return f"(&{''.join(f'(!{f})' for f in excluded)}(|{names}))"


def read_residual(conn: Connection, base_dn: str, page_size: int, excluded: list[str],
                  group_dns: list[str]) -> dict[str, list[str]] | None:
    """{lower-cased group DN: [DNs]} for the objects no bulk read covered.

    None when an object the DC matched cannot be attributed to one of the groups by its
    `memberOf` text (a DN written differently): the caller then asks per group."""
    wanted = {dn.lower() for dn in group_dns}
    found = list(paged_search(conn, base_dn, residual_filter(excluded, group_dns), [ATTRIBUTE],
                              page_size))
    out: dict[str, list[str]] = {}
    for dn, raw in found:  # the paged search is finished: the connection is free
        index = MemberOfIndex()
        index.add(dn, raw)
        index.finish(conn)
        groups = [g for g in index.named if g in wanted]
        if not index.complete or not groups:
            return None
        for group in groups:
            out.setdefault(group, []).append(dn)
    return out


def named_by(index: MemberOfIndex, residual: dict[str, list[str]], group_dn: str) -> list[str]:
    key = group_dn.lower()
    return [*index.named.get(key, ()), *residual.get(key, ())]


def payload(answer: dict[str, Any]) -> dict[str, list[str]] | None:
    """The index part of a reader process's answer (absent: unknown, so incomplete)."""
    return answer.get("member_of")
