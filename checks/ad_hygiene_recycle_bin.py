"""ad.hygiene.recycle_bin: the AD Recycle Bin is enabled.

Criterion: `CN=Recycle Bin Feature,CN=Optional Features,CN=Directory Service,CN=Windows NT,
CN=Services` in the configuration partition has `msDS-EnabledFeatureBL` set (the feature is
enabled for at least one partition). Without it a deleted object loses most attributes and its
group memberships, and restoring one needs an authoritative restore from backup. PingCastle
P-RecycleBin.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_domain import domain_value
from ._ad_hygiene import HygieneDomain, hygiene_domains


@check(
    id="ad.hygiene.recycle_bin",
    title="The AD Recycle Bin is enabled",
    likelihood=2,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle P-RecycleBin", "CIS Controls v8 11.1", "BIO2 8.13"],
    remediation="Enable the Recycle Bin (Enable-ADOptionalFeature 'Recycle Bin Feature'); it "
                "needs forest functional level 2008 R2 and cannot be disabled again.",
)
def judge(hd: HygieneDomain, params: CheckParams) -> Verdict:
    enabled, problem = domain_value(hd, "recycle_bin", bool, "hygiene.recycle_bin")
    if problem:
        return unknown(msg("Whether the Recycle Bin is enabled is unknown: {problem}.",
                           problem=problem))
    if not enabled:
        return fail("The AD Recycle Bin is not enabled (msDS-EnabledFeatureBL is empty).",
                    recycle_bin=False)
    return ok("The AD Recycle Bin is enabled.", recycle_bin=True)
