"""ad.hygiene.operators_empty: the operator groups and Schema Admins are empty.

Criterion: Account Operators (S-1-5-32-548), Server Operators (-549), Print Operators (-550) and
Backup Operators (-551), found by SID, have no members (directly, nested or by primaryGroupID);
Schema Admins (RID 518, forest root domain only) has none outside a schema change. One result per
group; each group with members fails and names them. These groups can log on to and take over
domain controllers, and their rights are easily overlooked. PingCastle P-OperatorsEmpty and
P-SchemaAdmin.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, not_applicable, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_accounts import membership_issue
from ._ad_hygiene import HygieneDomain, hygiene_domains

GROUPS = {"S-1-5-32-548": "Account Operators", "S-1-5-32-549": "Server Operators",
          "S-1-5-32-550": "Print Operators", "S-1-5-32-551": "Backup Operators",
          "RID:518": "Schema Admins"}


@check(
    id="ad.hygiene.operators_empty",
    title="Operator groups and Schema Admins have no members",
    likelihood=3,
    impact=5,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=CheckParams,
    references=["PingCastle P-OperatorsEmpty", "PingCastle P-SchemaAdmin", "ANSSI R27", "ANSSI R13",
                "MITRE ATT&CK T1078.002", "BIO2 8.02"],
    remediation="Remove the members; grant the specific rights they need by delegation, and add "
                "Schema Admins members only for the duration of a schema change.",
)
def judge(hd: HygieneDomain, params: CheckParams) -> Iterator[Verdict]:
    directory = hd.domain.directory
    for key, label in GROUPS.items():
        group = directory.group(key)
        sid = (f"{directory.domain_sid}-518" if key.startswith("RID:") and directory.domain_sid
               else key)
        subject = subjects.group(sid)
        if group is None:
            unidentified = [g.dn for g in directory.groups.values() if not g.sid]
            if unidentified:  # any of them could be this group
                yield unknown(msg("{group} ({key}) was not found by SID, and {count} group(s) in "
                                  "the evidence have no SID (e.g. {example}), so it cannot be told "
                                  "apart from them.", group=label, key=key,
                                  count=len(unidentified), example=unidentified[0]),
                              subject=subject)
            elif key == "RID:518" and not directory.domain_sid:
                yield unknown("The domain SID is not in the evidence, so Schema Admins (RID 518) "
                              "cannot be identified.", subject=subject)
            elif key == "RID:518":
                yield not_applicable("Schema Admins is not in this domain; it exists only in the "
                                     "forest root domain.", subject=subject)
            else:
                yield unknown(msg("{group} ({key}) is not in the evidence: every domain has it, so "
                                  "the bound account could not see it.", group=label, key=key),
                              subject=subject)
            continue
        issue = membership_issue(directory, group)
        if issue:
            yield unknown(issue.message("members"), subject=subject)
            continue
        members = sorted(directory.display(k) for k in directory.members(group))
        if len(members) > 20:
            yield fail(msg("{group} has {count} member(s): {members} ...", group=label,
                           count=len(members), members=", ".join(members[:20])),
                       subject=subject, group=group.dn, members=members)
        elif members:
            yield fail(msg("{group} has {count} member(s): {members}.", group=label,
                           count=len(members), members=", ".join(members)),
                       subject=subject, group=group.dn, members=members)
        else:
            yield ok(msg("{group} has no members.", group=label), subject=subject, group=group.dn)
