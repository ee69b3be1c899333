"""ad.hygiene.reversible_encryption: no enabled account stores its password with reversible encryption.

Criterion: an enabled, unexpired user or computer with ENCRYPTED_TEXT_PWD_ALLOWED (0x80) in
`userAccountControl` fails: from its next password change the DC keeps the password in a form
that can be decrypted (anyone who can replicate secrets reads it in clear text). PingCastle
S-Reversible (users) and S-C-Reversible (computers); the domain-wide setting is
ad.password.settings (PingCastle A-ReversiblePwd).
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.uac import ENCRYPTED_TEXT_PASSWORD_ALLOWED

from ._ad_flags import judge_flag
from ._ad_hygiene import HygieneDomain, hygiene_domains


@check(
    id="ad.hygiene.reversible_encryption",
    title="No account stores its password with reversible encryption",
    likelihood=2,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle S-Reversible", "PingCastle S-C-Reversible", "ANSSI vuln3_reversible_password",
                "CIS WS2022 1.1.7",
                "MITRE ATT&CK T1003.006", "BIO2 5.17"],
    remediation=(
        "Clear 'Store password using reversible encryption' on the account and have its "
        "password changed, so that the reversible copy is discarded."
    ),
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    yield from judge_flag(hd, ENCRYPTED_TEXT_PASSWORD_ALLOWED, "ENCRYPTED_TEXT_PWD_ALLOWED",
                          ("user", "computer"))
