"""ad.accounts.dormant: enabled accounts without a logon for more than N days.

`lastLogonTimestamp` replicates only every 9-14 days, so it can be up to `lag_days` older than the
real last logon: an account is reported only when even the most recent logon it could have had
is more than `max_days` ago. An account that never logged on counts when it was created more than
`max_days` ago. Time is measured to the moment the evidence was collected. Passing accounts are
summarised in one result per domain (there can be tens of thousands).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Status, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.timeutil import parse_time

from ._ad_accounts import Domain, active, domains, unknown_state


class Params(CheckParams):
    max_days: int = Field(default=90, ge=1, le=3650)
    lag_days: int = Field(default=14, ge=0, le=60)
    include_computers: bool = False


@check(
    id="ad.accounts.dormant",
    title="Enabled accounts are in use (no dormant accounts)",
    likelihood=3,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.18", "CIS Controls v8 5.3"],
    remediation=(
        "Disable accounts that have not been used within the period (and delete them after a "
        "grace period), after checking with the owner; automate this with an account lifecycle "
        "process."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    checked = in_use = dormant = 0
    for account in domain.directory.accounts.values():
        if account.type != "user" and not params.include_computers:
            continue
        state = active(account, domain)
        if state is None:
            yield unknown_state(account)
            continue
        if not state:
            continue
        checked += 1
        verdict = _dormancy(account, domain, params)
        if verdict is None:
            in_use += 1
        else:
            dormant += 1 if verdict.status is Status.FAIL else 0
            yield verdict
    yield ok(msg("{in_use} of {checked} enabled account(s) logged on within {max_days} days "
                 "(dormant ones are reported one by one).",
                 in_use=in_use, checked=checked, max_days=params.max_days),
             checked=checked, dormant=dormant)


def _dormancy(account: Account, domain: Domain, params: Params) -> Verdict | None:
    """A fail for a dormant account, an error when its times are unreadable, None when in use."""
    subject = subjects.account(account.name)
    evidence = {"account": account.dn, "last_logon": account.last_logon,
                "created": account.created, "max_days": params.max_days,
                "lag_days": params.lag_days}
    if account.last_logon:
        last_logon = parse_time(account.last_logon)
        if last_logon is None:
            return unknown(msg("{account}: its last logon time {last_logon} could not be read, so "
                               "its dormancy is unknown.", account=account.name,
                               last_logon=repr(account.last_logon)), subject=subject, **evidence)
        idle = (domain.as_of - last_logon).days
        if idle <= params.max_days + params.lag_days:
            return None
        return fail(msg("{account} last logged on around {last_logon} ({idle} days before "
                        "collection; allowing {lag_days} days of replication lag, more than "
                        "{max_days} days idle).",
                        account=account.name, last_logon=account.last_logon[:10], idle=idle,
                        lag_days=params.lag_days, max_days=params.max_days),
                    subject=subject, **evidence)
    created = parse_time(account.created)
    if created is None:
        return unknown(msg("{account} has no recorded logon and its creation time could not be "
                           "read, so its dormancy is unknown.",
                           account=account.name), subject=subject, **evidence)
    age = (domain.as_of - created).days
    if age <= params.max_days:
        return None
    return fail(msg("{account} has never logged on and was created {created} ({age} days before "
                    "collection).",
                    account=account.name, created=account.created[:10], age=age),
                subject=subject, **evidence)
