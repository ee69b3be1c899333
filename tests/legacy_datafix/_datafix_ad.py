"""What the `ad.accounts` evidence can tell the datafix checks: who is which person, and who is in
which group.

Why separate from the exports: person resolution (employeeID across an office and an admin
account) and AD role groups rest on the directory, and a directory that was not collected or
not fully read cannot say that two names are two people, or that someone is not in a group. So
each kind of gap is named here once, and the checks turn it into `error` where they needed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.directory import Directory, Group
from gitc_agent.model.kinds import AD_ACCOUNTS

GROUP_PART = "group:"  # the collector's error part for one group whose members were not all read
NAME_ATTRIBUTE = "sAMAccountName"  # names in the exports are matched on it
IDENTITY_COLUMNS = ("dn", "sam", "upn", "mail", "employee_id")  # what persons are resolved on


@dataclass
class AdState:
    """The directory (None: none usable) and why persons or groups cannot be resolved."""

    directory: Directory | None
    persons_problem: str | None = None
    groups_problem: str | None = None
    incomplete_groups: set[str] = field(default_factory=set)  # lower-cased DNs

    def incomplete(self, group: Group) -> bool:
        return group.incomplete or group.dn.lower() in self.incomplete_groups


def ad_state(evidence: EvidenceSet) -> AdState:
    """Read every `ad.accounts` document; any part that cannot be used is named, never ignored."""
    docs = evidence.of_kind(AD_ACCOUNTS)
    if not docs:
        return AdState(None, "no ad.accounts evidence was collected (no 'ad:' section?), so names "
                             "in the exports could not be resolved to persons or AD groups")
    state = AdState(None)
    persons: list[str] = []
    groups: list[str] = []
    for doc in docs:
        label = f"the ad.accounts evidence of {doc.target}"
        fatal = [e for e in doc.errors if not str(e.get("part", "")).startswith(GROUP_PART)
                 and e.get("part") != "groups"]
        accounts = doc.data.get("accounts")
        if fatal or not isinstance(accounts, list) or not accounts:  # a domain has accounts
            persons.append(f"{label} could not be read ({_messages(fatal) or 'no accounts'})")
            continue
        columns = doc.data.get("account_columns", IDENTITY_COLUMNS)
        lacking = [c for c in IDENTITY_COLUMNS if not isinstance(columns, list | tuple)
                   or c not in columns]
        if lacking:
            persons.append(f"{label} has no {', '.join(lacking)} column for its accounts")
            continue
        unnamed = (doc.data.get("unreadable") or {}).get(NAME_ATTRIBUTE)
        if unnamed:
            persons.append(f"{label} lacks the {NAME_ATTRIBUTE} of {unnamed} account(s)")
        if doc.error_for("groups") or not isinstance(doc.data.get("groups"), list):
            groups.append(f"the groups in {label} could not be read "
                          f"({doc.error_for('groups') or 'no groups'})")
        state.incomplete_groups.update(str(e["part"])[len(GROUP_PART):].lower()
                                       for e in doc.errors
                                       if str(e.get("part", "")).startswith(GROUP_PART))
        directory = _directory(evidence, doc)
        if isinstance(directory, str):
            persons.append(f"{label} is malformed ({directory})")
            continue
        # an account that cannot be identified may be the one a name in the exports belongs to
        # (a column the datafix checks do not read is no problem here: identity is checked above)
        broken = list(directory.table_problems)
        broken += [f"account {dn}: {why}" for dn, why in sorted(directory.unjudgeable.items())[:5]]
        if broken:
            persons.append(f"{label} cannot say who is who ({'; '.join(broken)})")
        if state.directory is None:
            state.directory = directory
    state.persons_problem = "; ".join(persons) or None
    state.groups_problem = "; ".join(groups) or None
    return state


def _directory(evidence: EvidenceSet, doc: EvidenceDoc) -> Directory | str:
    """The directory of one document (shared with the AD checks), or why it cannot be built."""
    try:  # the key is the one the AD checks use, so it is built once per evaluation
        return evidence.derived(f"ad.directory:{doc.target}:{doc.collected_at}",
                                lambda: Directory.from_data(doc.data))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "?")) for e in errors)
