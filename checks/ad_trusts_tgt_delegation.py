"""ad.trusts.tgt_delegation: TGTs are not delegated across trusts to other forests.

Criterion: a trust to another forest or domain (not within the forest) that this domain trusts
(outbound or two-way) fails when `trustAttributes` has CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION
(0x800): services with unconstrained delegation in the other forest then receive this domain's
users' TGTs. (Windows has blocked this by default since 2019 unless that flag is set.)
PingCastle T-TGTDelegation.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, not_applicable, ok, unknown
from gitc_agent.model.hygiene import TRUST_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

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
        return unknown(msg("The trust with {partner}: trustAttributes or trustDirection is not "
                           "readable.", partner=trust.partner))
    evidence = {"attributes": trust.attributes, "kind": item.kind}
    if item.kind == "within the forest" or not item.outbound:
        return not_applicable(msg(_NOT_JUDGED[item.kind, item.outbound], partner=trust.partner),
                              **evidence)
    if trust.attributes & TRUST_CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION:
        return fail(msg(_DELEGATES[item.kind], partner=trust.partner), **evidence)
    return ok(msg(_DOES_NOT[item.kind], partner=trust.partner), **evidence)


#: (trust kind, outbound) -> why it is not judged here
_NOT_JUDGED = {
    ("within the forest", True): N_("The trust with {partner} is within the forest."),
    ("within the forest", False): N_("The trust with {partner} is within the forest, inbound "
                                     "only."),
    ("forest", False): N_("The trust with {partner} is forest, inbound only."),
    ("external", False): N_("The trust with {partner} is external, inbound only."),
}
_DELEGATES = {
    "forest": N_("The forest trust with {partner} delegates TGTs "
                 "(CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION set)."),
    "external": N_("The external trust with {partner} delegates TGTs "
                   "(CROSS_ORGANIZATION_ENABLE_TGT_DELEGATION set)."),
}
_DOES_NOT = {
    "forest": N_("The forest trust with {partner} does not delegate TGTs."),
    "external": N_("The external trust with {partner} does not delegate TGTs."),
}
