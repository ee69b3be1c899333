"""ad.hygiene.privileged_delegation_protection: privileged accounts cannot be delegated.

Criterion: an enabled, unexpired user in a privileged group (by SID, transitively) fails unless
NOT_DELEGATED (0x100000, "Account is sensitive and cannot be delegated") is in its
`userAccountControl` or it is a member (transitively) of Protected Users (RID 525), either of
which stops a service with delegation from impersonating it. PingCastle P-Delegated (and
P-ProtectedUsers for the group). When Protected Users is not in the evidence, only the flag counts
and the message says so.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_
from gitc_agent.model.uac import NOT_DELEGATED

from ._ad_accounts import ExtraGroups, active, membership_issue, unknown_state
from ._ad_hygiene import PROTECTED_USERS_RID, HygieneDomain, hygiene_domains, privileged_users


class Params(ExtraGroups):
    pass


@check(
    id="ad.hygiene.privileged_delegation_protection",
    title="Privileged accounts are protected against delegation",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-Delegated", "PingCastle P-ProtectedUsers", "MITRE ATT&CK T1558",
                "BIO2 8.02"],
    remediation=(
        "Add the privileged account to Protected Users, or set 'Account is sensitive and cannot "
        "be delegated' on it."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    directory = hd.domain.directory
    admins = privileged_users(hd, params.extra_groups)
    yield from admins.problems
    protected_group = directory.group(f"RID:{PROTECTED_USERS_RID}")
    issue = membership_issue(directory, protected_group) if protected_group else None
    if issue:
        yield unknown(issue.message("protection"))
        return
    protected = set(directory.members(protected_group)) if protected_group else set()
    present = protected_group is not None
    checked = exposed = 0
    for key, account in sorted(admins.accounts.items()):
        state = active(account, hd.domain)
        if state is None:
            yield unknown_state(account)
            continue
        if not state:
            continue
        if account.uac is None:
            yield unknown(msg("{account}: userAccountControl is not readable.", account=account.name),
                          subject=subjects.account(account.name), account=account.dn)
            continue
        checked += 1
        if account.uac & NOT_DELEGATED or key in protected:
            continue
        exposed += 1
        yield fail(msg(_EXPOSED[present], account=account.name,
                       groups=", ".join(admins.groups[key])),
                   subject=subjects.account(account.name), account=account.dn,
                   groups=admins.groups[key])
    yield ok(msg(_PROTECTED[present], passed=checked - exposed, checked=checked),
             checked=checked, flagged=exposed)


#: Protected Users is in the domain -> the sentence
_EXPOSED = {
    True: N_("{account} is privileged ({groups}) but neither 'sensitive and cannot be delegated' "
             "nor in Protected Users."),
    False: N_("{account} is privileged ({groups}) but neither 'sensitive and cannot be "
              "delegated' nor in Protected Users (Protected Users is not in this domain)."),
}
_PROTECTED = {
    True: N_("{passed} of {checked} enabled privileged account(s) are protected against "
             "delegation."),
    False: N_("{passed} of {checked} enabled privileged account(s) are protected against "
              "delegation (Protected Users is not in this domain)."),
}
