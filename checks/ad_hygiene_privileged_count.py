"""ad.hygiene.privileged_count: the number of privileged accounts is kept small.

Criterion: the enabled, unexpired user accounts in any privileged group (by SID, transitively,
each counted once) fail the domain when there are more than `max_count` (default 50), or when
they are more than `max_share` (default 0.10) of all enabled users and the domain has more than
`min_users` (default 100) enabled users. These are PingCastle P-AdminNum's figures (ANSSI R26,
R30).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import ExtraGroups, active
from ._ad_hygiene import HygieneDomain, hygiene_domains, privileged_users


class Params(ExtraGroups):
    max_count: int = Field(default=50, ge=0)
    max_share: float = Field(default=0.10, ge=0, le=1)
    min_users: int = Field(default=100, ge=0)


@check(
    id="ad.hygiene.privileged_count",
    title="The number of privileged accounts is kept small",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-AdminNum", "ANSSI R26", "ANSSI R30",
                "ANSSI vuln1_privileged_members", "CIS Controls v8 5.4",
                "BIO2 8.02"],
    remediation=(
        "Remove privileged rights that are not needed; delegate specific tasks instead of "
        "granting membership of privileged groups."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    admins = privileged_users(hd, params.extra_groups)
    if admins.problems:  # a count of part of the groups is not the count
        yield from admins.problems
        return
    states = {k: active(a, hd.domain) for k, a in admins.accounts.items()}
    unknown_states = [admins.accounts[k].name for k, s in states.items() if s is None]
    enabled_users = hd.enabled("user")[0]
    count = sum(1 for s in states.values() if s)
    share = count / len(enabled_users) if enabled_users else 0.0
    evidence = {"privileged": count, "enabled_users": len(enabled_users),
                "share": round(share, 4), "max_count": params.max_count,
                "max_share": params.max_share, "unknown_state": unknown_states}
    over_count = count > params.max_count
    over_share = len(enabled_users) > params.min_users and share > params.max_share
    unread = bool(unknown_states)
    values = {"count": count, **({"unreadable": len(unknown_states)} if unread else {})}
    worst = count + len(unknown_states)
    if over_count or over_share:
        reasons = {**({"max_count": params.max_count} if over_count else {}),
                   **({"share": f"{share:.1%}", "enabled": len(enabled_users),
                       "max_share": f"{params.max_share:.0%}"} if over_share else {})}
        yield fail(msg(_TOO_MANY[over_count, over_share, unread], **values, **reasons),
                   **evidence)
    elif unread and (worst > params.max_count or (
            len(enabled_users) > params.min_users
            and worst / max(1, len(enabled_users)) > params.max_share)):
        yield unknown(msg("{count} enabled privileged user account(s) ({unreadable} more whose "
                          "state is unreadable were not counted); with those the norm may be "
                          "exceeded, so it was not assessed.", **values), **evidence)
    else:
        yield ok(msg(_WITHIN[unread], **values, share=f"{share:.1%}", enabled=len(enabled_users)),
                 **evidence)


#: (more than max_count, more than max_share, accounts whose state is unreadable) -> the finding
_TOO_MANY = {
    (True, False, False): N_("{count} enabled privileged user account(s): more than {max_count}."),
    (False, True, False): N_("{count} enabled privileged user account(s): {share} of {enabled} "
                             "enabled users, more than {max_share}."),
    (True, True, False): N_("{count} enabled privileged user account(s): more than {max_count}; "
                            "{share} of {enabled} enabled users, more than {max_share}."),
    (True, False, True): N_("{count} enabled privileged user account(s) ({unreadable} more whose "
                            "state is unreadable were not counted): more than {max_count}."),
    (False, True, True): N_("{count} enabled privileged user account(s) ({unreadable} more whose "
                            "state is unreadable were not counted): {share} of {enabled} enabled "
                            "users, more than {max_share}."),
    (True, True, True): N_("{count} enabled privileged user account(s) ({unreadable} more whose "
                           "state is unreadable were not counted): more than {max_count}; {share} "
                           "of {enabled} enabled users, more than {max_share}."),
}
_WITHIN = {
    False: N_("{count} enabled privileged user account(s) ({share} of {enabled} enabled users)."),
    True: N_("{count} enabled privileged user account(s) ({unreadable} more whose state is "
             "unreadable were not counted) ({share} of {enabled} enabled users)."),
}
