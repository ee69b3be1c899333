"""ad.trusts.tgt_delegation: TGTs are not delegated across trusts to other forests.

Criterion: a trust to another forest or domain (not within the forest) that this domain trusts
(outbound or two-way) fails when `trustAttributes` has CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION
(0x800): services with unconstrained delegation in the other forest then receive this domain's
users' TGTs. (Windows has blocked this by default since 2019 unless that flag is set.)
PingCastle T-TGTDelegation.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, not_applicable, ok, unknown
from gitc_agent.model.hygiene import TRUST_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_trusts import NoTrusts, TrustItem, trusts


@check(
    id="ad.trusts.tgt_delegation",
    title="TGTs are not delegated across trusts",
    likelihood=2,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=trusts,
    params=CheckParams,
    references=["PingCastle T-TGTDelegation", "ANSSI vuln3_trusts_tgt_deleg", "MITRE ATT&CK T1558",
                "BIO2 8.20"],
    remediation="Disable TGT delegation over the trust (netdom trust /EnableTGTDelegation:No).",
)
def judge(item: TrustItem | NoTrusts, params: CheckParams) -> Verdict:
    if isinstance(item, NoTrusts):
        return ok("The domain has no trusts.")
    trust = item.trust
    if trust.attributes is None or trust.direction is None:
        return unknown(f"The trust with {trust.partner}: trustAttributes or trustDirection is not "
                       f"readable.")
    evidence = {"attributes": trust.attributes, "kind": item.kind}
    if item.kind == "within the forest" or not item.outbound:
        return not_applicable(f"The trust with {trust.partner} is {item.kind}"
                              f"{'' if item.outbound else ', inbound only'}.", **evidence)
    if trust.attributes & TRUST_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION:
        return fail(f"The {item.kind} trust with {trust.partner} delegates TGTs "
                    f"(CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION set).", **evidence)
    return ok(f"The {item.kind} trust with {trust.partner} does not delegate TGTs.", **evidence)
