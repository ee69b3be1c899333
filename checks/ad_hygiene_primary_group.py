"""ad.hygiene.primary_group: accounts keep their standard primary group.

Criterion: a user fails when its `primaryGroupID` is not in `user_groups` (default 513 Domain
Users, 514 Domain Guests); a computer when it is not in `computer_groups` (default 515 Domain
Computers, 516 Domain Controllers, 521 Read-only Domain Controllers). Membership through
primaryGroupID does not show in the group's `member` list, so it hides privileged membership from
most tools. PingCastle S-PrimaryGroup (users) and S-C-PrimaryGroup (computers).
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.message import N_

from ._ad_hygiene import HygieneDomain, hygiene_domains


class Params(CheckParams):
    user_groups: list[int] = Field(default_factory=lambda: [513, 514], min_length=1)
    computer_groups: list[int] = Field(default_factory=lambda: [515, 516, 521], min_length=1)


@check(
    id="ad.hygiene.primary_group",
    title="Accounts keep their standard primary group",
    likelihood=2,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-PrimaryGroup", "PingCastle S-C-PrimaryGroup",
                "ANSSI vuln3_primary_group_id_nochange", "MITRE ATT&CK T1098"],
    remediation=(
        "Set primaryGroupID back to 513 (users) or 515 (computers) and grant any membership "
        "explicitly through the group's member list."
    ),
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    checked = odd = 0
    for account in hd.accounts():
        allowed = params.user_groups if account.type == "user" else params.computer_groups
        subject = subjects.account(account.name)
        if account.primary_group_id is None:
            yield unknown(msg("{account}: primaryGroupID is not readable.", account=account.name),
                          subject=subject, account=account.dn)
            continue
        checked += 1
        if account.primary_group_id not in allowed:
            odd += 1
            group = hd.domain.directory.group(f"RID:{account.primary_group_id}")
            values = {"account": account.name, "rid": account.primary_group_id,
                      "allowed": ", ".join(map(str, allowed)),
                      **({"group": group.name} if group else {})}
            yield fail(msg(_ODD[account.type, group is not None], **values), subject=subject,
                       account=account.dn, primary_group_id=account.primary_group_id)
    yield ok(msg("{passed} of {checked} account(s) have a standard primary group.",
                 passed=checked - odd, checked=checked), checked=checked, flagged=odd)


#: (account type, the group is in the evidence) -> the finding
_ODD = {
    ("user", True): N_("{account} (user) has primaryGroupID {rid} ({group}), not one of "
                       "{allowed}."),
    ("user", False): N_("{account} (user) has primaryGroupID {rid}, not one of {allowed}."),
    ("computer", True): N_("{account} (computer) has primaryGroupID {rid} ({group}), not one of "
                           "{allowed}."),
    ("computer", False): N_("{account} (computer) has primaryGroupID {rid}, not one of "
                            "{allowed}."),
}
