"""ad.privileged.admincount_orphan: adminCount=1 on accounts no longer in a protected group.

AdminSDHolder stamps members of protected groups with adminCount=1 and disables ACL inheritance
on them; AD does not undo that when the account leaves the group. Such an orphan keeps a
non-standard ACL (delegations on its OU do not apply) and is a sign of a former admin that was
not cleaned up. The built-in Administrator and krbtgt are protected themselves, and always carry
adminCount=1: when they do not, the attribute was unreadable and nothing is assessed.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.directory import PROTECTED_ACCOUNT_RIDS, protected_groups
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import msg_list

from ._ad_accounts import Domain, domains, membership_issue, unidentified_groups


@check(
    id="ad.privileged.admincount_orphan",
    title="adminCount is set only on members of protected groups",
    likelihood=2,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=domains,
    params=CheckParams,
    references=["ISO 27002:2022 8.2", "ISO 27002:2022 5.18"],
    remediation=(
        "Check why the account was privileged, then clear adminCount and re-enable permission "
        "inheritance on the account (dsacls /resetDefaultDACL or the Security tab)."
    ),
)
def judge(domain: Domain, params: CheckParams) -> Iterator[Verdict]:
    directory = domain.directory
    groups = protected_groups(directory)
    missing = [k for k in ("S-1-5-32-544", "RID:512") if directory.group(k) is None]
    if missing:
        yield unknown(msg("protected group(s) {missing} are not in the evidence, so protected "
                          "membership cannot be established.",
                          missing=", ".join(missing)))
        return
    sidless = unidentified_groups(directory)
    if sidless:  # protected groups are found by SID: one of these may be protected
        yield unknown(msg("the objectSid of {sidless} could not be read, so whether they are "
                          "protected groups, and so protected membership, cannot be established.",
                          sidless=sidless))
        return
    issues = [i for i in (membership_issue(directory, g) for g in groups) if i]
    if len(issues) == 1:
        yield unknown(issues[0].message("protected"))
        return
    if issues:  # each reason a phrase of its own, translated with the sentence
        yield unknown(msg("{problems}, so protected membership cannot be established.",
                          problems=msg_list(i.reason() for i in issues)))
        return
    unstamped = [a.name for a in directory.accounts.values()
                 if directory.domain_sid and a.rid in PROTECTED_ACCOUNT_RIDS
                 and a.admin_count is None]
    if unstamped:  # AD always stamps them: without it, adminCount is not readable
        yield unknown(msg("{unstamped} show(s) no adminCount, which AD always sets on the built-in "
                          "Administrator and krbtgt: adminCount was not readable for the bound "
                          "account, so orphans cannot be found.",
                          unstamped=", ".join(unstamped)))
        return
    protected: set[str] = set()
    for group in groups:
        protected.update(directory.members(group))
    orphans = 0
    for key, account in directory.accounts.items():
        if account.admin_count != 1 or key in protected:
            continue
        if directory.domain_sid and account.rid in PROTECTED_ACCOUNT_RIDS:
            continue
        orphans += 1
        yield fail(msg("{account} has adminCount=1 but is in none of the {groups} protected "
                       "groups.", account=account.name, groups=len(groups)),
                   subject=subjects.account(account.name),
                   account=account.dn, enabled=account.enabled)
    stamped = sum(1 for a in directory.accounts.values() if a.admin_count == 1)
    yield ok(msg("{stamped} account(s) carry adminCount=1; {orphans} of them are orphans "
                 "(reported one by one).", stamped=stamped, orphans=orphans), orphans=orphans)
