"""ad.hygiene.builtin_admin_recent_logon: the built-in Administrator is not used for daily work.

Criterion: the account with RID 500 fails when it is enabled and its `lastLogonTimestamp` lies
within `days` (default 35, as PingCastle P-AdminLogin) of collection. `lastLogonTimestamp` (not
the per-DC `lastLogon`) is used because it replicates to every DC, so one DC's answer is the
domain's; it lags the real last logon by up to 9-14 days, so a logon it shows within the period
certainly happened, while a recent logon may not show yet (the check then passes, and says so).
Never logged on, or disabled: pass. A scan that binds as the built-in Administrator is itself a
logon that refreshes the timestamp: bind with the dedicated read account.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_hygiene import HygieneDomain, by_rid, hygiene_domains, missing_builtin


class Params(CheckParams):
    days: int = Field(default=35, ge=1, le=3650)


@check(
    id="ad.hygiene.builtin_admin_recent_logon",
    title="The built-in Administrator is not used for daily work",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-AdminLogin", "MITRE ATT&CK T1078.002", "CIS Controls v8 5.4",
                "BIO2 8.02"],
    remediation=(
        "Use personal administrator accounts; keep the built-in Administrator for break-glass "
        "use only (password in the vault), and alert on its logons."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Verdict:
    admin = by_rid(hd, 500)
    if admin is None:
        return missing_builtin(hd, 500)
    subject = subjects.account(admin.name)
    evidence = {"account": admin.dn, "last_logon": admin.last_logon, "days": params.days,
                "enabled": admin.enabled}
    if admin.enabled is None:
        return unknown(msg("{account} (RID 500): userAccountControl is not readable.",
                           account=admin.name),
                       subject=subject, **evidence)
    if not admin.enabled:
        return ok(msg("{account} (RID 500) is disabled.",
                      account=admin.name), subject=subject, **evidence)
    if admin.last_logon is None:
        return ok(msg("{account} (RID 500) has no recorded logon (lastLogonTimestamp not set).",
                      account=admin.name),
                  subject=subject, **evidence)
    idle = hd.days_since(admin.last_logon)
    if idle is None:
        return unknown(msg("{account} (RID 500): lastLogonTimestamp {last_logon} is not readable.",
                           account=admin.name, last_logon=repr(admin.last_logon)),
                       subject=subject, **evidence)
    if idle <= params.days:
        return fail(msg("{account} (RID 500) logged on around {last_logon}, {idle} days before "
                        "collection (within {days} days).",
                        account=admin.name, last_logon=admin.last_logon[:10], idle=idle,
                        days=params.days), subject=subject,
                    **evidence)
    return ok(msg("{account} (RID 500) last logged on {idle} days before collection (more than "
                  "{days}; lastLogonTimestamp lags by up to 14 days).",
                  account=admin.name, idle=idle, days=params.days), subject=subject,
              **evidence)
