"""Matching a logged change (group addition, account creation) to its approval or ticket.

Why by SID: the event names the group and the member by SID (names are localised and can be
renamed); the policy names groups by SID, RID or DN and accounts by name, UPN, DN or SID, so the
AD evidence translates. Without it only SIDs and DNs can be compared, and a name that cannot be
translated leaves the change unjudged rather than unapproved.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gitc_agent.core.check_api import Message, msg
from gitc_agent.model.directory import (
    BUILTIN_PRIVILEGED,
    DOMAIN_PRIVILEGED_RIDS,
    privileged_groups,
)

from ._ad_accounts import Approval, unidentified_groups
from ._ad_accounts import privileged as privileged_domain_groups
from ._events import Change, ChangeTicket, Events

UNRESOLVED = "unresolved"


def rid(sid: str) -> int | None:
    head, _, tail = sid.rpartition("-")
    return int(tail) if head.upper().startswith("S-1-5-21-") and tail.isdigit() else None


def group_label(change: Change) -> str:
    sid = change.sid or "?"
    known = BUILTIN_PRIVILEGED.get(sid) or DOMAIN_PRIVILEGED_RIDS.get(rid(sid) or -1)
    return change.name or known or sid


def group_matches(events: Events, key: str, sid: str) -> bool | None:
    """Whether a policy's group key (SID, RID:n, DN) names the group with `sid`; None: unknown."""
    key = key.strip()
    if key.upper().startswith("RID:"):
        domain_sid = events.domain.directory.domain_sid if events.domain else None
        if domain_sid and not sid.startswith(domain_sid.upper() + "-"):
            return False
        return rid(sid) == int(key[4:])
    if key.upper().startswith("S-1-"):
        return key.upper() == sid
    if events.domain is None:
        return None
    group = events.domain.directory.group(key)
    return group is not None and (group.sid or "").upper() == sid


def privileged(events: Events, sid: str, extra: list[str]) -> bool | None:
    """Whether the group is privileged: by its SID or RID, as an extra group of the policy, or
    (with the AD evidence) because it is nested in one, which grants the same rights. None: it
    cannot be told (no AD evidence, the group is not in it, or a privileged group's membership
    could not be read)."""
    if sid in BUILTIN_PRIVILEGED or (rid(sid) in DOMAIN_PRIVILEGED_RIDS):
        return True
    if sid in nested_privileged(events, extra):
        return True
    answers = [group_matches(events, key, sid) for key in extra]
    if any(answers):
        return True
    if None in answers or nesting_unknown(events, extra, sid):
        return None
    return False


def nesting_unknown(events: Events, extra: list[str], sid: str) -> Message | None:
    """Why whether the group is nested in a privileged group cannot be told (a phrase for the
    check's sentence), or None."""
    if events.domain is None:
        return msg("without the AD evidence ({problem})", problem=events.ad_problem)
    directory = events.domain.directory
    if not any((g.sid or "").upper() == sid for g in directory.groups.values()):
        return msg("the group is not in the AD evidence")
    groups = privileged_domain_groups(events.domain, extra)
    if groups.unreadable or unidentified_groups(directory):
        return msg("the membership of the privileged groups could not be read completely")
    return None


def nested_privileged(events: Events, extra: list[str]) -> dict[str, str]:
    """SID of each group nested (transitively) in a privileged group -> that group's name."""
    if events.domain is None:
        return {}
    directory = events.domain.directory
    nearest: dict[str, tuple[int, str]] = {}  # the closest privileged group names the rights
    for entry in privileged_groups(directory, extra):
        if entry.group is None:
            continue
        for key, membership in directory.members(entry.group).items():
            nested = directory.groups.get(key)
            if nested is not None and nested.sid:
                hops = (len(membership.path), entry.group.name)
                nearest[nested.sid.upper()] = min(nearest.get(nested.sid.upper(), hops), hops)
    return {sid: name for sid, (_, name) in nearest.items()}


def grants(events: Events, key: str, sid: str) -> bool | None:
    """Whether an approval for group `key` covers an addition to the group `sid`: the same
    group, or a group nested in it (the addition grants the approved group's rights)."""
    same = group_matches(events, key, sid)
    if same or events.domain is None:
        return same
    group = events.domain.directory.group(key)
    if group is None:
        return same
    directory = events.domain.directory
    return any((directory.groups[k].sid or "").upper() == sid
               for k in directory.members(group) if k in directory.groups)


def account_matches(events: Events, name: str, sid: str | None, dn: str | None,
                    account_name: str | None = None) -> bool | None:
    """Whether a policy's or ticket's account (name, UPN, DN, SID) is the changed one."""
    text = name.strip()
    if text.upper().startswith("S-1-"):
        return sid is not None and text.upper() == sid
    if "=" in text and dn:
        return text.lower() == dn.lower()
    if account_name and text.lower() == account_name.lower():
        return True
    if events.domain is None:
        return None
    found = events.domain.directory.account(text)
    if found is None:
        return False
    return (found.sid or "").upper() == sid if sid else found.name.lower() == (
        account_name or "").lower()


def member_label(events: Events, change: Change) -> str:
    if events.domain is not None and change.member_sid:
        for account in events.domain.directory.accounts.values():
            if (account.sid or "").upper() == change.member_sid:
                return account.name
    return change.member_name or change.member_sid or "?"


def approval_for(events: Events, change: Change, approvals: list[Approval],
                 ) -> tuple[Approval | None, list[Message | str]]:
    """The approval that covers the change on its day; otherwise why the others do not (each a
    phrase, or UNRESOLVED)."""
    day = change.at.date()
    notes: list[Message | str] = []
    for approval in approvals:
        group = grants(events, approval.group, change.sid or "")
        member = account_matches(events, approval.account, change.member_sid, change.member_name)
        if group is None or member is None:
            notes.append(UNRESOLVED)
            continue
        if not (group and member):
            continue
        name = approval.reference or approval.approved_by
        if approval.granted is None:
            notes.append(msg("approval {approval} has no 'granted' date, so it does not show the "
                             "change was approved first", approval=name))
        elif approval.granted > day:
            notes.append(msg("approval {approval} starts {granted}, after the change",
                             approval=name, granted=approval.granted.isoformat()))
        elif approval.until < day:
            notes.append(msg("approval {approval} had expired on {until}", approval=name,
                             until=approval.until.isoformat()))
        else:
            return approval, notes
    return None, notes


def ticket_for(events: Events, at: datetime, window_days: int, account: str | None,
               sid: str | None, dn: str | None, group_sid: str | None = None,
               group_name: str | None = None) -> tuple[ChangeTicket | None, bool]:
    """A ticket approved on or before `at` (within the window) naming the account (and group);
    the second value says whether some ticket could not be resolved."""
    unresolved = False
    for ticket in events.tickets or []:
        if not ticket.approved_at <= at <= ticket.approved_at + timedelta(days=window_days):
            continue
        match = account_matches(events, ticket.account, sid, dn, account)
        if match is None:
            unresolved = True
            continue
        if not match:
            continue
        if ticket.group and group_sid:
            g = group_matches(events, ticket.group, group_sid) if (
                "=" in ticket.group or ticket.group.upper().startswith(("S-1-", "RID:"))) \
                else ticket.group.lower() == (group_name or "").lower()
            if not g:
                unresolved = unresolved or g is None
                continue
        return ticket, unresolved
    return None, unresolved
