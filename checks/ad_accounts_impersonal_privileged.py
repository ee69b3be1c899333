"""ad.accounts.impersonal_privileged: impersonal accounts in privileged groups.

No impersonal account may hold privileged rights unless that is justified and agreed: its
register entry must list the group under `privileged_groups`. Disabled accounts count with a
lower likelihood (they can be re-enabled). One result per account and group.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status, check

from ._ad_accounts import (
    KIND,
    ExtraGroups,
    ImpersonalRules,
    RegisteredAccount,
    domains,
    find_registered,
    is_impersonal,
    path_text,
    privileged,
    state_note,
    with_source,
)


class Params(ExtraGroups):
    rules: ImpersonalRules = Field(default_factory=ImpersonalRules)
    # `register` in the policy; the Python name avoids BaseModel.register
    register_: list[RegisteredAccount] = Field(default_factory=list, alias="register")


@check(
    id="ad.accounts.impersonal_privileged",
    title="Impersonal accounts are not in privileged groups without justification",
    likelihood=4,
    impact=5,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.16", "ISO 27002:2022 8.2", "CIS Controls v8 5.5"],
    remediation=(
        "Give the service only the rights it needs (delegation instead of a privileged group), "
        "or record the group in the account's register entry (privileged_groups) with the "
        "CISO's agreement."
    ),
)
def impersonal_privileged(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for domain in domains(evidence):
        if isinstance(domain, Outcome):
            yield domain
            continue
        directory = domain.directory
        found = checked = 0
        for group in privileged(domain, params.extra_groups):
            if isinstance(group, Outcome):
                if group.status is Status.ERROR:
                    yield group
                continue
            checked += 1
            for membership, account in directory.account_members(group.group):
                if account is None or account.type != "user":
                    continue
                reasons = is_impersonal(account, params.rules)
                if not reasons:
                    continue
                found += 1
                subject = f"group:{group.subject_key}/account:{account.name}"
                evidence = with_source(domain, account=account.dn, group=group.group.dn,
                                       group_sid=group.group.sid, path=path_text(membership),
                                       reasons=reasons)
                entry = find_registered(directory, params.register_, account)
                allowed = entry is not None and any(
                    (g := directory.group(key)) is not None
                    and g.dn.lower() == group.group.dn.lower() for key in entry.privileged_groups)
                if allowed and entry is not None:
                    evidence.update(owner=entry.owner, justification=entry.justification)
                    yield Outcome(subject, Status.PASS,
                                  f"{account.name} is impersonal and in {group.label}; the "
                                  f"register justifies this (owner {entry.owner}).", evidence)
                    continue
                note, likelihood = state_note(account, domain)
                why = ("is not in the register" if entry is None
                       else "is registered, but not for this privileged group")
                yield Outcome(subject, Status.FAIL,
                              f"{account.name} is an impersonal account ({'; '.join(reasons)}) in "
                              f"{group.label} ({path_text(membership)}) and {why}." + note,
                              evidence, likelihood=likelihood)
        if found == 0 and checked:
            yield Outcome(f"domain:{domain.base}", Status.PASS,
                          f"No impersonal account is in any of the {checked} privileged groups.",
                          with_source(domain))
