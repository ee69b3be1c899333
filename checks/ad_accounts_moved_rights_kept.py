"""ad.accounts.moved_rights_kept: a person who moved to another department keeps no rights of the
old one.

The policy's `department_groups` (shared: the organisation's own data) ties groups to
departments, by SID, `RID:n`, DN or name pattern. A person whose HR record names a
`previous_department` (the export's department change, with the day `moved_on`) fails when an
enabled account of theirs is still a member — directly, nested or by primary group — of a group
tied to that old department and not to the current one, more than `grace_days` after the move.
One result per moved person who holds such groups or held them; without ties in the policy there
is nothing to test (`not_applicable`); with ties but an export that has no previous-department
column, department changes are unknown (`error`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    Verdict,
    check,
    fail,
    msg,
    not_applicable,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account, Group
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS

from ._ad_accounts import active, membership_issue
from ._hr import REFERENCES, Lifecycle, Person, lifecycle


class DepartmentGroups(CheckParams):
    """Groups whose rights belong to one department."""

    department: str = Field(min_length=1)
    groups: list[str] = Field(min_length=1)  # SID, RID:n, DN or a name pattern (GG-Fin-*)


class Params(CheckParams):
    department_groups: list[DepartmentGroups] = Field(default_factory=list)
    grace_days: int = Field(default=30, ge=0, le=365)


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).casefold()


def _resolve(life: Lifecycle, key: str) -> list[Group]:
    directory = life.domain.directory
    if key.strip().upper().startswith(("S-1-", "RID:")) or "=" in key:
        found = directory.group(key)
        return [found] if found else []
    return [g for g in directory.groups.values()
            if fnmatch.fnmatchcase(g.name.casefold(), key.strip().casefold())]


@check(
    id="ad.accounts.moved_rights_kept",
    title="People who moved to another department keep no rights of the old department",
    likelihood=3,
    impact=3,
    evidence=[HR_PERSONS],
    optional_evidence=[AD_ACCOUNTS],
    each=lifecycle,
    params=Params,
    references=[*REFERENCES, "ISO 27002:2022 5.18 c"],
    remediation=(
        "Remove the groups of the old department from the person's accounts (the new manager "
        "requests what the new job needs), and make a department change trigger a rights review."
    ),
)
def judge(life: Lifecycle, params: Params) -> Iterator[Verdict]:
    if not params.department_groups:
        yield not_applicable(msg("the policy ties no group to a department (department_groups), "
                                 "so there is nothing to test."))
        return
    if "previous_department" not in life.fields:
        yield unknown(msg("the HR export has no previous-department column, so which persons "
                          "moved to another department is unknown."))
        return
    tied: dict[str, tuple[Group, set[str]]] = {}  # group DN -> group, departments
    unsure: set[str] = set()  # departments with a tie that could not be resolved or read
    for rule in params.department_groups:
        for key in rule.groups:
            groups = _resolve(life, key)
            if not groups:
                unsure.add(_norm(rule.department))
                yield unknown(msg("{key} (tied to {department}) matches no group in the evidence, "
                                  "so who holds it was not assessed.", key=key,
                                  department=rule.department), subject=subjects.group(key))
            for group in groups:
                tied.setdefault(group.dn.lower(), (group, set()))[1].add(_norm(rule.department))
    readable: dict[str, tuple[Group, set[str]]] = {}
    for dn, (group, departments) in sorted(tied.items()):
        issue = membership_issue(life.domain.directory, group)
        if issue:
            unsure.update(departments)
            yield unknown(issue.message("membership"), subject=subjects.group(group.sid or dn))
        else:
            readable[dn] = (group, departments)
    owned = life.accounts_of()
    moved = 0
    for key, person in sorted(life.persons.items()):
        if not person.previous_department or \
                _norm(person.previous_department) == _norm(person.department):
            continue
        moved += 1
        yield _moved(life, person, owned.get(key, []), readable, unsure, params)
    if not moved:
        yield ok(msg("no person in the HR export moved to another department."))


def _moved(life: Lifecycle, person: Person, accounts: list[Account],
           readable: dict[str, tuple[Group, set[str]]], unsure: set[str],
           params: Params) -> Verdict:
    old, new = _norm(person.previous_department), _norm(person.department)
    evidence = {"employee_id": person.employee_id, "department": person.department,
                "previous_department": person.previous_department,
                "moved_on": person.moved_on.isoformat() if person.moved_on else None}
    why = life.tainted.get(person.key)
    if why:
        return unknown(msg("{person}: the HR export holds another, rejected record of this "
                           "employee id ({why}), so which department applies is unknown.",
                           person=person.label, why=why), subject=person.subject, **evidence)
    kept: list[str] = []
    for account in accounts:
        state = active(account, life.domain)
        if state is None:
            return unknown(msg("{person} moved from {old} to {new}, but whether {account} is "
                               "enabled could not be read.", person=person.label,
                               old=person.previous_department, new=person.department or "-",
                               account=account.name), subject=person.subject, **evidence)
        if not state:
            continue
        for group, departments in readable.values():
            if old in departments and new not in departments and \
                    account.dn.lower() in life.domain.directory.members(group):
                kept.append(f"{account.name} → {group.name}")
    evidence["kept"] = sorted(kept)
    moved_on = person.moved_on.isoformat() if person.moved_on else "-"
    common = {"person": person.label, "old": person.previous_department,
              "new": person.department or "-", "moved_on": moved_on}
    if not kept and old in unsure:
        return unknown(msg("{person} moved from {old} to {new} on {moved_on}; a group the "
                           "policy ties to {old} could not be found or read, so whether rights "
                           "of {old} were kept is unknown.", **common),
                       subject=person.subject, **evidence)
    if not kept:
        return ok(msg("{person} moved from {old} to {new} on {moved_on} and holds no group tied "
                      "to {old}.", **common), subject=person.subject, **evidence)
    if person.moved_on and person.moved_on + timedelta(days=params.grace_days) >= \
            life.as_of.date():
        return ok(msg("{person} moved from {old} to {new} on {moved_on}, within the {grace} days "
                      "allowed to hand over, and still holds {kept}.", **common,
                      grace=params.grace_days, kept="; ".join(sorted(kept))),
                  subject=person.subject, **evidence)
    return fail(msg("{person} moved from {old} to {new} on {moved_on} and still holds {kept}, "
                    "which the policy ties to {old}.", **common, kept="; ".join(sorted(kept))),
                subject=person.subject, **evidence)
