"""ad.hygiene.machine_account_quota: ordinary users cannot join computers to the domain.

Criterion: the domain object's `ms-DS-MachineAccountQuota` is at most `max_quota` (default 0).
With the default of 10 every authenticated user can create ten computer accounts, which is the
first step of several privilege escalations (resource-based delegation, NoPac). Joining is then
delegated to the accounts that need it. PingCastle S-ADRegistration.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_domain import domain_value
from ._ad_hygiene import HygieneDomain, hygiene_domains


class Params(CheckParams):
    max_quota: int = Field(default=0, ge=0)


@check(
    id="ad.hygiene.machine_account_quota",
    title="Ordinary users cannot join computers to the domain",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-ADRegistration", "MITRE ATT&CK T1136.002",
                "ANSSI vuln4_user_accounts_machineaccountquota", "BIO2 8.02"],
    remediation=(
        "Set ms-DS-MachineAccountQuota to 0 and delegate 'Create computer objects' on the "
        "computers OU to the deployment accounts."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Verdict:
    quota, problem = domain_value(hd, "machine_account_quota", int)
    if problem:
        return unknown(msg("ms-DS-MachineAccountQuota could not be assessed: {problem}.",
                           problem=problem))
    if quota > params.max_quota:
        return fail(msg("ms-DS-MachineAccountQuota is {quota}: every authenticated user can join "
                        "{quota} computer(s) to the domain (norm: at most {max_quota}).",
                        quota=quota, max_quota=params.max_quota),
                    machine_account_quota=quota)
    return ok(msg("ms-DS-MachineAccountQuota is {quota}.",
                  quota=quota), machine_account_quota=quota)
