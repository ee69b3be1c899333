"""ad.hygiene.passwd_not_required: no enabled account may have an empty password (PASSWD_NOTREQD).

Criterion: an enabled, unexpired user or computer with PASSWD_NOTREQD (0x20) in
`userAccountControl` fails, whatever its current password: the flag lets the password be set
empty regardless of the password policy. PingCastle S-PwdNotRequired (PingCastle counts users;
computers are included here because pre-created computer accounts carry it too; set
`include_computers: false` to leave them out).
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.uac import PASSWORD_NOT_REQUIRED

from ._ad_flags import judge_flag
from ._ad_hygiene import HygieneDomain, hygiene_domains


class Params(CheckParams):
    include_computers: bool = True


@check(
    id="ad.hygiene.passwd_not_required",
    title="No enabled account may have an empty password (PASSWD_NOTREQD)",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-PwdNotRequired", "ANSSI R36", "MITRE ATT&CK T1078.002", "BIO2 5.17"],
    remediation=(
        "Clear the flag (Set-ADAccountControl -PasswordNotRequired $false) and set a password "
        "that meets the policy."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    kinds = ("user", "computer") if params.include_computers else ("user",)
    yield from judge_flag(hd, PASSWORD_NOT_REQUIRED, "PASSWD_NOTREQD", kinds)
