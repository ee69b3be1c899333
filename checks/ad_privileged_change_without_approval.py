"""ad.privileged.change_without_approval: every addition to a privileged group was approved first.

The security log records each member added to a security group (4728 global, 4732 local, 4756
universal) with the group's and the member's SID. An addition to a privileged group (the
well-known SIDs and RIDs, plus the policy's `extra_groups`) passes when an approval in the policy
for that member and group was granted on or before that day and had not expired, or when a
change ticket in the ticket export names the member (and the group, if the ticket names one) and
was approved on or before the change, at most `ticket_window_days` earlier (ISO 27002:2022 5.18,
8.15; BIO2 5.18.01). One result per change.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Message, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY
from gitc_agent.model.message import MessageList, msg_list
from gitc_agent.model.sid import group_key

from ._ad_accounts import Approval, ExtraGroups
from ._events import REFERENCES, Change, Events, security_events
from ._events_changes import (
    UNRESOLVED,
    approval_for,
    group_label,
    member_label,
    nested_privileged,
    nesting_unknown,
    privileged,
    ticket_for,
)

Values = dict[str, "Message | str"]  # the group may be a phrase: "G (nested in Domain Admins)"


class Params(ExtraGroups):
    approved: list[Approval] = Field(default_factory=list)
    ticket_window_days: int = Field(default=30, ge=0, le=366)


@check(
    id="ad.privileged.change_without_approval",
    title="Additions to privileged groups were approved before they were made",
    likelihood=3,
    impact=5,
    evidence=[EVENTS_SECURITY],
    optional_evidence=[AD_ACCOUNTS],
    each=security_events("additions", "tickets"),
    params=Params,
    references=[*REFERENCES, "BIO2 5.18.01", "NIST AC-2(7)"],
    remediation=(
        "Find out who added the member and why; remove the membership unless it is approved "
        "now, record the approval (with the date it was granted) or the change ticket, and "
        "alert on 4728/4732/4756 for privileged groups."
    ),
)
def judge(events: Events, params: Params) -> Iterator[Verdict]:
    if "additions" in events.broken:
        return
    extra = [group_key(g) for g in params.extra_groups]
    judged = other = 0
    for change in events.additions:
        is_privileged = privileged(events, change.sid or "", extra)
        if is_privileged is False:
            other += 1
            continue
        judged += 1
        yield _judge(events, change, params, is_privileged is None)
    if judged == 0:
        yield ok(msg("No member was added to a privileged group in {period} ({other} "
                     "addition(s) to other groups).", period=events.period, other=other),
                 **events.evidence(other_additions=other))


def _judge(events: Events, change: Change, params: Params, maybe: bool) -> Verdict:
    name, member = group_label(change), member_label(events, change)
    via = nested_privileged(events, [group_key(g) for g in params.extra_groups]).get(
        change.sid or "")
    group: Message | str = name
    if via and via != name:
        group = msg("{group} (nested in {via})", group=name, via=via)
    evidence = events.evidence(group_sid=change.sid, group=str(group),
                               member_sid=change.member_sid,
                               member=change.member_name, by=change.by, at=change.at.isoformat(),
                               host=change.host, event_id=change.event_id, record=change.record)
    what: Values = {"member": member, "group": group, "at": change.at.isoformat(timespec="minutes"),
                    "host": change.host, **({"by": change.by} if change.by else {})}
    if maybe:
        why = nesting_unknown(events, [group_key(g) for g in params.extra_groups],
                              change.sid or "") or msg("the policy's extra groups cannot be "
                                                       "resolved")
        return unknown(_maybe(what, why), subject=change.subject, **evidence)
    approval, notes = approval_for(events, change, params.approved)
    if approval is not None:
        return ok(_approved(what, approval.approved_by, approval.reference or msg("no ref"),
                            str(approval.granted), str(approval.until)),
                  subject=change.subject, **evidence, approval=approval.reference)
    ticket, unresolved = ticket_for(events, change.at, params.ticket_window_days, member,
                                    change.member_sid, change.member_name, change.sid,
                                    change.name)
    if ticket is not None:
        return ok(_ticket(what, ticket.ticket, ticket.approved_at.isoformat(timespec="minutes")),
                  subject=change.subject, **evidence, ticket=ticket.ticket)
    if "tickets" in events.broken:
        return unknown(_tickets_unread(what), subject=change.subject, **evidence)
    if UNRESOLVED in notes or unresolved:
        return unknown(_unresolved(what), subject=change.subject, **evidence)
    reasons = [n for n in notes if n != UNRESOLVED]
    why = msg_list(reasons) if reasons else msg("none names it")
    return fail(_unapproved(what, why, events.tickets is not None), subject=change.subject,
                **evidence)


# Each sentence twice: with "by NAME" when the event names who made the change, without it when
# it does not (a clause alone cannot be translated).

def _maybe(what: Values, why: Message) -> Message:
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by}; whether {group} is "
                   "privileged (or nested in a privileged group) is unknown: {why}.", why=why,
                   **what)
    return msg("{member} was added to {group} on {at} at {host}; whether {group} is privileged "
               "(or nested in a privileged group) is unknown: {why}.", why=why, **what)


def _approved(what: Values, approver: str, reference: Message | str, granted: str,
              until: str) -> Message:
    values = {"approver": approver, "reference": reference, "granted": granted, "until": until}
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by}; approved by "
                   "{approver} ({reference}, {granted} – {until}).", **values, **what)
    return msg("{member} was added to {group} on {at} at {host}; approved by {approver} "
               "({reference}, {granted} – {until}).", **values, **what)


def _ticket(what: Values, ticket: str, approved: str) -> Message:
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by}; change ticket "
                   "{ticket} was approved {approved}.", ticket=ticket, approved=approved, **what)
    return msg("{member} was added to {group} on {at} at {host}; change ticket {ticket} was "
               "approved {approved}.", ticket=ticket, approved=approved, **what)


def _tickets_unread(what: Values) -> Message:
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by}; no approval covers "
                   "it and the change tickets could not be read.", **what)
    return msg("{member} was added to {group} on {at} at {host}; no approval covers it and the "
               "change tickets could not be read.", **what)


def _unresolved(what: Values) -> Message:
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by}; an approval or "
                   "ticket names the account in a way that cannot be matched without the AD "
                   "evidence.", **what)
    return msg("{member} was added to {group} on {at} at {host}; an approval or ticket names the "
               "account in a way that cannot be matched without the AD evidence.", **what)


def _unapproved(what: Values, why: Message | MessageList, have_tickets: bool) -> Message:
    if "by" in what and have_tickets:
        return msg("{member} was added to {group} on {at} at {host} by {by} without an approval "
                   "that covers that day ({why}); no change ticket matches.", why=why, **what)
    if "by" in what:
        return msg("{member} was added to {group} on {at} at {host} by {by} without an approval "
                   "that covers that day ({why}); no change-ticket export was supplied.",
                   why=why, **what)
    if have_tickets:
        return msg("{member} was added to {group} on {at} at {host} without an approval that "
                   "covers that day ({why}); no change ticket matches.", why=why, **what)
    return msg("{member} was added to {group} on {at} at {host} without an approval that covers "
               "that day ({why}); no change-ticket export was supplied.", why=why, **what)
