"""ad.hygiene.privileged_password_age: passwords of privileged accounts are not older than N days.

Criterion: an enabled, unexpired user in a privileged group (by SID, transitively) fails when its
`pwdLastSet` is more than `max_days` (default 365) before collection and the account itself was
created more than `max_days` ago. A pwdLastSet of 0 (must change at next logon) is reported as
not assessed. PingCastle P-AdminPwdTooOld uses 3 years (set `max_days: 1095` to match it);
ANSSI "password_change_priv".
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_accounts import ExtraGroups, active, unknown_state
from ._ad_hygiene import HygieneDomain, hygiene_domains, privileged_users


class Params(ExtraGroups):
    max_days: int = Field(default=365, ge=1, le=3650)


@check(
    id="ad.hygiene.privileged_password_age",
    title="Passwords of privileged accounts are changed regularly",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-AdminPwdTooOld", "ANSSI vuln1_password_change_priv",
                "MITRE ATT&CK T1078.002", "BIO2 5.17"],
    remediation="Change the password of the privileged account, and at least every N days.",
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    admins = privileged_users(hd, params.extra_groups)
    yield from admins.problems
    checked = old = 0
    for key, account in sorted(admins.accounts.items()):
        state = active(account, hd.domain)
        if state is None:
            yield unknown_state(account)
            continue
        if not state:
            continue
        checked += 1
        subject = subjects.account(account.name)
        evidence = {"account": account.dn, "groups": admins.groups[key],
                    "pwd_last_set": account.pwd_last_set, "max_days": params.max_days}
        age = hd.days_since(account.pwd_last_set)
        if age is None:
            yield unknown(msg("{account}: pwdLastSet ({pwd_last_set}) is not set or not readable, "
                              "so the password's age is unknown.",
                              account=account.name, pwd_last_set=repr(account.pwd_last_set)),
                          subject=subject,
                          **evidence)
            continue
        created = hd.days_since(account.created)
        if age > params.max_days and (created is None or created > params.max_days):
            old += 1
            yield fail(msg("{account} is privileged ({groups}) and its password is {age} days old "
                           "(norm: at most {max_days}).",
                           account=account.name, groups=', '.join(admins.groups[key]), age=age,
                           max_days=params.max_days),
                       subject=subject, age_days=age, **evidence)
    yield ok(msg("{passed} of {checked} enabled privileged account(s) have a password at most "
                 "{max_days} days old.",
                 passed=checked - old, checked=checked, max_days=params.max_days),
             checked=checked, flagged=old)
