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

from gitc_agent.core.check_api import Verdict, check, fail, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

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
            yield unknown(f"{account.name} is privileged with {account.spn} SPN(s), and its "
                          f"pwdLastSet ({account.pwd_last_set!r}) is not set or not readable.",
                          subject=subject, **evidence)
            continue
        if age <= params.max_days:
            yield ok(f"{account.name} is privileged with {account.spn} SPN(s); its password is "
                     f"{age} days old (norm: at most {params.max_days}).", subject=subject,
                     **evidence)
            continue
        roastable += 1
        note, likelihood = state_note(account, hd.domain)
        yield fail(f"{account.name} is privileged ({', '.join(admins.groups[key])}), has "
                   f"{account.spn} service principal name(s) and a password {age} days old "
                   f"(more than {params.max_days}): it can be Kerberoasted." + note,
                   subject=subject, likelihood=likelihood, **evidence)
    yield ok(f"{len(admins.accounts)} privileged user account(s) examined; {roastable} "
             f"Kerberoastable (reported one by one).", checked=len(admins.accounts),
             flagged=roastable)
