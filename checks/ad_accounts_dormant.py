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

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check
from gitc_agent.model.directory import parse_time

from ._ad_accounts import KIND, active, domains, with_source


class Params(CheckParams):
    max_days: int = Field(default=90, ge=1, le=3650)
    lag_days: int = Field(default=14, ge=0, le=60)
    include_computers: bool = False


@check(
    id="ad.accounts.dormant",
    title="Enabled accounts are in use (no dormant accounts)",
    likelihood=3,
    impact=3,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.18", "CIS Controls v8 5.3"],
    remediation=(
        "Disable accounts that have not been used within the period (and delete them after a "
        "grace period), after checking with the owner; automate this with an account lifecycle "
        "process."
    ),
)
def dormant(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        checked = failed = 0
        for account in domain.directory.accounts.values():
            if account.type != "user" and not params.include_computers:
                continue
            subject = f"account:{account.name}"
            state = active(account, domain)
            if state is None:
                yield Outcome(subject, Status.ERROR,
                              f"{account.name}: userAccountControl could not be read, so "
                              f"whether it is enabled is unknown.",
                              with_source(domain, account=account.dn))
                continue
            if not state:
                continue
            checked += 1
            evidence = with_source(domain, account=account.dn, last_logon=account.last_logon,
                                   created=account.created, max_days=params.max_days,
                                   lag_days=params.lag_days)
            if account.last_logon:
                idle = (domain.as_of - parse_time(account.last_logon)).days
                if idle > params.max_days + params.lag_days:
                    failed += 1
                    yield Outcome(subject, Status.FAIL,
                                  f"{account.name} last logged on around "
                                  f"{account.last_logon[:10]} ({idle} days before collection; "
                                  f"allowing {params.lag_days} days of replication lag, more "
                                  f"than {params.max_days} days idle).", evidence)
                continue
            if not account.created:
                yield Outcome(subject, Status.ERROR,
                              f"{account.name} has no recorded logon and its creation time "
                              f"could not be read, so its dormancy is unknown.", evidence)
                continue
            age = (domain.as_of - parse_time(account.created)).days
            if age > params.max_days:
                failed += 1
                yield Outcome(subject, Status.FAIL,
                              f"{account.name} has never logged on and was created "
                              f"{account.created[:10]} ({age} days before collection).",
                              evidence)
        yield Outcome(f"domain:{domain.base}", Status.PASS,
                      f"{checked - failed} of {checked} enabled account(s) logged on within "
                      f"{params.max_days} days (dormant ones are reported one by one).",
                      with_source(domain, checked=checked, dormant=failed))
