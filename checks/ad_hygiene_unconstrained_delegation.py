"""ad.hygiene.unconstrained_delegation: only domain controllers have unconstrained delegation.

Criterion: an enabled, unexpired user or computer that is not a domain controller (DC:
SERVER_TRUST_ACCOUNT or PARTIAL_SECRETS_ACCOUNT in userAccountControl, or primaryGroupID
516/521) fails when TRUSTED_FOR_DELEGATION (0x80000) is in its `userAccountControl`: every user
who authenticates to it leaves a forwardable TGT there, which whoever controls the host can
reuse (with the printer bug, a DC's own). PingCastle P-UnconstrainedDelegation.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_
from gitc_agent.model.uac import TRUSTED_FOR_DELEGATION

from ._ad_hygiene import HygieneDomain, hygiene_domains, is_domain_controller


@check(
    id="ad.hygiene.unconstrained_delegation",
    title="Only domain controllers are trusted for unconstrained delegation",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle P-UnconstrainedDelegation", "MITRE ATT&CK T1558",
                "ANSSI vuln2_delegation_t4d", "ANSSI R18", "BIO2 8.02"],
    remediation=(
        "Replace unconstrained delegation by constrained or resource-based constrained "
        "delegation to the services the account really needs."
    ),
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    accounts, problems = hd.enabled()
    yield from problems
    members = [a for a in accounts if not is_domain_controller(a)]
    checked, flagged = len(members), 0
    for item in [a for a in members if a.uac & TRUSTED_FOR_DELEGATION]:
        flagged += 1
        yield fail(msg(_TRUSTED[item.type], account=item.name),
                   subject=subjects.account(item.name), account=item.dn, uac=item.uac)
    yield ok(msg("{passed} of {checked} enabled account(s) other than domain controllers have no "
                 "unconstrained delegation.", passed=checked - flagged, checked=checked),
             checked=checked, flagged=flagged)


_TRUSTED = {
    "user": N_("{account} (user) is not a domain controller and is trusted for unconstrained "
               "delegation."),
    "computer": N_("{account} (computer) is not a domain controller and is trusted for "
                   "unconstrained delegation."),
}
