"""ad.hygiene.des_only: no enabled account is limited to DES for Kerberos.

Criterion: an enabled, unexpired user or computer fails when USE_DES_KEY_ONLY (0x200000) is in
`userAccountControl`, or when `msDS-SupportedEncryptionTypes` is set and its only encryption
bits are DES (value & 0x1F non-zero and within 0x3: DES-CBC-CRC, DES-CBC-MD5). DES keys are
cracked in hours. An account without msDS-SupportedEncryptionTypes uses the domain's default and
is not DES-only. PingCastle S-DesEnabled.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import ENC_DES_CBC_CRC, ENC_DES_CBC_MD5, Extra, enc_types_text
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_
from gitc_agent.model.uac import USE_DES_KEY_ONLY

from ._ad_hygiene import HygieneDomain, hygiene_domains

_DES = ENC_DES_CBC_CRC | ENC_DES_CBC_MD5
_KNOWN = 0x1F


@check(
    id="ad.hygiene.des_only",
    title="No account is limited to DES encryption for Kerberos",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle S-DesEnabled", "ANSSI vuln2_kerberos_properties_deskey",
                "CIS WS2022 2.3.11.4", "MITRE ATT&CK T1558",
                "BIO2 8.24"],
    remediation=(
        "Clear 'Use Kerberos DES encryption types for this account' and set "
        "msDS-SupportedEncryptionTypes to AES (0x18), then change the account's password."
    ),
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    problem = hd.hygiene.unreadable(["msDS-SupportedEncryptionTypes"])
    if problem:
        yield unknown(msg("msDS-SupportedEncryptionTypes is {problem}, so DES-only accounts were "
                          "not assessed.",
                          problem=problem))
        return
    accounts, problems = hd.enabled()
    yield from problems
    extras = hd.hygiene.extras
    checked, flagged = len(accounts), 0
    for item in [a for a in accounts if a.uac & USE_DES_KEY_ONLY or a.dn not in extras
                 or _des_only(extras[a.dn].enc_types)]:
        extra = hd.extra(item)
        if not isinstance(extra, Extra):
            checked -= 1
            yield extra
            continue
        enc = extra.enc_types
        flag, types = bool(item.uac & USE_DES_KEY_ONLY), _des_only(enc)
        if flag or types:
            flagged += 1
            values = {"account": item.name, **({"types": enc_types_text(enc)} if types else {})}
            yield fail(msg(_DES_ONLY[item.type, flag, types], **values),
                       subject=subjects.account(item.name), account=item.dn, uac=item.uac,
                       enc_types=enc)
    yield ok(msg("{passed} of {checked} enabled account(s) are not limited to DES.",
                 passed=checked - flagged, checked=checked), checked=checked, flagged=flagged)


#: (account type, USE_DES_KEY_ONLY, DES-only encryption types) -> the finding
_DES_ONLY = {
    ("user", True, False): N_("{account} (user) can use only DES: USE_DES_KEY_ONLY is set."),
    ("user", False, True): N_("{account} (user) can use only DES: msDS-SupportedEncryptionTypes "
                              "is {types}."),
    ("user", True, True): N_("{account} (user) can use only DES: USE_DES_KEY_ONLY is set; "
                             "msDS-SupportedEncryptionTypes is {types}."),
    ("computer", True, False): N_("{account} (computer) can use only DES: USE_DES_KEY_ONLY is "
                                  "set."),
    ("computer", False, True): N_("{account} (computer) can use only DES: "
                                  "msDS-SupportedEncryptionTypes is {types}."),
    ("computer", True, True): N_("{account} (computer) can use only DES: USE_DES_KEY_ONLY is set; "
                                 "msDS-SupportedEncryptionTypes is {types}."),
}


def _des_only(enc: int | None) -> bool:
    return enc is not None and bool(enc & _KNOWN) and not enc & _KNOWN & ~_DES
