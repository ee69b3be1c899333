"""ad.hygiene.stale_computers: enabled computer accounts are in use.

Criterion: an enabled, unexpired computer fails when both its `lastLogonTimestamp` is more than
`max_days` (default 90) + `lag_days` (default 14) before collection and its `pwdLastSet` is more
than `max_days` before collection (a computer in use changes its password every 30 days, so an
old pwdLastSet confirms it). `lastLogonTimestamp` is used, not the per-DC `lastLogon`: it
replicates to every DC (so one DC's read is the domain's) but lags by up to 9-14 days, hence
`lag_days`. A computer that never logged on counts from its creation. PingCastle S-C-Inactive
(which grades the share of inactive computers; here each one is a result).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_hygiene import HygieneDomain, hygiene_domains


class Params(CheckParams):
    max_days: int = Field(default=90, ge=1, le=3650)
    lag_days: int = Field(default=14, ge=0, le=60)


@check(
    id="ad.hygiene.stale_computers",
    title="Enabled computer accounts are in use",
    likelihood=2,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-C-Inactive", "ANSSI R45",
                "ANSSI vuln3_password_change_inactive_servers", "CIS Controls v8 1.1",
                "MITRE ATT&CK T1078.002", "BIO2 5.09"],
    remediation="Disable computer accounts that are no longer in use, and delete them after a "
                "grace period.",
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    checked = stale = 0
    computers, problems = hd.enabled("computer")
    yield from problems
    for item in computers:
        subject = subjects.account(item.name)
        evidence = {"account": item.dn, "last_logon": item.last_logon,
                    "pwd_last_set": item.pwd_last_set, "created": item.created}
        idle = hd.days_since(item.last_logon or item.created)
        pwd_age = hd.days_since(item.pwd_last_set or item.created)
        if idle is None or pwd_age is None:
            yield unknown(msg("{account}: its logon, password or creation time is not readable, so "
                              "whether it is in use is unknown.",
                              account=item.name), subject=subject, **evidence)
            continue
        checked += 1
        if idle > params.max_days + params.lag_days and pwd_age > params.max_days:
            stale += 1
            template = (N_("{account}: {idle} days since its last logon and {pwd_age} days since "
                           "its password was set (more than {max_days} days).")
                        if item.last_logon else
                        N_("{account}: {idle} days since its creation (never logged on) and "
                           "{pwd_age} days since its password was set (more than {max_days} "
                           "days)."))
            yield fail(msg(template, account=item.name, idle=idle, pwd_age=pwd_age,
                           max_days=params.max_days), subject=subject, **evidence)
    yield ok(msg("{passed} of {checked} enabled computer(s) are in use.",
                 passed=checked - stale, checked=checked), checked=checked, flagged=stale)
