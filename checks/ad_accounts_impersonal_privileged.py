"""ad.accounts.impersonal_privileged: impersonal accounts in privileged groups.

No impersonal account may hold privileged rights unless that is justified and agreed: its
register entry must list the group under `privileged_groups`. Disabled accounts count with a
lower likelihood (they can be re-enabled). One result per account and group.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Message, Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account, Membership
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_, msg_list

from ._ad_accounts import (
    Domain,
    ExtraGroups,
    ImpersonalParams,
    Privileged,
    domains,
    find_registered,
    is_impersonal,
    path_text,
    privileged,
    state_note,
)


class Params(ExtraGroups, ImpersonalParams):
    """The privileged groups the policy adds, the impersonal-account rules and the register."""


@check(
    id="ad.accounts.impersonal_privileged",
    title="Impersonal accounts are not in privileged groups without justification",
    likelihood=4,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.16", "ISO 27002:2022 8.2", "CIS Controls v8 5.5"],
    remediation=(
        "Give the service only the rights it needs (delegation instead of a privileged group), "
        "or record the group in the account's register entry (privileged_groups) with the "
        "CISO's agreement."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    groups = privileged(domain, params.extra_groups)
    yield from groups.unreadable  # an absent optional group holds no impersonal account
    found = 0
    for group in groups.found:
        for membership, account in domain.directory.account_members(group.group):
            if account is None or account.type != "user":
                continue
            reasons = is_impersonal(account, params.rules)
            if reasons:
                found += 1
                yield _member(domain, group, membership, account, reasons, params)
    if found == 0 and groups.found and not groups.unreadable:  # "none" only of all groups
        yield ok(msg("No impersonal account is in any of the {groups} privileged groups.",
                     groups=len(groups.found)))


def _member(domain: Domain, group: Privileged, membership: Membership, account: Account,
            reasons: list[Message], params: Params) -> Verdict:
    directory = domain.directory
    subject = subjects.membership(group.subject_key, account.name)
    evidence = {"account": account.dn, "group": group.group.dn, "group_sid": group.group.sid,
                "path": path_text(membership), "reasons": [str(r) for r in reasons]}
    entry = find_registered(directory, params.register_, account)
    if entry is not None and any((g := directory.group(key)) is not None
                                 and g.dn.lower() == group.group.dn.lower()
                                 for key in entry.privileged_groups):
        return ok(msg("{account} is impersonal and in {group}; the register justifies this "
                      "(owner {owner}).", account=account.name, group=group.label,
                      owner=entry.owner),
                  subject=subject, **evidence, owner=entry.owner, justification=entry.justification)
    state, likelihood = state_note(account, domain)
    return fail(msg(_FAIL["unregistered" if entry is None else "other_group", state],
                    account=account.name, reasons=msg_list(reasons), group=group.label,
                    path=path_text(membership)),
                subject=subject, likelihood=likelihood, **evidence)


#: (register, account state) -> the finding
_FAIL = {
    ("unregistered", ""): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is not in the "
        "register."),
    ("unregistered", "disabled"): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is not in the "
        "register. The account is disabled, so the likelihood is lowered; it can be re-enabled "
        "with its rights intact."),
    ("unregistered", "expired"): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is not in the "
        "register. The account has expired, so the likelihood is lowered; extending it restores "
        "its rights."),
    ("other_group", ""): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is registered, "
        "but not for this privileged group."),
    ("other_group", "disabled"): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is registered, "
        "but not for this privileged group. The account is disabled, so the likelihood is "
        "lowered; it can be re-enabled with its rights intact."),
    ("other_group", "expired"): N_(
        "{account} is an impersonal account ({reasons}) in {group} ({path}) and is registered, "
        "but not for this privileged group. The account has expired, so the likelihood is "
        "lowered; extending it restores its rights."),
}
