"""ad.hygiene.sid_history: no account carries SID history.

Criterion: a user or computer fails when `sIDHistory` holds any SID. SIDs of this same domain
(a privilege escalation: the account acts as that SID) and SIDs of a domain that is not one of
the trusts in the evidence (nobody can say what they grant) are scored at likelihood 4, impact 5.
Left behind after migrations, SID history gives the old rights (or, planted, any rights).
PingCastle S-SIDHistory, T-SIDHistorySameDomain, T-SIDHistoryUnknownDomain.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import Extra
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_hygiene import HygieneDomain, hygiene_domains


@check(
    id="ad.hygiene.sid_history",
    title="No account carries SID history",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle S-SIDHistory", "PingCastle T-SIDHistorySameDomain",
                "PingCastle T-SIDHistoryUnknownDomain", "ANSSI vuln3_sidhistory_present", "ANSSI R15",
                "MITRE ATT&CK T1134.005", "BIO2 8.02"],
    remediation=(
        "After the migration is complete, clear sIDHistory (Set-ADUser -Remove "
        "@{sIDHistory=...}) and re-grant the rights it stood for explicitly."
    ),
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    problem = hd.hygiene.unreadable(["sIDHistory"])
    if problem:
        yield unknown(msg("sIDHistory is {problem}, so SID history was not assessed.",
                          problem=problem))
        return
    domain_sid = hd.domain.directory.domain_sid
    trusts, _ = hd.hygiene.trusts()
    known = {t.sid for t in trusts or [] if t.sid}
    extras = hd.hygiene.extras
    everyone = hd.accounts()
    checked, flagged = len(everyone), 0
    for account in [a for a in everyone if a.dn not in extras or extras[a.dn].sid_history != ()]:
        extra = hd.extra(account)
        if not isinstance(extra, Extra):
            yield extra
            continue
        if extra.sid_history is None:
            checked -= 1
            yield unknown(msg("{account}: sIDHistory is not in the evidence.",
                              account=account.name),
                          subject=subjects.account(account.name), account=account.dn)
            continue
        flagged += 1
        domains = {sid.rsplit("-", 1)[0] for sid in extra.sid_history}
        strange = sorted(d for d in domains if d != domain_sid and d not in known)
        same = domain_sid in domains
        unknown_domains = bool(strange) and trusts is not None
        raised = same or unknown_domains
        values = {"account": account.name, "count": len(extra.sid_history),
                  **({"domains": ", ".join(strange)} if unknown_domains else {})}
        yield fail(msg(_CARRIES[same, unknown_domains], **values),
                   subject=subjects.account(account.name),
                   likelihood=4 if raised else None, impact=5 if raised else None,
                   account=account.dn, sid_history=list(extra.sid_history))
    yield ok(msg("{passed} of {checked} account(s) carry no SID history.",
                 passed=checked - flagged, checked=checked), checked=checked, flagged=flagged)


#: (SIDs of this same domain, SIDs of domains no trust names) -> the finding
_CARRIES = {
    (False, False): N_("{account} carries {count} SID(s) in sIDHistory."),
    (True, False): N_("{account} carries {count} SID(s) in sIDHistory, among them SIDs of this "
                      "same domain, so the score is raised."),
    (False, True): N_("{account} carries {count} SID(s) in sIDHistory, among them SIDs of "
                      "domain(s) {domains} that no trust in the evidence names, so the score is "
                      "raised."),
    (True, True): N_("{account} carries {count} SID(s) in sIDHistory, among them SIDs of this "
                     "same domain and SIDs of domain(s) {domains} that no trust in the evidence "
                     "names, so the score is raised."),
}
