"""vuln.advisory.undecidable: for every advisory that names a product a host has, something
machine-readable says which version or update fixes it.

When nothing does (no affected range or version to compare, no fixed version, no KB, no row in
the CVE fix map), the host and advisory are an `error`, never a pass: a person must read the
advisory and decide, then record the answer in the fix map. Documents that are not valid CSAF
2.0 and advisory records that cannot be read are errors too: nobody can tell which hosts they
apply to. A pair that can be decided passes here and is judged by
vuln.advisory.remediation_overdue.
"""

from __future__ import annotations

from gitc_agent.core.check_api import Verdict, check, msg, ok, unknown
from gitc_agent.model.kinds import FEED_CVE_FIX_MAP

from ._advisories import KINDS, REFERENCES, describe, host_advisories, pair_evidence
from ._advisory_match import UNDECIDABLE, Pair


@check(
    id="vuln.advisory.undecidable",
    title="Every applicable advisory says machine-readably what fixes it",
    likelihood=3,
    impact=4,
    evidence=[],
    optional_evidence=[*KINDS, FEED_CVE_FIX_MAP],
    each=host_advisories,
    references=REFERENCES,
    remediation="Read the advisory, decide for this host whether it is affected and what fixes "
                "it, and record that as a row in the CVE fix map (kbs / fixed_build, or "
                "not_affected with a reason), so the next run can judge it.",
)
def judge(pair: Pair, params: object) -> Verdict:
    adv, name = pair.advisory, pair.inventory.name
    evidence = pair_evidence(pair)
    if pair.state == UNDECIDABLE:
        return unknown(msg("{host}: {advisory} names {products}, but nothing machine-readable "
                           "says whether it is fixed: {reason}. A person must decide (see the "
                           "advisory) and record it in the CVE fix map.", host=name,
                           advisory=describe(adv), products=pair.installed,
                           reason=pair.reason or ""), **evidence)
    how = pair.expected_fix or pair.reason or ""
    if pair.by_fix_map:
        return ok(msg("{host}: {advisory} can be decided from the CVE fix map ({how}).",
                      host=name, advisory=adv.tracking_id, how=how), **evidence)
    return ok(msg("{host}: {advisory} can be decided from the advisory ({how}).", host=name,
                  advisory=adv.tracking_id, how=how), **evidence)
