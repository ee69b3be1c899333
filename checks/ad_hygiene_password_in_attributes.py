"""ad.hygiene.password_in_attributes: no password is written in an account's attributes.

Criterion: an account (user or computer, enabled or not) fails when `userPassword` or
`unixUserPassword` is set (any value: AD does not use them for logon, so a value there is a
password or hash any reader can copy), or when `description` or `info` matches one of the
secret patterns configured in `ad.hygiene.secret_patterns` (defaults such as `pw:`,
`password=`, `wachtwoord`). The collector keeps only which attribute and which pattern id
matched, never the text. `attributes` limits what is judged (e.g. drop `unixUserPassword`, which
is confidential and readable only by administrators); an attribute the bound account may not
have been able to read makes the domain `error`. PingCastle A-UnixPwd (and its userPassword
counterpart).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Message, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import Extra
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import msg_list

from ._ad_hygiene import HygieneDomain, hygiene_domains

Attribute = Literal["userPassword", "unixUserPassword", "description", "info"]


class Params(CheckParams):
    attributes: list[Attribute] = Field(
        default_factory=lambda: ["userPassword", "unixUserPassword", "description", "info"],
        min_length=1)


@check(
    id="ad.hygiene.password_in_attributes",
    title="No password is written in account attributes",
    likelihood=4,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle A-UnixPwd", "MITRE ATT&CK T1552", "ANSSI vuln3_reversible_password",
                "BIO2 5.17"],
    remediation=(
        "Clear the attribute (and the text in description/info), change the account's "
        "password, and keep passwords in the password vault."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    problem = hd.hygiene.unreadable(params.attributes)
    if problem:
        yield unknown(msg("Password-like values in attributes were not assessed: {problem}.",
                          problem=problem),
                      attributes=list(params.attributes))
        return
    patterns = hd.hygiene.part.get("secret_patterns")
    texts = {"description", "info"} & set(params.attributes)
    if texts and (not isinstance(patterns, dict) or not patterns):
        yield unknown("The evidence does not record which secret patterns description and info "
                      "were matched against, so they were not assessed.")
        return
    extras = hd.hygiene.extras
    everyone = hd.accounts()
    checked, flagged = len(everyone), 0
    for account in [a for a in everyone if a.dn not in extras or extras[a.dn].secrets != ()]:
        extra = hd.extra(account)
        if not isinstance(extra, Extra):
            checked -= 1
            yield extra
            continue
        if extra.secrets is None:
            checked -= 1
            yield unknown(msg("{account}: which attributes hold password-like values is not in the "
                              "evidence.",
                              account=account.name), subject=subjects.account(account.name),
                          account=account.dn)
            continue
        found = [s for s in extra.secrets if s.split(":", 1)[0] in params.attributes]
        if found:
            flagged += 1
            yield fail(msg("{account} has a password-like value in {found}.",
                           account=account.name, found=msg_list((_describe(s) for s in found), sep=", ")),
                       subject=subjects.account(account.name), account=account.dn, found=found)
    yield ok(msg("{passed} of {checked} account(s) have no password-like value in {attributes}.",
                 passed=checked - flagged, checked=checked,
                 attributes=", ".join(params.attributes)), checked=checked, flagged=flagged,
             patterns=sorted(patterns) if isinstance(patterns, dict) else [])


def _describe(flag: str) -> Message:
    name, _, pattern = flag.partition(":")
    if pattern:
        return msg("{attribute} (pattern {pattern})", attribute=name, pattern=repr(pattern))
    return msg("{attribute} (set)", attribute=name)
