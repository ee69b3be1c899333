"""ad.trusts.encryption: trusts are uplevel and use AES.

Criterion: a trust fails when its `trustType` is 1 (downlevel: an NT4-style trust, NTLM only),
or when its `msDS-SupportedEncryptionTypes` has neither AES128 (0x8) nor AES256 (0x10) (not set
means RC4 on Windows before 2025). Both directions are judged: the trust key protects tickets
either way. PingCastle T-Downlevel and T-AlgsAES.
"""

from __future__ import annotations

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.hygiene import ENC_AES128, ENC_AES256, TRUST_TYPE_DOWNLEVEL, enc_types_text
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_trusts import NoTrusts, TrustItem, trusts


@check(
    id="ad.trusts.encryption",
    title="Trusts are uplevel and use AES",
    likelihood=2,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=trusts,
    params=CheckParams,
    references=["PingCastle T-Downlevel", "PingCastle T-AlgsAES", "MITRE ATT&CK T1558",
                "BIO2 8.24"],
    remediation="Recreate downlevel trusts as uplevel (DNS) trusts and enable AES on the trust "
                "(ksetup /setenctypeattr or 'The other domain supports Kerberos AES').",
)
def judge(item: TrustItem | NoTrusts, params: CheckParams) -> Verdict:
    if isinstance(item, NoTrusts):
        return ok("The domain has no trusts.")
    trust = item.trust
    if trust.type is None:
        return unknown(msg("The trust with {partner}: trustType is not readable.",
                           partner=trust.partner))
    evidence = {"type": trust.type, "enc_types": trust.enc_types}
    downlevel = trust.type == TRUST_TYPE_DOWNLEVEL
    no_aes = trust.enc_types is None or not trust.enc_types & (ENC_AES128 | ENC_AES256)
    types = enc_types_text(trust.enc_types)
    if downlevel and no_aes:
        return fail(msg("The trust with {partner}: it is a downlevel (NT4-style) trust; its "
                        "encryption types are {types}: no AES.", partner=trust.partner,
                        types=types), **evidence)
    if downlevel:
        return fail(msg("The trust with {partner}: it is a downlevel (NT4-style) trust.",
                        partner=trust.partner), **evidence)
    if no_aes:
        return fail(msg("The trust with {partner}: its encryption types are {types}: no AES.",
                        partner=trust.partner, types=types), **evidence)
    return ok(msg("The trust with {partner} is uplevel with {types}.", partner=trust.partner,
                  types=types), **evidence)
