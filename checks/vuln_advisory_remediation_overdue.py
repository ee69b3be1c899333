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

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
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
    evidence = pair_evidence(pair, due=due.isoformat(), due_basis=str(why))
    values = {"host": name, "advisory": describe(adv)}
    if pair.state == FIXED:
        return ok(msg("{host}: {advisory} is fixed: {reason}.", reason=pair.reason or "", **values),
                  **evidence)
    if pair.state != OPEN:
        return unknown(msg("{host}: {advisory} names {products}, but whether it is fixed cannot "
                           "be decided ({reason}); see vuln.advisory.undecidable.",
                           products=pair.installed, reason=pair.reason or "", **values),
                       **evidence)
    values.update(due=due.isoformat(), basis=why)
    if today > due:
        values.update(late=(today - due).days, products=pair.installed)
        if pair.expected_fix:
            return fail(msg("{host}: {advisory} is not fixed {late} day(s) after its due date "
                            "{due} ({basis}); expected: {fix} on {products}.",
                            fix=pair.expected_fix, **values), **evidence)
        return fail(msg("{host}: {advisory} is not fixed {late} day(s) after its due date {due} "
                        "({basis}); expected: the fix the advisory names on {products}.",
                        **values), **evidence)
    if item.kev.problem:
        return unknown(msg("{host}: {advisory} is open and due {due} by its class, but "
                           "{problem}, so an earlier KEV due date cannot be ruled out.",
                           host=name, advisory=values["advisory"], due=due.isoformat(),
                           problem=item.kev.problem), **evidence)
    if pair.expected_fix:
        return ok(msg("{host}: {advisory} is open but not yet due (due {due}, {basis}); "
                      "expected: {fix}.", fix=pair.expected_fix, **values), **evidence)
    return ok(msg("{host}: {advisory} is open but not yet due (due {due}, {basis}); expected: "
                  "the fix the advisory names.", **values), **evidence)
