"""Which groups are in scope for re-certification: a pure resolution of the policy's rules.

Shared by the `ad.groups.*` checks and by `gitc-agent review export`, so the campaign workbook
holds exactly the groups the checks judge. A rule names groups by SID, DN, OU (every group
anywhere under it) or name pattern; a group several rules match takes the shortest period, and
a privileged group never gets a longer period than the privileged norm (BIO 9.2.3.1: quarterly).
A rule that matches no group is reported, never skipped: a mistyped DN or an OU the bound
account cannot read would otherwise leave groups silently out of the review.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from gitc_agent.model.directory import Directory, Group


@dataclass(frozen=True)
class ScopeRule:
    """One rule of the policy's `review_groups`: exactly one of sid, dn, ou, name is set."""

    sid: str | None = None
    dn: str | None = None
    ou: str | None = None
    name: str | None = None
    period_days: int = 365
    owner: str = ""

    @property
    def label(self) -> str:
        for key in ("sid", "dn", "ou", "name"):
            value = getattr(self, key)
            if value:
                return f"{key} {value}"
        return "an empty rule"

    def matches(self, directory: Directory, group: Group) -> bool:
        if self.sid:
            found = directory.group(self.sid)
            return found is not None and found.dn.lower() == group.dn.lower()
        if self.dn:
            return group.dn.lower() == self.dn.strip().lower()
        if self.ou:
            return group.dn.lower().endswith("," + self.ou.strip().lower())
        if self.name:
            return fnmatch.fnmatchcase(group.name.lower(), self.name.strip().lower())
        return False


@dataclass(frozen=True)
class GroupInScope:
    group: Group
    period_days: int
    owner: str
    rules: tuple[str, ...]  # the labels of the rules that matched it
    privileged: bool  # a privileged group: its period is at most the privileged norm

    @property
    def key(self) -> str:
        """What the result subject names: the SID, or the DN of a group without one."""
        return self.group.sid or self.group.dn


@dataclass(frozen=True)
class Scope:
    groups: list[GroupInScope]
    unmatched: list[ScopeRule]  # rules that found no group in the evidence
    #: groups a name rule cannot decide on: their name could not be read
    nameless: list[tuple[Group, ScopeRule]]


def resolve_scope(directory: Directory, rules: Iterable[ScopeRule],
                  privileged_dns: Iterable[str] = (), privileged_period: int | None = None) -> Scope:
    """The groups the rules name, each with its period and owner, in the directory's order."""
    rules = list(rules)
    privileged = {dn.lower() for dn in privileged_dns}
    matched: dict[str, list[ScopeRule]] = {}
    hit: set[int] = set()
    nameless: list[tuple[Group, ScopeRule]] = []
    for group in directory.groups.values():
        for index, rule in enumerate(rules):
            if rule.name and group.name == group.dn:  # the model's stand-in for no name
                nameless.append((group, rule))
                hit.add(index)  # it may be what the rule names: not "matches nothing"
            elif rule.matches(directory, group):
                matched.setdefault(group.dn.lower(), []).append(rule)
                hit.add(index)
    groups = []
    for dn, found in matched.items():
        strictest = min(found, key=lambda r: r.period_days)  # first of equals: policy order
        period = strictest.period_days
        if dn in privileged and privileged_period is not None:
            period = min(period, privileged_period)
        groups.append(GroupInScope(directory.groups[dn], period, strictest.owner,
                                   tuple(r.label for r in found), dn in privileged))
    groups.sort(key=lambda g: g.group.name.lower())
    return Scope(groups, [r for i, r in enumerate(rules) if i not in hit],
                 [(g, r) for g, r in nameless if g.dn.lower() not in matched])
