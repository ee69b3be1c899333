"""ad.hygiene.constrained_delegation: no constrained delegation with protocol transition or to DCs.

Criterion: an enabled, unexpired account that is not a domain controller fails when
TRUSTED_TO_AUTH_FOR_DELEGATION (0x1000000, "use any authentication protocol": it may obtain a
ticket for any user without that user's password) is in its `userAccountControl` together with
targets in `msDS-AllowedToDelegateTo`, or when any of its `msDS-AllowedToDelegateTo` targets is a
service on a domain controller (the SPN's host is a DC's name). The latter is scored at
likelihood 4, impact 5. Constrained delegation without protocol transition to member servers
passes. PingCastle P-DelegationDCt2a4d (protocol transition to a DC) and P-DelegationDCa2d2.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import Extra
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_
from gitc_agent.model.uac import TRUSTED_TO_AUTH_FOR_DELEGATION

from ._ad_hygiene import HygieneDomain, hygiene_domains, is_domain_controller


@check(
    id="ad.hygiene.constrained_delegation",
    title="No constrained delegation with protocol transition or to domain controllers",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle P-DelegationDCt2a4d", "PingCastle P-DelegationDCa2d2",
                "MITRE ATT&CK T1558", "ANSSI vuln1_delegation_t2a4d",
                "ANSSI vuln1_delegation_a2d2", "BIO2 8.02"],
    remediation=(
        "Remove 'use any authentication protocol' (protocol transition) and delegation targets "
        "on domain controllers; delegate only to the member-server services required."
    ),
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    problem = hd.hygiene.unreadable(["msDS-AllowedToDelegateTo"])
    if problem:
        yield unknown(msg("msDS-AllowedToDelegateTo is {problem}, so constrained delegation was not "
                          "assessed.",
                          problem=problem))
        return
    dc_names = set()
    for account in hd.accounts("computer"):
        if is_domain_controller(account) and account.sam:
            short = account.sam.rstrip("$").lower()
            dc_names |= {short, f"{short}.{_dns(hd)}"}
    accounts, problems = hd.enabled()
    yield from problems
    extras = hd.hygiene.extras
    members = [a for a in accounts if not is_domain_controller(a)]
    checked, flagged = len(members), 0
    for item in [a for a in members if a.dn not in extras or extras[a.dn].delegate_to != ()]:
        extra = hd.extra(item)
        if not isinstance(extra, Extra):
            checked -= 1
            yield extra
            continue
        if extra.delegate_to is None:
            checked -= 1
            yield unknown(msg("{account}: msDS-AllowedToDelegateTo is not in the evidence.",
                              account=item.name),
                          subject=subjects.account(item.name), account=item.dn)
            continue
        transition = bool(item.uac & TRUSTED_TO_AUTH_FOR_DELEGATION)
        to_dc = [t for t in extra.delegate_to if _host(t) in dc_names]
        if not (to_dc or (transition and extra.delegate_to)):
            continue
        flagged += 1
        with_transition = transition and bool(extra.delegate_to)
        values = {"account": item.name,
                  **({"services": len(extra.delegate_to)} if with_transition else {}),
                  **({"dc_services": ", ".join(to_dc)} if to_dc else {})}
        yield fail(msg(_DELEGATION[item.type, with_transition, bool(to_dc)], **values),
                   subject=subjects.account(item.name),
                   likelihood=4 if to_dc else None, impact=5 if to_dc else None,
                   account=item.dn, delegate_to=list(extra.delegate_to),
                   protocol_transition=transition)
    yield ok(msg("{passed} of {checked} enabled account(s) have no constrained delegation with "
                 "protocol transition or to a domain controller.", passed=checked - flagged,
                 checked=checked), checked=checked, flagged=flagged)


#: (account type, protocol transition, delegation to a DC) -> the finding
_DELEGATION = {
    ("user", True, False): N_("{account} (user) has constrained delegation with protocol "
                              "transition to {services} service(s)."),
    ("user", False, True): N_("{account} (user) has constrained delegation with delegation to "
                              "domain controller service(s) {dc_services}."),
    ("user", True, True): N_("{account} (user) has constrained delegation with protocol "
                             "transition to {services} service(s) and delegation to domain "
                             "controller service(s) {dc_services}."),
    ("computer", True, False): N_("{account} (computer) has constrained delegation with protocol "
                                  "transition to {services} service(s)."),
    ("computer", False, True): N_("{account} (computer) has constrained delegation with "
                                  "delegation to domain controller service(s) {dc_services}."),
    ("computer", True, True): N_("{account} (computer) has constrained delegation with protocol "
                                 "transition to {services} service(s) and delegation to domain "
                                 "controller service(s) {dc_services}."),
}


def _host(spn: str) -> str:
    """The host part of an SPN (`cifs/dc1.corp.example:445/corp` -> `dc1.corp.example`)."""
    host = spn.split("/", 2)[1] if "/" in spn else spn
    return host.split(":", 1)[0].lower()


def _dns(hd: HygieneDomain) -> str:
    return ".".join(p.split("=", 1)[1] for p in hd.domain.base.split(",")
                    if p.strip().upper().startswith("DC=")).lower()
