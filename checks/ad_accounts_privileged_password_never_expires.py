"""ad.accounts.privileged_password_never_expires: privileged users with "password never expires".

A privileged password that never has to change stays valid after it leaks. One result per
privileged user account (across all privileged groups it is in). Disabled accounts count with a
lower likelihood.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import Domain, ExtraGroups, domains, path_text, privileged, state_note


class Params(ExtraGroups):
    pass


@check(
    id="ad.accounts.privileged_password_never_expires",
    title="Privileged accounts do not have 'password never expires'",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=Params,
    references=["ISO 27002:2022 5.17", "ISO 27002:2022 8.2"],
    remediation=(
        "Clear 'Password never expires' (userAccountControl DONT_EXPIRE_PASSWORD) on privileged "
        "accounts; for service accounts that need it use a gMSA, or register an exception."
    ),
)
def judge(domain: Domain, params: Params) -> Iterator[Verdict]:
    directory = domain.directory
    groups = privileged(domain, params.extra_groups)
    yield from groups.unreadable  # an absent optional group makes no account privileged
    accounts: dict[str, list[str]] = {}
    paths: dict[str, list[str]] = {}
    for group in groups.found:
        for membership, account in directory.account_members(group.group):
            if account is None or account.type != "user":
                continue
            accounts.setdefault(account.dn.lower(), []).append(group.label)
            paths.setdefault(account.dn.lower(), []).append(path_text(membership))
    for key, in_groups in sorted(accounts.items()):
        account = directory.accounts[key]
        subject = subjects.account(account.name)
        evidence = {"account": account.dn, "groups": in_groups, "paths": paths[key],
                    "uac": account.uac}
        never = account.password_never_expires
        if never is None:
            yield unknown(msg("{account}: userAccountControl could not be read.",
                              account=account.name),
                          subject=subject, **evidence)
        elif never:
            state, likelihood = state_note(account, domain)
            yield fail(msg(_NEVER[state], account=account.name, groups=", ".join(in_groups)),
                       subject=subject, likelihood=likelihood, **evidence)
        else:
            yield ok(msg("{account} is privileged and its password expires.",
                         account=account.name), subject=subject, **evidence)
    if not accounts and not groups.unreadable:  # "none" only when every group was read
        yield ok("No user account is in a privileged group.")


#: account state -> the finding
_NEVER = {
    "": N_("{account} is privileged ({groups}) and its password never expires."),
    "disabled": N_("{account} is privileged ({groups}) and its password never expires. The "
                   "account is disabled, so the likelihood is lowered; it can be re-enabled with "
                   "its rights intact."),
    "expired": N_("{account} is privileged ({groups}) and its password never expires. The "
                  "account has expired, so the likelihood is lowered; extending it restores its "
                  "rights."),
}
