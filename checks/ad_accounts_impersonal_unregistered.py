"""ad.accounts.impersonal_unregistered: enabled impersonal accounts are in the register.

An account that does not belong to one person (service, shared, functional, test) is allowed only
when the process owner justifies it (BIO 9.2.1.2; BIO2 5.16.02: agreed with the CISO): the
policy's register names its owner, justification and how it is monitored. The policy's rules
say what makes an account impersonal. Computer accounts (and gMSAs, which are computer-type
objects with managed passwords) are out of scope.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import msg_list

from ._ad_accounts import (
    Domain,
    ImpersonalParams,
    active,
    domains,
    find_registered,
    is_impersonal,
    unknown_state,
)

Params = ImpersonalParams


@check(
    id="ad.accounts.impersonal_unregistered",
    title="Impersonal accounts have an owner, a justification and monitoring",
    likelihood=3,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.16", "CIS Controls v8 5.5"],
    remediation=(
        "Register the account (owner, justification, monitoring) with the process owner's and "
        "CISO's agreement, or disable and remove it; replace shared accounts by personal ones."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    directory = domain.directory
    found = 0
    for account in directory.accounts.values():
        if account.type != "user":
            continue
        state = active(account, domain)
        if state is None:
            yield unknown_state(account)
            continue
        reasons = is_impersonal(account, params.rules) if state else []
        if not reasons:
            continue
        found += 1
        subject = subjects.account(account.name)
        evidence = {"account": account.dn, "reasons": [str(r) for r in reasons],
                    "description": account.description}
        entry = find_registered(directory, params.register_, account)
        if entry is None:
            yield fail(msg("{account} is an enabled impersonal account ({reasons}) that is not in "
                           "the register.", account=account.name, reasons=msg_list(reasons)),
                       subject=subject, **evidence)
        else:
            yield ok(msg("{account} is registered: owner {owner}, monitored by {monitoring}.",
                         account=account.name, owner=entry.owner, monitoring=entry.monitoring),
                     subject=subject, **evidence, owner=entry.owner,
                     justification=entry.justification, monitoring=entry.monitoring,
                     reference=entry.reference)
    if found == 0 and not directory.withheld:  # "none" only when every account was judged
        yield ok(msg("No enabled impersonal user accounts among {accounts} accounts.",
                     accounts=len(directory.accounts)))
