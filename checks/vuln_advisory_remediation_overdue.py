"""vuln.advisory.remediation_overdue: an advisory that applies to a host is fixed within the
policy's remediation time for its class.

One result per host and advisory (NCSC-NL or vendor CSAF) that names a product the host has:
`fail` when the fix is not installed after the remediation time (publication + the days the
policy gives its class: NCSC Urgent, older High/High, Normal, a vendor severity; a CISA KEV
`dueDate` of one of its CVEs when earlier), `pass` when the fix is installed or the time has not
yet run out, `error` when the advisory does not say what fixes it (see vuln.advisory.undecidable).
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CVE_FIX_MAP

from ._advisories import (
    KINDS,
    REFERENCES,
    Judging,
    describe,
    due_date,
    pair_evidence,
    pairs_with_kev,
    remediation_days,
)
from ._advisory_match import FIXED, OPEN


class Params(CheckParams):
    remediation_days: dict[str, int] = Field(
        default_factory=lambda: {"urgent": 7, "high/high": 7, "normal": 30})
    default_days: int = Field(default=90, ge=0, le=3650)


@check(
    id="vuln.advisory.remediation_overdue",
    title="Advisories that apply to a host are fixed within the remediation time",
    likelihood=4,
    impact=4,
    evidence=[],
    optional_evidence=[*KINDS, FEED_CISA_KEV, FEED_CVE_FIX_MAP],
    each=pairs_with_kev,
    params=Params,
    references=REFERENCES,
    remediation="Install the fix the advisory names (the KB or the fixed version) on the host; "
                "if it cannot be installed in time, apply the advisory's mitigation and record a "
                "time-limited exception with the CISO's approval.",
)
def judge(item: Judging, params: Params) -> Verdict:
    pair, adv, name = item.pair, item.pair.advisory, item.pair.inventory.name
    days, basis = remediation_days(adv.klass, params.remediation_days, params.default_days)
    due, why = due_date(adv, days, basis, item.kev.due)
    today = pair.inventory.collected_at.date()
    evidence = pair_evidence(pair, due=due.isoformat(), due_basis=why)
    head = f"{name}: {describe(adv)}"
    if pair.state == FIXED:
        return ok(f"{head} is fixed: {pair.reason}.", **evidence)
    if pair.state != OPEN:
        return unknown(f"{head} names {', '.join(pair.products)}, but whether it is fixed cannot "
                       f"be decided ({pair.reason}); see vuln.advisory.undecidable.", **evidence)
    if today > due:
        late = (today - due).days
        return fail(f"{head} is not fixed {late} day(s) after its due date {due} ({why}); "
                    f"expected: {pair.expected_fix or 'the fix the advisory names'} on "
                    f"{', '.join(pair.products)}.", **evidence)
    if item.kev.problem:
        return unknown(f"{head} is open and due {due} by its class, but {item.kev.problem}, so "
                       "an earlier KEV due date cannot be ruled out.", **evidence)
    return ok(f"{head} is open but not yet due (due {due}, {why}); expected: "
              f"{pair.expected_fix or 'the fix the advisory names'}.", **evidence)
