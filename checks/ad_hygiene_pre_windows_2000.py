"""ad.hygiene.pre_windows_2000: Pre-Windows 2000 Compatible Access has no members.

Criterion: the builtin group S-1-5-32-554 (found by SID) has no members, directly or nested;
each member fails. Its members may read almost every attribute of every user and group (and
with Anonymous or Everyone in it, without logging on): a member Everyone (S-1-1-0) or Anonymous
Logon (S-1-5-7) is scored at likelihood 5, impact 4. Members usually appear as foreign security
principals named by SID. PingCastle A-PreWin2000Anonymous, A-PreWin2000AuthenticatedUsers,
A-PreWin2000Other.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_accounts import membership_issue, path_text
from ._ad_hygiene import HygieneDomain, hygiene_domains

GROUP_SID = "S-1-5-32-554"
_ANONYMOUS = ("S-1-1-0", "S-1-5-7")  # Everyone, Anonymous Logon
_KNOWN = {"S-1-1-0": "Everyone", "S-1-5-7": "Anonymous Logon", "S-1-5-11": "Authenticated Users"}


@check(
    id="ad.hygiene.pre_windows_2000",
    title="Pre-Windows 2000 Compatible Access has no members",
    likelihood=3,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle A-PreWin2000Anonymous", "PingCastle A-PreWin2000AuthenticatedUsers",
                "PingCastle A-PreWin2000Other", "ANSSI vuln2_compatible_2000_anonymous",
                "ANSSI vuln3_compatible_2000_not_default", "MITRE ATT&CK T1087.002",
                "BIO2 8.03"],
    remediation="Remove every member from Pre-Windows 2000 Compatible Access (check first that "
                "no NT4-era application needs it).",
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    directory = hd.domain.directory
    group = directory.group(GROUP_SID)
    subject = subjects.group(GROUP_SID)
    if group is None:
        yield unknown(msg("Pre-Windows 2000 Compatible Access ({sid}) is not in the evidence: "
                          "every domain has it, so the bound account could not see it.",
                          sid=GROUP_SID), subject=subject)
        return
    issue = membership_issue(directory, group)
    if issue:
        yield unknown(issue.message("members"), subject=subject)
        return
    members = sorted(directory.members(group).items())
    for key, membership in members:
        sid = _sid_in(key)
        label = _KNOWN.get(sid or "", directory.display(key))
        anonymous = sid in _ANONYMOUS
        nested = len(membership.path) > 2
        values = {"member": label, **({"path": path_text(membership)} if nested else {})}
        yield fail(msg(_MEMBER[nested, anonymous], **values),
                   subject=subjects.membership(GROUP_SID, label),
                   likelihood=5 if anonymous else None, impact=4 if anonymous else None,
                   member=key, group=group.dn)
    if not members:
        yield ok("Pre-Windows 2000 Compatible Access has no members.", subject=subject,
                 group=group.dn)


def _sid_in(dn_lower: str) -> str | None:
    """The SID a foreign security principal's DN names (`cn=s-1-5-11,cn=foreignsecurity...`)."""
    first = dn_lower.split(",", 1)[0]
    value = first.split("=", 1)[1] if "=" in first else ""
    return value.upper() if value.upper().startswith("S-1-") else None


#: (nested, Everyone or Anonymous Logon) -> the finding
_MEMBER = {
    (False, False): N_("{member} is a member of Pre-Windows 2000 Compatible Access."),
    (True, False): N_("{member} is a member of Pre-Windows 2000 Compatible Access ({path})."),
    (False, True): N_("{member} is a member of Pre-Windows 2000 Compatible Access: anyone can "
                      "read the directory without logging on."),
    (True, True): N_("{member} is a member of Pre-Windows 2000 Compatible Access ({path}): anyone "
                     "can read the directory without logging on."),
}
