"""ad.hygiene.builtin_admin_password_age: the built-in Administrator's password is not older than N days.

Criterion: the account with RID 500 (found by SID; it is often renamed) has a `pwdLastSet` at
most `max_days` (default 365) days before collection, whether or not it is enabled (it can be
re-enabled, and it is the break-glass account, so its password must be current and known to the
vault). A `pwdLastSet` of 0 ("must change at next logon") or unreadable is an `error`.
Related: PingCastle P-AdminPwdTooOld (every privileged account, 3 years).
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_hygiene import HygieneDomain, by_rid, hygiene_domains, missing_builtin


class Params(CheckParams):
    max_days: int = Field(default=365, ge=1, le=3650)


@check(
    id="ad.hygiene.builtin_admin_password_age",
    title="The built-in Administrator's password is changed regularly",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-AdminPwdTooOld", "MITRE ATT&CK T1078.002", "CIS Controls v8 5.2",
                "BIO2 5.17"],
    remediation=(
        "Set a new long random password on the built-in Administrator, keep it in the password "
        "vault (break-glass procedure) and change it after every use and at least yearly."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Verdict:
    admin = by_rid(hd, 500)
    if admin is None:
        return missing_builtin(hd, 500)
    subject = subjects.account(admin.name)
    age = hd.days_since(admin.pwd_last_set)
    evidence = {"account": admin.dn, "pwd_last_set": admin.pwd_last_set,
                "max_days": params.max_days}
    if age is None:
        return unknown(msg("{account} (RID 500): pwdLastSet ({pwd_last_set}) is not set or not "
                           "readable, so the password's age is unknown.",
                           account=admin.name, pwd_last_set=repr(admin.pwd_last_set)), subject=subject,
                       **evidence)
    if age > params.max_days:
        return fail(msg("{account} (RID 500): password last set {pwd_last_set}, {age} days before "
                        "collection (norm: at most {max_days}).",
                        account=admin.name, pwd_last_set=admin.pwd_last_set[:10], age=age,
                        max_days=params.max_days),
                    subject=subject, age_days=age, **evidence)
    return ok(msg("{account} (RID 500): password set {age} days before collection.",
                  account=admin.name, age=age),
              subject=subject, age_days=age, **evidence)
