"""ad.hygiene.kerberos_preauth_disabled: every enabled account requires Kerberos pre-authentication.

Criterion: an enabled, unexpired user or computer with DONT_REQ_PREAUTH (0x400000) in
`userAccountControl` fails: anyone can request an AS-REP for it and crack the password offline
(AS-REP roasting). A member of a privileged group (by SID, transitively) is scored at
likelihood 5, impact 5. PingCastle S-NoPreAuth and S-NoPreAuthAdmin.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.uac import DONT_REQUIRE_PREAUTH

from ._ad_accounts import ExtraGroups
from ._ad_flags import judge_flag
from ._ad_hygiene import HygieneDomain, hygiene_domains, privileged_users


class Params(ExtraGroups):
    pass


@check(
    id="ad.hygiene.kerberos_preauth_disabled",
    title="Every account requires Kerberos pre-authentication",
    likelihood=4,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-NoPreAuth", "PingCastle S-NoPreAuthAdmin", "MITRE ATT&CK T1558.004",
                "ANSSI vuln2_kerberos_properties_preauth",
                "ANSSI vuln1_kerberos_properties_preauth_priv", "BIO2 8.05"],
    remediation=(
        "Clear 'Do not require Kerberos preauthentication' on the account "
        "(Set-ADAccountControl -DoesNotRequirePreAuth $false)."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    admins = privileged_users(hd, params.extra_groups)

    def raised(account: Account) -> tuple[str, int, int] | None:
        groups = admins.groups.get(account.dn.lower())
        if not groups:
            return None
        return ", ".join(groups), 5, 5

    yield from admins.problems  # whether an account is privileged is unknown for these groups
    yield from judge_flag(hd, DONT_REQUIRE_PREAUTH, "DONT_REQ_PREAUTH", ("user", "computer"),
                          raised)
