"""ad.accounts.impersonal_unregistered: enabled impersonal accounts are in the register.

An account that does not belong to one person (service, shared, functional, test) is allowed only
when the process owner justifies it (BIO 9.2.1.2; BIO2 5.16.02: agreed with the CISO): the
policy's register names its owner, justification and how it is monitored. The policy's rules
say what makes an account impersonal. Computer accounts (and gMSAs, which are computer-type
objects with managed passwords) are out of scope.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._ad_accounts import (
    KIND,
    ImpersonalRules,
    RegisteredAccount,
    active,
    domains,
    find_registered,
    is_impersonal,
    with_source,
)


class Params(CheckParams):
    rules: ImpersonalRules = Field(default_factory=ImpersonalRules)
    # `register` in the policy; the Python name avoids BaseModel.register
    register_: list[RegisteredAccount] = Field(default_factory=list, alias="register")


@check(
    id="ad.accounts.impersonal_unregistered",
    title="Impersonal accounts have an owner, a justification and monitoring",
    likelihood=3,
    impact=3,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.16", "CIS Controls v8 5.5"],
    remediation=(
        "Register the account (owner, justification, monitoring) with the process owner's and "
        "CISO's agreement, or disable and remove it; replace shared accounts by personal ones."
    ),
)
def impersonal_unregistered(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        directory = domain.directory
        found = 0
        for account in directory.accounts.values():
            if account.type != "user":
                continue
            state = active(account, domain)
            subject = f"account:{account.name}"
            if state is None:
                yield Outcome(subject, Status.ERROR,
                              f"{account.name}: userAccountControl could not be read, so "
                              f"whether it is enabled is unknown.", with_source(domain,
                                                                               account=account.dn))
                continue
            reasons = is_impersonal(account, params.rules) if state else []
            if not reasons:
                continue
            found += 1
            evidence = with_source(domain, account=account.dn, reasons=reasons,
                                   description=account.description)
            entry = find_registered(directory, params.register_, account)
            if entry is None:
                yield Outcome(subject, Status.FAIL,
                              f"{account.name} is an enabled impersonal account "
                              f"({'; '.join(reasons)}) that is not in the register.", evidence)
            else:
                evidence.update(owner=entry.owner, justification=entry.justification,
                                monitoring=entry.monitoring, reference=entry.reference)
                yield Outcome(subject, Status.PASS,
                              f"{account.name} is registered: owner {entry.owner}, monitored "
                              f"by {entry.monitoring}.", evidence)
        if found == 0:
            yield Outcome(f"domain:{domain.base}", Status.PASS,
                          f"No enabled impersonal user accounts among "
                          f"{len(directory.accounts)} accounts.", with_source(domain))
