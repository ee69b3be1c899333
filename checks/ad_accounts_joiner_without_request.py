"""ad.accounts.joiner_without_request: every person account created in the period was requested.

Each user account whose `whenCreated` falls within `period_days` before the AD evidence was
collected must match a request in the joiner request export: one that names the account
(sAMAccountName or UPN) or the employee id the account belongs to, approved (with
`require_approval`; else requested) on or before the day of creation plus `after_days`, and at
most `window_days` before it. Impersonal accounts (register or rules) are out of scope unless
`include_impersonal`; their creation is a change (`ad.accounts.created_without_ticket`). A
rejected request row that may name the account makes it `error`, not `fail`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from pydantic import Field

from gitc_agent.core.check_api import (
    EvidenceSet,
    Outcome,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.model import subjects
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS, HR_REQUESTS
from gitc_agent.model.message import msg_list
from gitc_agent.model.timeutil import parse_time

from ._ad_accounts import ImpersonalParams, find_registered, is_impersonal
from ._hr import REFERENCES, Lifecycle, Request, employee_key, lifecycle, rejected_text


class Params(ImpersonalParams):
    period_days: int = Field(default=365, ge=1, le=3660)
    window_days: int = Field(default=90, ge=0, le=366)
    after_days: int = Field(default=0, ge=0, le=30)
    require_approval: bool = True
    include_impersonal: bool = False


def joiners(evidence: EvidenceSet) -> Iterator[Lifecycle | Outcome]:
    """The lifecycle walker with the joiner requests."""
    return lifecycle(evidence, with_requests=True)


@check(
    id="ad.accounts.joiner_without_request",
    title="Every person account created in the period has an approved request",
    likelihood=3,
    impact=3,
    evidence=[HR_REQUESTS, HR_PERSONS],
    optional_evidence=[AD_ACCOUNTS],
    each=joiners,
    params=Params,
    references=REFERENCES,
    remediation=(
        "Find the request behind the account; disable it until the manager's request is "
        "approved, and create accounts only from an approved request that names the account "
        "or the employee id."
    ),
)
def judge(life: Lifecycle, params: Params) -> Iterator[Verdict]:
    directory = life.domain.directory
    since = life.as_of.date() - timedelta(days=params.period_days)
    created_count = 0
    by_name: dict[str, list[Request]] = {}  # indexed once: tens of thousands of joiners
    by_employee: dict[str, list[Request]] = {}
    for request in life.requests or []:
        if request.account:
            by_name.setdefault(request.account.lower(), []).append(request)
        if request.employee:
            by_employee.setdefault(request.employee, []).append(request)
    for account in sorted(directory.accounts.values(), key=lambda a: a.name.lower()):
        if account.type != "user":
            continue
        if not params.include_impersonal and (
                find_registered(directory, params.register_, account)
                or is_impersonal(account, params.rules)):
            continue
        subject = subjects.account(account.name)
        created = parse_time(account.created)
        if created is None:
            yield unknown(msg("{account}: its creation time {created} could not be read, so "
                              "whether it was created in the period is unknown.",
                              account=account.name, created=account.created or "-"),
                          subject=subject, account=account.dn)
            continue
        day = created.date()
        if day <= since:
            continue
        created_count += 1
        employee = life.employee_of(account)
        names = {n.lower() for n in (account.sam, account.upn) if n}
        mine = {id(r): r for r in (*(r for n in sorted(names) for r in by_name.get(n, ())),
                                   *by_employee.get(employee or "", ()))}
        yield _judge_account(life, account, day, params, list(mine.values()))
    if not created_count and life.all_judgeable:  # unclassified accounts: errors already
        yield ok(msg("no person account was created since {since}.", since=since.isoformat()),
                 period_days=params.period_days)


def _judge_account(life: Lifecycle, account: Account, day: date, params: Params,
                   mine: list[Request]) -> Verdict:
    """`mine`: the requests that name the account or its employee id."""
    employee = life.employee_of(account)
    names = {n.lower() for n in (account.sam, account.upn) if n}
    latest = day + timedelta(days=params.after_days)
    earliest = day - timedelta(days=params.window_days)
    evidence = {"account": account.dn, "created": day.isoformat(), "employee_id": employee}
    subject = subjects.account(account.name)
    for request in mine:
        when = _when(request, params)
        if when is not None and earliest <= when <= latest:
            return ok(msg("{account} was created on {day}; request {ticket} of {when} "
                          "covers it.", account=account.name, day=day.isoformat(),
                          ticket=request.ticket, when=when.isoformat()),
                      subject=subject, **evidence, request=request.ticket)
    rejected = [rejected_text(e) for e in life.request_rejected
                if _may_name(e, names, employee)]
    if rejected:
        return unknown(msg("{account} was created on {day}; no valid request names it, and "
                           "rejected request row(s) may be its request ({rows}).",
                           account=account.name, day=day.isoformat(),
                           rows=msg_list(rejected[:3])), subject=subject, **evidence)
    if not mine:
        return fail(msg("{account} was created on {day} and no request names the account or "
                        "its employee id.", account=account.name, day=day.isoformat()),
                    subject=subject, **evidence)
    request = min(mine, key=lambda r: abs((r.requested_at.date() - day).days))
    common = {"account": account.name, "day": day.isoformat(), "ticket": request.ticket}
    evidence["requests"] = [r.ticket for r in mine]
    when = _when(request, params)
    if when is None:
        message = msg("{account} was created on {day}; its request {ticket} is not approved.",
                      **common)
    elif when > latest:
        message = msg("{account} was created on {day}; its request {ticket} was approved on "
                      "{when}, after the creation.", **common, when=when.isoformat())
    else:
        message = msg("{account} was created on {day}; its request {ticket} of {when} is more "
                      "than {window} days older than the account.", **common,
                      when=when.isoformat(), window=params.window_days)
    return fail(message, subject=subject, **evidence)


def _when(request: Request, params: Params) -> date | None:
    if params.require_approval:
        return request.approved_at.date() if request.approved_at else None
    return request.requested_at.date()


def _may_name(entry: dict, names: set[str], employee: str | None) -> bool:
    account = str(entry.get("account") or "").strip().lower()
    emp = str(entry.get("employee_id") or "").strip()
    if not account and not emp:
        return True  # names nobody readable: could be anybody's request
    return account in names or (employee is not None and bool(emp)
                                and employee_key(emp) == employee)
