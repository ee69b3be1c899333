"""ad.hygiene.kerberoastable_privileged: no privileged account can be Kerberoasted.

Criterion: a user in a privileged group (by SID, transitively, as ad.privileged.unapproved_member)
fails when it has at least one `servicePrincipalName` and its `pwdLastSet` is more than
`max_days` (default 40, as PingCastle P-Kerberoasting) before collection: any domain user can
request a service ticket for it and crack its password offline. Disabled accounts are judged too
(lower likelihood). Managed service accounts (gMSA) are computers, not users, and are not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import ExtraGroups, state_note
from ._ad_hygiene import HygieneDomain, hygiene_domains, privileged_users


class Params(ExtraGroups):
    max_days: int = Field(default=40, ge=0, le=3650)


@check(
    id="ad.hygiene.kerberoastable_privileged",
    title="No privileged account has a service principal name and an old password",
    likelihood=4,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle P-Kerberoasting", "MITRE ATT&CK T1558.003", "ANSSI vuln1_spn_priv",
                "CIS Controls v8 5.4", "BIO2 8.02"],
    remediation=(
        "Remove the SPN from the privileged account (run the service under a gMSA or a "
        "non-privileged account), or give it a password of 25+ random characters changed "
        "regularly."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    admins = privileged_users(hd, params.extra_groups)
    yield from admins.problems
    roastable = 0
    for key, account in sorted(admins.accounts.items()):
        if not account.spn:
            continue
        subject = subjects.account(account.name)
        evidence = {"account": account.dn, "spn_count": account.spn,
                    "groups": admins.groups[key], "pwd_last_set": account.pwd_last_set}
        age = hd.days_since(account.pwd_last_set)
        if age is None:
            yield unknown(msg("{account} is privileged with {spn} SPN(s), and its pwdLastSet "
                              "({pwd_last_set}) is not set or not readable.",
                              account=account.name, spn=account.spn,
                              pwd_last_set=repr(account.pwd_last_set)),
                          subject=subject, **evidence)
            continue
        if age <= params.max_days:
            yield ok(msg("{account} is privileged with {spn} SPN(s); its password is {age} days "
                         "old (norm: at most {max_days}).", account=account.name, spn=account.spn,
                         age=age, max_days=params.max_days), subject=subject, **evidence)
            continue
        roastable += 1
        state, likelihood = state_note(account, hd.domain)
        yield fail(msg(_ROASTABLE[state], account=account.name,
                       groups=", ".join(admins.groups[key]), spn=account.spn, age=age,
                       max_days=params.max_days),
                   subject=subject, likelihood=likelihood, **evidence)
    yield ok(msg("{examined} privileged user account(s) examined; {roastable} Kerberoastable "
                 "(reported one by one).",
                 examined=len(admins.accounts), roastable=roastable), checked=len(admins.accounts),
             flagged=roastable)


#: account state -> the finding
_ROASTABLE = {
    "": N_("{account} is privileged ({groups}), has {spn} service principal name(s) and a "
           "password {age} days old (more than {max_days}): it can be Kerberoasted."),
    "disabled": N_("{account} is privileged ({groups}), has {spn} service principal name(s) and "
                   "a password {age} days old (more than {max_days}): it can be Kerberoasted. The "
                   "account is disabled, so the likelihood is lowered; it can be re-enabled with "
                   "its rights intact."),
    "expired": N_("{account} is privileged ({groups}), has {spn} service principal name(s) and a "
                  "password {age} days old (more than {max_days}): it can be Kerberoasted. The "
                  "account has expired, so the likelihood is lowered; extending it restores its "
                  "rights."),
}
