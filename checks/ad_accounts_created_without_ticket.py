"""ad.accounts.created_without_ticket: every account created in the period has a change ticket.

The security log records each account creation (4720) with the new account's name and SID and
who created it. Each creation must match a ticket in the change-ticket export that names the
account (sAMAccountName, UPN, DN or SID) and was approved on or before the creation, at most
`ticket_window_days` earlier (ISO 27002:2022 5.16, 5.18; BIO2 5.16.01). One result per creation;
without a ticket export the creations are not assessed (`error`).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Message, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY

from ._events import REFERENCES, Events, security_events
from ._events_changes import ticket_for
from ._events_model import Change


class Params(CheckParams):
    ticket_window_days: int = Field(default=30, ge=0, le=366)


@check(
    id="ad.accounts.created_without_ticket",
    title="Every account created in the period has an approved change ticket",
    likelihood=3,
    impact=3,
    evidence=[EVENTS_SECURITY],
    optional_evidence=[AD_ACCOUNTS],
    each=security_events("creations", "tickets"),
    params=Params,
    references=[*REFERENCES, "ISO 27002:2022 5.16", "BIO2 5.16.01"],
    remediation=(
        "Find the request behind the account; disable it until a ticket approves it, and make "
        "account creation go through the ticket process (the ticket id in the description)."
    ),
)
def judge(events: Events, params: Params) -> Iterator[Verdict]:
    if "creations" in events.broken or "tickets" in events.broken:
        return
    if events.tickets is None:
        if events.creations:
            yield unknown(msg("{count} account(s) were created in {period}, but no change-ticket "
                              "export was supplied (events.tickets in the config), so whether "
                              "they were approved is unknown.", count=len(events.creations),
                              period=events.period),
                          subject=subjects.export("events.tickets"), **events.evidence())
        else:
            yield ok(msg("No account was created in {period}.", period=events.period),
                     **events.evidence())
        return
    for change in events.creations:
        evidence = events.evidence(account=change.name, sid=change.sid, by=change.by,
                                   at=change.at.isoformat(), host=change.host,
                                   record=change.record)
        ticket, unresolved = ticket_for(events, change.at, params.ticket_window_days,
                                        change.name, change.sid, None)
        if ticket is not None:
            yield ok(_approved(change, ticket.ticket,
                               ticket.approved_at.isoformat(timespec="minutes")),
                     subject=change.subject, **evidence, ticket=ticket.ticket)
        elif unresolved:
            yield unknown(_unresolved(change), subject=change.subject, **evidence)
        else:
            yield fail(_without(change), subject=change.subject, **evidence)
    if not events.creations:
        yield ok(msg("No account was created in {period}.", period=events.period),
                 **events.evidence())


# Each sentence twice: with "by NAME" when the event names who created the account, without it
# when it does not (a clause alone cannot be translated).

def _what(change: Change) -> dict[str, str]:
    what = {"account": change.name, "at": change.at.isoformat(timespec="minutes"),
            "host": change.host}
    return {**what, "by": change.by} if change.by else what


def _approved(change: Change, ticket: str, approved: str) -> Message:
    if change.by:
        return msg("{account} was created on {at} at {host} by {by}; change ticket {ticket} was "
                   "approved {approved}.", ticket=ticket, approved=approved, **_what(change))
    return msg("{account} was created on {at} at {host}; change ticket {ticket} was approved "
               "{approved}.", ticket=ticket, approved=approved, **_what(change))


def _unresolved(change: Change) -> Message:
    if change.by:
        return msg("{account} was created on {at} at {host} by {by}; a ticket names an account "
                   "that cannot be matched without the AD evidence.", **_what(change))
    return msg("{account} was created on {at} at {host}; a ticket names an account that cannot "
               "be matched without the AD evidence.", **_what(change))


def _without(change: Change) -> Message:
    if change.by:
        return msg("{account} was created on {at} at {host} by {by} without a change ticket "
                   "approved before it.", **_what(change))
    return msg("{account} was created on {at} at {host} without a change ticket approved before "
               "it.", **_what(change))
