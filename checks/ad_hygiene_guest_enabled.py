"""ad.hygiene.guest_enabled: the built-in Guest account is disabled.

Criterion: the account with RID 501 (found by SID) has ACCOUNTDISABLE (0x2) in
`userAccountControl`. An enabled Guest gives anyone an authenticated session without a password
of their own. PingCastle A-Guest.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_hygiene import HygieneDomain, by_rid, hygiene_domains, missing_builtin


@check(
    id="ad.hygiene.guest_enabled",
    title="The Guest account is disabled",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle A-Guest", "CIS WS2022 2.3.1.2", "MITRE ATT&CK T1078.001",
                "BIO2 8.05"],
    remediation="Disable the built-in Guest account (RID 501).",
)
def judge(hd: HygieneDomain, params: CheckParams) -> Verdict:
    guest = by_rid(hd, 501)
    if guest is None:
        return missing_builtin(hd, 501)
    subject = subjects.account(guest.name)
    if guest.enabled is None:
        return unknown(msg("{account} (RID 501): userAccountControl is not readable.",
                           account=guest.name),
                       subject=subject, account=guest.dn)
    if guest.enabled:
        return fail(msg("{account} (RID 501) is enabled.",
                        account=guest.name), subject=subject, account=guest.dn,
                    uac=guest.uac)
    return ok(msg("{account} (RID 501) is disabled.",
                  account=guest.name), subject=subject, account=guest.dn)
