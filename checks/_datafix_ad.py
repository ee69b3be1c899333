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

from gitc_agent.core.check_api import EvidenceSet, Message, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.directory import Directory, Group
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import MessageList, msg_list

GROUP_PART = "group:"  # the collector's error part for one group whose members were not all read
NAME_ATTRIBUTE = "sAMAccountName"  # names in the exports are matched on it
IDENTITY_COLUMNS = ("dn", "sam", "upn", "mail", "employee_id")  # what persons are resolved on


@dataclass
class AdState:
    """The directory (None: none usable) and why persons or groups cannot be resolved (phrases,
    each translated in the sentence it stands in)."""

    directory: Directory | None
    persons_problem: MessageList | None = None
    groups_problem: MessageList | None = None
    incomplete_groups: set[str] = field(default_factory=set)  # lower-cased DNs
    collected: bool = True  # False: no ad.accounts evidence at all (no 'ad:' section)

    def incomplete(self, group: Group) -> bool:
        return group.incomplete or group.dn.lower() in self.incomplete_groups


def ad_state(evidence: EvidenceSet) -> AdState:
    """Read every `ad.accounts` document; any part that cannot be used is named, never ignored."""
    docs = evidence.of_kind(AD_ACCOUNTS)
    if not docs:
        return AdState(None, msg_list([msg(
            "no ad.accounts evidence was collected (no 'ad:' section?), so names in the exports "
            "could not be resolved to persons or AD groups")]), collected=False)
    state = AdState(None)
    persons: list[Message] = []
    groups: list[Message] = []
    for doc in docs:
        target = doc.target
        fatal = [e for e in doc.errors if not str(e.get("part", "")).startswith(GROUP_PART)
                 and e.get("part") != "groups"]
        accounts = doc.data.get("accounts")
        if fatal or not isinstance(accounts, list) or not accounts:  # a domain has accounts
            persons.append(msg("the ad.accounts evidence of {target} could not be read "
                               "({problem})", target=target,
                               problem=_messages(fatal) or msg("no accounts")))
            continue
        columns = doc.data.get("account_columns", IDENTITY_COLUMNS)
        lacking = [c for c in IDENTITY_COLUMNS if not isinstance(columns, list | tuple)
                   or c not in columns]
        if lacking:
            persons.append(msg("the ad.accounts evidence of {target} has no {columns} column "
                               "for its accounts", target=target, columns=", ".join(lacking)))
            continue
        unnamed = (doc.data.get("unreadable") or {}).get(NAME_ATTRIBUTE)
        if unnamed:
            persons.append(msg("the ad.accounts evidence of {target} lacks the {attribute} of "
                               "{count} account(s)", target=target, attribute=NAME_ATTRIBUTE,
                               count=unnamed))
        if doc.error_for("groups") or not isinstance(doc.data.get("groups"), list):
            groups.append(msg("the groups in the ad.accounts evidence of {target} could not be "
                              "read ({problem})", target=target,
                              problem=doc.error_for("groups") or msg("no groups")))
        state.incomplete_groups.update(str(e["part"])[len(GROUP_PART):].lower()
                                       for e in doc.errors
                                       if str(e.get("part", "")).startswith(GROUP_PART))
        directory = _directory(evidence, doc)
        if not isinstance(directory, Directory):
            persons.append(msg("the ad.accounts evidence of {target} is malformed ({problem})",
                               target=target, problem=directory))
            continue
        # an account that cannot be identified may be the one a name in the exports belongs to
        # (a column the datafix checks do not read is no problem here: identity is checked above)
        broken: list[Message | str] = list(directory.table_problem_messages)
        broken += [msg("account {dn}: {why}", dn=dn, why=why)
                   for dn, why in sorted(directory.unjudgeable.items())[:5]]
        if broken:
            persons.append(msg("the ad.accounts evidence of {target} cannot say who is who "
                               "({problems})", target=target, problems=msg_list(broken)))
        if state.directory is None:
            state.directory = directory
    state.persons_problem = msg_list(persons) if persons else None
    state.groups_problem = msg_list(groups) if groups else None
    return state


def _directory(evidence: EvidenceSet, doc: EvidenceDoc) -> Directory | Message | str:
    """The directory of one document (shared with the AD checks), or why it cannot be built:
    the model's own reason (a Message) for evidence that is not the collector's, else the
    exception's text."""
    try:  # the key is the one the AD checks use, so it is built once per evaluation
        return evidence.derived(f"ad.directory:{doc.target}:{doc.collected_at}",
                                lambda: Directory.from_data(doc.data))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        reason = getattr(exc, "message", None)
        return reason if isinstance(reason, Message) else f"{type(exc).__name__}: {exc}"


def _messages(errors: list[dict[str, Any]]) -> str:
    return "; ".join(str(e.get("message", "?")) for e in errors)
