"""ad.accounts.no_hr_record: every enabled person account belongs to a person in the HR export.

An enabled user account that is not impersonal (neither in the policy's register nor marked
impersonal by the rules of `ad.accounts.impersonal_unregistered`; computer accounts are out of
scope) fails when its match attribute (default `employeeID`) or the mapping ties it to no person
in the HR export: nobody the organisation knows is accountable for it. When the HR export
rejected a row that names no readable employee id, such an account may be that row's person, so
it is `error` (not assessed) instead. Accounts with a record are summarised in one result.
"""

from __future__ import annotations

from collections.abc import Iterator

from gitc_agent.core.check_api import Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS
from gitc_agent.model.message import msg_list

from ._ad_accounts import (
    ImpersonalParams,
    active,
    find_registered,
    is_impersonal,
    unknown_state,
)
from ._hr import REFERENCES, Lifecycle, lifecycle

Params = ImpersonalParams


@check(
    id="ad.accounts.no_hr_record",
    title="Every enabled person account belongs to a person in the HR export",
    likelihood=3,
    impact=4,
    evidence=[HR_PERSONS],
    optional_evidence=[AD_ACCOUNTS],
    each=lifecycle,
    params=Params,
    references=REFERENCES,
    remediation=(
        "Find the person behind the account: fill in its employeeID (or the mapping) when HR "
        "knows them, register it as an impersonal account when it is one, or disable it."
    ),
)
def judge(life: Lifecycle, params: Params) -> Iterator[Verdict]:
    directory = life.domain.directory
    checked = with_record = 0
    for account in sorted(directory.accounts.values(), key=lambda a: a.name.lower()):
        if account.type != "user":
            continue
        state = active(account, life.domain)
        if state is None:
            yield unknown_state(account)
            continue
        if not state or find_registered(directory, params.register_, account) \
                or is_impersonal(account, params.rules):
            continue
        checked += 1
        employee = life.employee_of(account)
        subject = subjects.account(account.name)
        evidence = {"account": account.dn, "employee_id": employee,
                    "attribute": life.attribute}
        why = life.untrusted(account, employee)
        if why:
            yield unknown(msg("{account}: its HR record or mapping row was rejected ({why}), so "
                              "whether it belongs to a known person is unknown.",
                              account=account.name, why=why), subject=subject, **evidence)
        elif employee and employee in life.persons:
            with_record += 1
        elif life.anonymous:
            yield unknown(msg("{account} matches no person in the HR export, but {count} "
                              "rejected row(s) name no readable employee id ({rows}), so its "
                              "record may be one of them.", account=account.name,
                              count=len(life.anonymous), rows=msg_list(life.anonymous[:3])),
                          subject=subject, **evidence)
        elif employee:
            yield fail(msg("{account} is enabled and its {attribute} {employee} is not in the "
                           "HR export: no known person is accountable for it.",
                           account=account.name, attribute=life.attribute, employee=employee),
                       subject=subject, **evidence)
        else:
            yield fail(msg("{account} is enabled, has no {attribute} and is not in the account "
                           "mapping: no known person is accountable for it.",
                           account=account.name, attribute=life.attribute),
                       subject=subject, **evidence)
    yield ok(msg("{with_record} of {checked} enabled person account(s) belong to a person in "
                 "the HR export (the others are reported one by one).",
                 with_record=with_record, checked=checked), checked=checked)
