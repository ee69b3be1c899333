"""ad.hygiene.laps: LAPS manages the local administrator password of every computer.

Criterion: the schema must hold legacy LAPS (`ms-Mcs-AdmPwdExpirationTime`) or Windows LAPS
(`msLAPS-PasswordExpirationTime`); without either the domain fails (PingCastle
A-LAPS-Not-Installed). Then each enabled, unexpired computer that is not a domain controller
fails when neither expiration time is set, or when the latest one is more than `max_overdue_days`
(default 30) in the past at collection (LAPS no longer rotates the password). Only expiration
times are read: the passwords themselves are never requested. PingCastle
A-LAPS-Joined-Computers.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import LAPS_LEGACY, LAPS_WINDOWS, Extra
from gitc_agent.model.kinds import AD_ACCOUNTS
from gitc_agent.model.timeutil import parse_time

from ._ad_hygiene import HygieneDomain, hygiene_domains, is_domain_controller


class Params(CheckParams):
    max_overdue_days: int = Field(default=30, ge=0, le=3650)


@check(
    id="ad.hygiene.laps",
    title="LAPS manages the local administrator password of every computer",
    likelihood=4,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle A-LAPS-Not-Installed", "PingCastle A-LAPS-Joined-Computers",
                "CIS Controls v8 5.2", "MITRE ATT&CK T1550.002", "BIO2 5.17"],
    remediation="Deploy Windows LAPS (or legacy LAPS) to the computer and check that its "
                "password is rotated.",
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    legacy, windows = hd.hygiene.schema_has(LAPS_LEGACY), hd.hygiene.schema_has(LAPS_WINDOWS)
    if legacy is None or windows is None:
        _, problem = hd.hygiene.section("schema")
        yield unknown(msg("Whether the LAPS schema is present is unknown: {problem}.",
                          problem=problem) if problem else
                      msg("Whether the LAPS schema is present is unknown: not recorded."))
        return
    if not legacy and not windows:
        yield fail("Neither legacy LAPS (ms-Mcs-AdmPwdExpirationTime) nor Windows LAPS "
                   "(msLAPS-PasswordExpirationTime) is in the schema: local administrator "
                   "passwords are not managed.", laps_legacy=False, laps_windows=False)
        return
    problem = hd.hygiene.unreadable([a for a, present in ((LAPS_LEGACY, legacy),
                                                           (LAPS_WINDOWS, windows)) if present])
    if problem:
        yield unknown(msg("The LAPS expiration times are {problem}, so LAPS coverage was not "
                          "assessed.",
                          problem=problem))
        return
    checked = flagged = 0
    computers, problems = hd.enabled("computer")  # their userAccountControl is readable
    yield from problems
    for item in [c for c in computers if not is_domain_controller(c)]:  # DCs: no local accounts
        extra = hd.extra(item)
        if not isinstance(extra, Extra):
            yield extra
            continue
        checked += 1
        times = [t for t in (parse_time(extra.laps_expires), parse_time(extra.laps_legacy_expires))
                 if t is not None]
        subject = subjects.account(item.name)
        if not times:
            flagged += 1
            yield fail(msg("{account} has no LAPS password expiration time: LAPS does not manage "
                           "its local administrator password.",
                           account=item.name), subject=subject, account=item.dn)
            continue
        overdue = (hd.as_of - max(times)).days
        if overdue > params.max_overdue_days:
            flagged += 1
            yield fail(msg("{account}: its LAPS password expired {overdue} days before collection "
                           "(more than {max_overdue_days}): it is no longer rotated.",
                           account=item.name, overdue=overdue,
                           max_overdue_days=params.max_overdue_days),
                       subject=subject, account=item.dn, expires=max(times).isoformat())
    yield ok(msg("{passed} of {checked} enabled computer(s) other than domain controllers have a "
                 "current LAPS password.",
                 passed=checked - flagged, checked=checked), checked=checked, flagged=flagged,
             laps_legacy=legacy, laps_windows=windows)
