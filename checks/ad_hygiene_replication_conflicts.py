"""ad.hygiene.replication_conflicts: no replication conflict or duplicate objects.

Criterion: a user, computer or group fails when its DN contains `CNF:` (a replication
conflict object: two DCs created the same name, AD renamed one "name\\0ACNF:<GUID>") or its
sAMAccountName starts with `$DUPLICATE-` (two objects claimed the same sAMAccountName). Such
objects hold rights and memberships that nobody manages, or stand in for the real object.
PingCastle S-Duplicate.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_hygiene import HygieneDomain, hygiene_domains


@check(
    id="ad.hygiene.replication_conflicts",
    title="No replication conflict or duplicate objects",
    likelihood=2,
    impact=3,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle S-Duplicate", "BIO2 8.13"],
    remediation="Find out which of the two objects is the real one, move memberships and rights "
                "to it, and delete the conflict object.",
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    directory = hd.domain.directory
    checked = flagged = 0
    for account in hd.accounts():
        checked += 1
        why = _why(account.dn, account.sam)
        if why:
            flagged += 1
            yield fail(msg(_ACCOUNT[account.type, why], account=account.name),
                       subject=subjects.account(account.name), account=account.dn)
    for group in sorted(directory.groups.values(), key=lambda g: g.dn.lower()):
        checked += 1
        why = _why(group.dn, group.name)
        if why:
            flagged += 1
            yield fail(msg(_GROUP[why], group=group.name),
                       subject=subjects.group(group.sid or group.dn), group=group.dn)
    yield ok(msg("{passed} of {checked} users, computers and groups are neither replication "
                 "conflicts nor duplicates.", passed=checked - flagged, checked=checked),
             checked=checked, flagged=flagged)


def _why(dn: str, name: str | None) -> str | None:
    if "CNF:" in dn.split(",", 1)[0]:
        return "conflict"
    if name and name.upper().startswith("$DUPLICATE-"):
        return "duplicate"
    return None


_ACCOUNT = {
    ("user", "conflict"): N_("{account} (user) is a replication conflict object (CNF: in its "
                             "name)."),
    ("user", "duplicate"): N_("{account} (user) is a duplicate ($DUPLICATE- sAMAccountName)."),
    ("computer", "conflict"): N_("{account} (computer) is a replication conflict object (CNF: in "
                                 "its name)."),
    ("computer", "duplicate"): N_("{account} (computer) is a duplicate ($DUPLICATE- "
                                  "sAMAccountName)."),
}
_GROUP = {
    "conflict": N_("The group {group} is a replication conflict object (CNF: in its name)."),
    "duplicate": N_("The group {group} is a duplicate ($DUPLICATE- sAMAccountName)."),
}
