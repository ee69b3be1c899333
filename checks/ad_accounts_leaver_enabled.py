"""ad.accounts.leaver_enabled: people who left have no enabled account and did not use one after
their last day.

A person in the HR export whose end date plus `grace_days` has passed (at the moment the AD
evidence was collected) fails when any of their accounts — the office account and the adm-
account are one person — is still enabled, or when `lastLogonTimestamp` shows a logon after the
end date. That attribute is only written when the previous value is 9-14 days old, so it can be
up to `lag_days` behind the real last logon: a value after the end date proves use after leaving,
while a value shortly before it cannot rule it out (the passing message says so). One result per
leaver (the population); persons still employed are not subjects.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.directory import Account
from gitc_agent.model.kinds import AD_ACCOUNTS, HR_PERSONS
from gitc_agent.model.message import msg_list
from gitc_agent.model.timeutil import parse_time

from ._ad_accounts import active
from ._hr import REFERENCES, Lifecycle, Person, lifecycle


class Params(CheckParams):
    grace_days: int = Field(default=5, ge=0, le=90)
    lag_days: int = Field(default=14, ge=0, le=60)


@check(
    id="ad.accounts.leaver_enabled",
    title="Leavers have no enabled account and did not use one after leaving",
    likelihood=4,
    impact=4,
    evidence=[HR_PERSONS],
    optional_evidence=[AD_ACCOUNTS],
    each=lifecycle,
    params=Params,
    references=[*REFERENCES, "BIO 9.2.6.1"],
    remediation=(
        "Disable every account of the leaver now and find out why the leaver process missed it; "
        "investigate any logon after the last working day; have HR report leavers to the "
        "account administration before the last day."
    ),
)
def judge(life: Lifecycle, params: Params) -> Iterator[Verdict]:
    today = life.as_of.date()
    owned, withheld = life.accounts_of(), life.withheld_of()
    leavers = current = 0
    for key, person in sorted(life.persons.items()):
        if person.end is None or person.end + timedelta(days=params.grace_days) >= today:
            current += 1
            continue
        leavers += 1
        if key in withheld:
            yield unknown(msg("{person} left on {end}, but the account(s) {accounts} of this "
                              "person could not be classified, so whether every account is "
                              "disabled is unknown.", person=person.label,
                              end=person.end.isoformat(), accounts=", ".join(withheld[key])),
                          subject=person.subject)
            continue
        yield _leaver(life, person, owned.get(key, []), params)
    for key, why in sorted(life.tainted.items()):
        if key not in life.persons and key in owned:
            names = ", ".join(sorted(a.name for a in owned[key]))
            yield unknown(msg("employee {employee} (accounts {accounts}): the HR record was "
                              "rejected ({why}), so whether this person left is unknown.",
                              employee=key, accounts=names, why=why),
                          subject=f"person:employee:{key}", accounts=names)
    if life.anonymous:
        yield unknown(msg("{count} row(s) of the HR export name no readable employee id ({rows}), "
                          "so leavers among them were not assessed.",
                          count=len(life.anonymous), rows=msg_list(life.anonymous[:5])))
    if not leavers:  # the leavers are the population; without any, say what was looked at
        yield ok(msg("none of the {current} person(s) in the HR export left more than {grace} "
                     "days before collection.", current=current, grace=params.grace_days),
                 persons=len(life.persons), leavers=0)


def _leaver(life: Lifecycle, person: Person, accounts: list[Account], params: Params) -> Verdict:
    end = person.end
    assert end is not None
    names = ", ".join(sorted(a.name for a in accounts)) or "-"
    evidence = {"employee_id": person.employee_id, "end": end.isoformat(), "accounts": names,
                "grace_days": params.grace_days, "lag_days": params.lag_days,
                "hr_row": person.row}
    why = life.tainted.get(person.key)
    if why:
        return unknown(msg("{person}: the HR export holds another, rejected record of this "
                           "employee id ({why}), so which end date applies is unknown.",
                           person=person.label, why=why), subject=person.subject, **evidence)
    if not accounts:
        return ok(msg("{person} left on {end} and has no account in this domain.",
                      person=person.label, end=end.isoformat()), subject=person.subject,
                  **evidence)
    enabled, used, unreadable, close = [], [], [], []
    for account in sorted(accounts, key=lambda a: a.name):
        state = active(account, life.domain)
        if state is None:
            unreadable.append(account.name)
        elif state:
            enabled.append(account.name)
        logon = parse_time(account.last_logon) if account.last_logon else None
        if account.last_logon and logon is None:
            unreadable.append(account.name)
        elif logon is not None and logon.date() > end:
            used.append(f"{account.name} ({logon.date().isoformat()})")
        elif logon is not None and logon.date() > end - timedelta(days=params.lag_days):
            close.append(account.name)
    days = (life.as_of.date() - end).days
    common = {"person": person.label, "end": end.isoformat(), "days": days,
              "grace": params.grace_days}
    if enabled and used:
        message = msg("{person} left on {end} ({days} days before collection, grace {grace} "
                      "days), {enabled} is still enabled and {used} logged on after the end "
                      "date (lastLogonTimestamp lags the real last logon by up to {lag} days, "
                      "so the real last use may be later).", **common,
                      enabled=", ".join(enabled), used=", ".join(used), lag=params.lag_days)
    elif enabled:
        message = msg("{person} left on {end} ({days} days before collection, grace {grace} "
                      "days) and {enabled} is still enabled.", **common,
                      enabled=", ".join(enabled))
    elif used:
        message = msg("{person} left on {end} ({days} days before collection) and {used} "
                      "logged on after the end date (lastLogonTimestamp lags the real last "
                      "logon by up to {lag} days, so the real last use may be later); no "
                      "account is enabled now.", person=person.label, end=end.isoformat(),
                      days=days, used=", ".join(used), lag=params.lag_days)
    if enabled or used:
        return fail(message, subject=person.subject, **evidence, enabled=enabled,
                    used_after_end=used)
    if unreadable:
        return unknown(msg("{person} left on {end}: the state or last logon of {accounts} could "
                           "not be read, so whether they were disabled and unused is unknown.",
                           person=person.label, end=end.isoformat(),
                           accounts=", ".join(sorted(set(unreadable)))),
                       subject=person.subject, **evidence)
    if close:
        return ok(msg("{person} left on {end}; every account ({accounts}) is disabled and none "
                      "shows a logon after the end date, but {close} last logged on within "
                      "{lag} days before it, and a logon after the end date would not show in "
                      "lastLogonTimestamp yet.", person=person.label, end=end.isoformat(),
                      accounts=names, close=", ".join(close), lag=params.lag_days),
                  subject=person.subject, **evidence)
    return ok(msg("{person} left on {end}; every account ({accounts}) is disabled and none "
                  "shows a logon after the end date.", person=person.label,
                  end=end.isoformat(), accounts=names), subject=person.subject, **evidence)
