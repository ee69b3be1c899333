"""ad.hygiene.krbtgt_password_age: the krbtgt password was changed within the last N days.

Criterion: the account with RID 502 (krbtgt, found by SID, not by name) has a `pwdLastSet` at
most `max_days` (default 180) days before the evidence was collected. Every ticket-granting
ticket is signed with this key, so a stolen one forges tickets (Golden Ticket) until the
password has been changed twice. PingCastle A-Krbtgt scores from 366 days up (1, 2, 3, 4 years);
ANSSI: "krbtgt password unchanged for more than a year". A krbtgt without `pwdLastSet` is an
`error`: AD always sets it. Read-only DC krbtgt_NNNNN accounts are not judged here.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_hygiene import HygieneDomain, by_rid, hygiene_domains, missing_builtin


class Params(CheckParams):
    max_days: int = Field(default=180, ge=1, le=3650)


@check(
    id="ad.hygiene.krbtgt_password_age",
    title="The krbtgt password is changed regularly",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle A-Krbtgt", "MITRE ATT&CK T1558.001", "ANSSI vuln2_krbtgt",
                "BIO2 8.05"],
    remediation=(
        "Reset the krbtgt password twice, with a replication interval between the resets "
        "(Microsoft's New-KrbtgtKeys.ps1), and schedule it at least every 180 days."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Verdict:
    krbtgt = by_rid(hd, 502)
    if krbtgt is None:
        return missing_builtin(hd, 502)
    subject = subjects.account(krbtgt.name)
    age = hd.days_since(krbtgt.pwd_last_set)
    evidence = {"account": krbtgt.dn, "pwd_last_set": krbtgt.pwd_last_set,
                "max_days": params.max_days}
    if age is None:
        return unknown(msg("{account}: pwdLastSet ({pwd_last_set}) is not readable; AD always sets "
                           "it on krbtgt, so its age is unknown.", account=krbtgt.name,
                           pwd_last_set=repr(krbtgt.pwd_last_set)), subject=subject,
                       **evidence)
    if age > params.max_days:
        return fail(msg("The krbtgt password was last set {pwd_last_set}, {age} days before "
                        "collection (norm: at most {max_days}).",
                        pwd_last_set=krbtgt.pwd_last_set[:10], age=age, max_days=params.max_days),
                    subject=subject,
                    age_days=age, **evidence)
    return ok(msg("The krbtgt password was set {age} days before collection (norm: at most "
                  "{max_days}).",
                  age=age, max_days=params.max_days), subject=subject, age_days=age, **evidence)
