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

from gitc_agent.core.check_api import Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS

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
    reasons = []
    if count > params.max_count:
        reasons.append(f"more than {params.max_count}")
    if len(enabled_users) > params.min_users and share > params.max_share:
        reasons.append(f"{share:.1%} of {len(enabled_users)} enabled users, more than "
                       f"{params.max_share:.0%}")
    text = f"{count} enabled privileged user account(s)"
    if unknown_states:
        text += f" ({len(unknown_states)} more whose state is unreadable were not counted)"
    worst = count + len(unknown_states)
    if reasons:
        yield fail(f"{text}: {'; '.join(reasons)}.", **evidence)
    elif unknown_states and (worst > params.max_count or (
            len(enabled_users) > params.min_users
            and worst / max(1, len(enabled_users)) > params.max_share)):
        yield unknown(f"{text}; with those the norm may be exceeded, so it was not assessed.",
                      **evidence)
    else:
        yield ok(f"{text} ({share:.1%} of {len(enabled_users)} enabled users).", **evidence)
