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

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY

from ._events import REFERENCES, Events, security_events
from ._events_changes import ticket_for


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
            yield unknown(f"{len(events.creations)} account(s) were created in {events.period}, "
                          f"but no change-ticket export was supplied (events.tickets in the "
                          f"config), so whether they were approved is unknown.",
                          subject=subjects.export("events.tickets"), **events.evidence())
        else:
            yield ok(f"No account was created in {events.period}.", **events.evidence())
        return
    for change in events.creations:
        evidence = events.evidence(account=change.name, sid=change.sid, by=change.by,
                                   at=change.at.isoformat(), host=change.host,
                                   record=change.record)
        what = (f"{change.name} was created on {change.at.isoformat(timespec='minutes')} at "
                f"{change.host}" + (f" by {change.by}" if change.by else ""))
        ticket, unresolved = ticket_for(events, change.at, params.ticket_window_days,
                                        change.name, change.sid, None)
        if ticket is not None:
            yield ok(f"{what}; change ticket {ticket.ticket} was approved "
                     f"{ticket.approved_at.isoformat(timespec='minutes')}.",
                     subject=change.subject, **evidence, ticket=ticket.ticket)
        elif unresolved:
            yield unknown(f"{what}; a ticket names an account that cannot be matched without "
                          f"the AD evidence.", subject=change.subject, **evidence)
        else:
            yield fail(f"{what} without a change ticket approved before it.",
                       subject=change.subject, **evidence)
    if not events.creations:
        yield ok(f"No account was created in {events.period}.", **events.evidence())
