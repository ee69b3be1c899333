"""ad.trusts.sid_filtering: SID filtering is on for every trust this domain accepts tickets over.

Criterion: for each trust this domain trusts (trustDirection outbound or two-way): an external
trust fails unless `trustAttributes` has QUARANTINED_DOMAIN (0x4, SID filtering); a forest trust
fails when it has TREAT_AS_EXTERNAL (0x40, SID history accepted from the other forest). Trusts
within the forest are not filtered by design (not applicable); inbound-only trusts are judged in
the partner domain (not applicable). Without filtering an administrator of the other domain can
claim any SID of this one (SID-history injection). PingCastle T-SIDFiltering.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, not_applicable, ok, unknown
from gitc_agent.model.hygiene import TRUST_QUARANTINED_DOMAIN, TRUST_TREAT_AS_EXTERNAL
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_trusts import NoTrusts, TrustItem, trusts


@check(
    id="ad.trusts.sid_filtering",
    title="SID filtering is enabled on trusts",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=trusts,
    params=CheckParams,
    references=["PingCastle T-SIDFiltering", "MITRE ATT&CK T1134.005",
                "ANSSI vuln1_trusts_domain_notfiltered", "ANSSI vuln1_trusts_forest_sidhistory",
                "ANSSI R16",
                "BIO2 8.20"],
    remediation="Enable SID filtering (netdom trust /quarantine:yes for external trusts; "
                "/enablesidhistory:no for forest trusts).",
)
def judge(item: TrustItem | NoTrusts, params: CheckParams) -> Verdict:
    if isinstance(item, NoTrusts):
        return ok("The domain has no trusts.")
    trust = item.trust
    if trust.attributes is None or trust.direction is None:
        return unknown(msg("The trust with {partner}: trustAttributes or trustDirection is not "
                           "readable.",
                           partner=trust.partner))
    evidence = {"attributes": trust.attributes, "direction": trust.direction, "kind": item.kind}
    if item.kind == "within the forest":
        return not_applicable(msg("The trust with {partner} is within the forest; SID filtering "
                                  "does not apply.",
                                  partner=trust.partner), **evidence)
    if not item.outbound:
        return not_applicable(msg("This domain does not trust {partner} (inbound only); the "
                                  "partner's side decides filtering.",
                                  partner=trust.partner), **evidence)
    if item.kind == "external" and not trust.attributes & TRUST_QUARANTINED_DOMAIN:
        return fail(msg("The external trust with {partner} has no SID filtering (QUARANTINED_DOMAIN "
                        "not set).",
                        partner=trust.partner), **evidence)
    if item.kind == "forest" and trust.attributes & TRUST_TREAT_AS_EXTERNAL:
        return fail(msg("The forest trust with {partner} accepts SID history (TREAT_AS_EXTERNAL "
                        "set).",
                        partner=trust.partner), **evidence)
    return ok(msg(_FILTERS[item.kind], partner=trust.partner), **evidence)


_FILTERS = {"forest": N_("The forest trust with {partner} filters SIDs."),
            "external": N_("The external trust with {partner} filters SIDs.")}
