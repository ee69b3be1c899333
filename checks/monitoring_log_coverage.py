"""monitoring.log_coverage: every domain controller and listed server logged for the whole period.

Monitoring through the log manager only works for the hosts whose Security log reaches it. Each
domain controller (from the AD evidence: userAccountControl SERVER_TRUST_ACCOUNT or primary group
Domain Controllers) and each listed server (the config's `events.servers` and this check's
`servers`) must have events throughout the period: a gap longer than `max_gap_hours` (counted in
whole hours without any event), or no events at all, is a finding, since the monitoring is not
there for that time (ISO 27002:2022 8.15, 8.16). No events at all for the period is `error`: the
export, not the hosts, is then in doubt.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_ACCOUNTS, EVENTS_SECURITY
from gitc_agent.model.message import N_

from ._events import (
    DOMAIN_CONTROLLERS_RID,
    REFERENCES,
    SERVER_TRUST_ACCOUNT,
    Coverage,
    Events,
    security_events,
)

SHOWN = 10
# why a host is expected: the evidence keeps the English, the sentence a translated phrase
DOMAIN_CONTROLLER, LISTED_SERVER = N_("domain controller"), N_("listed server")


class Params(CheckParams):
    max_gap_hours: int = Field(default=24, ge=1, le=24 * 92)
    servers: list[str] = Field(default_factory=list)  # host names, on top of the config's


@check(
    id="monitoring.log_coverage",
    title="Every domain controller and listed server sends its security log for the whole period",
    likelihood=3,
    impact=4,
    evidence=[EVENTS_SECURITY],
    optional_evidence=[AD_ACCOUNTS],
    each=security_events("hosts"),
    params=Params,
    references=[*REFERENCES, "BIO2 8.15", "CIS Controls v8 8.2", "NIST AU-6"],
    remediation=(
        "Find out why the host's events did not arrive (forwarder stopped, subscription or "
        "audit policy changed, log full and overwritten) and restore it; alert in the log "
        "manager when a domain controller or listed server stops sending."
    ),
)
def judge(events: Events, params: Params) -> Iterator[Verdict]:
    if "hosts" in events.broken:
        return
    if events.counts.get("accepted", 0) == 0 or not events.hosts:
        yield unknown(msg("The exports hold no usable events for {period} at all, so whether "
                          "the hosts log could not be assessed (the export may be empty or "
                          "wrong).", period=events.period), **events.evidence())
        return
    expected: dict[str, str] = {}  # short name -> why it is expected
    if events.domain is None:
        yield unknown(msg("The domain controllers could not be determined ({problem}), so their "
                          "log coverage was not assessed.", problem=events.ad_problem),
                      subject=subjects.evidence(AD_ACCOUNTS))
    else:
        for account in events.domain.directory.accounts.values():
            if account.type == "computer" and (
                    (account.uac or 0) & SERVER_TRUST_ACCOUNT
                    or account.primary_group_id == DOMAIN_CONTROLLERS_RID):
                expected[account.name.rstrip("$").lower()] = DOMAIN_CONTROLLER
    for name in (*events.expected_hosts, *params.servers):
        expected.setdefault(name.strip().lower(), LISTED_SERVER)
    if not expected:
        yield unknown("No domain controller and no listed server to hold the log against, so "
                      "coverage was not assessed.", **events.evidence())
    for name, role in sorted(expected.items()):
        yield _judge(events, name, role, params)


def _short(host: str) -> str:
    return host.split(".", 1)[0]


def _judge(events: Events, name: str, why: str, params: Params) -> Verdict:
    mine = [c for c in events.hosts.values()
            if c.host == name or (_short(c.host) == _short(name)
                                  and ("." not in name or "." not in c.host))]
    subject = subjects.host(name)
    role = msg(why)
    evidence = events.evidence(role=why, max_gap_hours=params.max_gap_hours,
                               logged_as=[c.host for c in mine],
                               events_in_period=sum(c.events for c in mine))
    if not mine:
        return fail(msg("{host} ({role}) has no events in {period}: its security log does not "
                        "reach the log manager, so it is not monitored.", host=name, role=role,
                        period=events.period), subject=subject, **evidence)
    gaps = _gaps(mine, events.start, events.end)
    limit = timedelta(hours=params.max_gap_hours)
    long = [g for g in gaps if g[1] - g[0] > limit]
    evidence["longest_gap_hours"] = round(max((b - a for a, b in gaps), default=timedelta())
                                          .total_seconds() / 3600, 1)
    if long:
        evidence["gaps"] = [{"from": a.isoformat(), "to": b.isoformat(),
                             "hours": round((b - a).total_seconds() / 3600, 1)}
                            for a, b in long[:SHOWN]]
        first = long[0]
        return fail(msg("{host} ({role}) has {count} gap(s) longer than {limit} hours without "
                        "any event in {period}, the longest {longest} hours (first from {start} "
                        "to {end}).", host=name, role=role, count=len(long),
                        limit=params.max_gap_hours, period=events.period,
                        longest=evidence["longest_gap_hours"],
                        start=first[0].isoformat(timespec="minutes"),
                        end=first[1].isoformat(timespec="minutes")), subject=subject, **evidence)
    return ok(msg("{host} ({role}) logged throughout {period} (longest gap {longest} hours, at "
                  "most {limit} allowed).", host=name, role=role, period=events.period,
                  longest=evidence["longest_gap_hours"], limit=params.max_gap_hours),
              subject=subject, **evidence)


def _gaps(coverage: list[Coverage], start: datetime, end: datetime,
          ) -> list[tuple[datetime, datetime]]:
    """The stretches of [start, end) with no covered hour."""
    ranges = sorted(r for c in coverage for r in c.covered)
    gaps: list[tuple[datetime, datetime]] = []
    at = start
    for a, b in ranges:
        if a > at:
            gaps.append((at, min(a, end)))
        at = max(at, b)
        if at >= end:
            break
    if at < end:
        gaps.append((at, end))
    return [(a, b) for a, b in gaps if b > a]
