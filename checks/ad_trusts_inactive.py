"""ad.trusts.inactive: every trust is in use or removed.

Criterion: a trust fails when its trustedDomain object's `whenChanged` is more than `max_days`
(default 60) before collection: the DCs of an active trust change its password every 30 days,
which updates the object, so a trust unchanged for longer is no longer used (the partner is gone)
and is an open door nobody watches. PingCastle T-Inactive (ANSSI: trust passwords unchanged for
more than a year).
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.timeutil import parse_time

from ._ad_trusts import NoTrusts, TrustItem, trusts


class Params(CheckParams):
    max_days: int = Field(default=60, ge=1, le=3650)


@check(
    id="ad.trusts.inactive",
    title="Trusts that are no longer used are removed",
    likelihood=2,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=trusts,
    params=Params,
    references=["PingCastle T-Inactive", "ANSSI vuln2_trusts_accounts", "BIO2 8.20"],
    remediation="Verify the trust with the partner's administrators and remove it when it is no "
                "longer needed.",
)
def judge(item: TrustItem | NoTrusts, params: Params) -> Verdict:
    if isinstance(item, NoTrusts):
        return ok("The domain has no trusts.")
    trust = item.trust
    changed = parse_time(trust.changed)
    if changed is None:
        return unknown(msg("The trust with {partner}: whenChanged ({changed}) is not readable.",
                           partner=trust.partner, changed=repr(trust.changed)))
    age = (item.as_of - changed).days
    evidence = {"changed": trust.changed, "max_days": params.max_days}
    if age > params.max_days:
        return fail(msg("The trust with {partner} was last changed {changed}, {age} days before "
                        "collection (more than {max_days}): it is not in use.",
                        partner=trust.partner, changed=trust.changed[:10], age=age,
                        max_days=params.max_days),
                    **evidence)
    return ok(msg("The trust with {partner} was changed {age} days before collection.",
                  partner=trust.partner, age=age),
              **evidence)
