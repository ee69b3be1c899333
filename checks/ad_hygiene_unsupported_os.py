"""ad.hygiene.unsupported_os: no enabled computer runs an operating system out of vendor support.

Criterion: an enabled, unexpired computer fails when its `operatingSystem` matches a row of the
policy's `support` table (a shell-style `match` on operatingSystem, optionally `version`, a
prefix of operatingSystemVersion) whose `end_of_support` is on or before the collection date.
The first matching row decides. A computer without operatingSystem (not Windows, or never
started) is counted and named in the summary, not judged. The default table holds Microsoft's
end-of-support dates (extended support); keep it current in the policy. PingCastle S-OS-*
(S-OS-XP, S-OS-2008, S-OS-2012, S-OS-W10, ...) and S-DC-* for domain controllers.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from datetime import date

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.hygiene import Extra
from gitc_agent.model.kinds import AD_ACCOUNTS

from ._ad_hygiene import HygieneDomain, hygiene_domains


class Support(CheckParams):
    match: str = Field(min_length=1)
    version: str = ""
    end_of_support: date


_DEFAULT = [
    ("Windows 2000*", "2010-07-13"), ("Windows XP*", "2014-04-08"),
    ("Windows Vista*", "2017-04-11"), ("Windows 7*", "2020-01-14"),
    ("Windows 8*", "2023-01-10"), ("Windows 10*", "2025-10-14"),
    ("Windows Server 2003*", "2015-07-14"), ("Windows Server 2008*", "2020-01-14"),
    ("Windows Server 2012*", "2023-10-10"), ("Windows Server 2016*", "2027-01-12"),
    ("Windows Server 2019*", "2029-01-09"), ("Windows Server 2022*", "2031-10-14"),
]


class Params(CheckParams):
    support: list[Support] = Field(default_factory=lambda: [
        Support(match=m, end_of_support=date.fromisoformat(d)) for m, d in _DEFAULT])


@check(
    id="ad.hygiene.unsupported_os",
    title="No computer runs an operating system out of vendor support",
    likelihood=4,
    impact=4,
    evidence=[AD_ACCOUNTS],
    each=hygiene_domains,
    params=Params,
    references=["PingCastle S-OS-*", "PingCastle S-DC-*", "CIS Controls v8 2.2",
                "MITRE ATT&CK T1210", "BIO2 8.08"],
    remediation="Upgrade or replace the system, or isolate it and register a time-bound "
                "exception.",
)
def judge(hd: HygieneDomain, params: Params) -> Iterator[Verdict]:
    problem = hd.hygiene.unreadable(["operatingSystem", "operatingSystemVersion"])
    if problem:
        yield unknown(msg("operatingSystem is {problem}, so operating systems were not assessed.",
                          problem=problem))
        return
    today = hd.as_of.date()
    checked = flagged = 0
    unrecorded: list[str] = []
    rows: dict[tuple[str, str | None], Support | None] = {}
    computers, problems = hd.enabled("computer")
    yield from problems
    for item in computers:
        extra = hd.extra(item)
        if not isinstance(extra, Extra):
            yield extra
            continue
        if not extra.os:
            unrecorded.append(item.name)
            continue
        checked += 1
        key = (extra.os, extra.os_version)
        if key not in rows:  # thousands of computers share a handful of versions
            rows[key] = next((r for r in params.support if fnmatch.fnmatchcase(
                extra.os.lower(), r.match.lower()) and (extra.os_version or "").startswith(
                r.version)), None)
        row = rows[key]
        if row is not None and row.end_of_support <= today:
            flagged += 1
            system = f"{extra.os} {extra.os_version or ''}".rstrip()  # a value: name and version
            yield fail(msg("{account} runs {system}, out of support since {end}.",
                           account=item.name, system=system,
                           end=row.end_of_support.isoformat()),
                       subject=subjects.account(item.name), account=item.dn, os=extra.os,
                       os_version=extra.os_version, end_of_support=row.end_of_support.isoformat())
    values = {"passed": checked - flagged, "checked": checked}
    if not unrecorded:
        message = msg("{passed} of {checked} enabled computer(s) run a supported operating system "
                      "(by the policy's table).", **values)
    elif len(unrecorded) > 10:
        message = msg("{passed} of {checked} enabled computer(s) run a supported operating system "
                      "(by the policy's table). {unrecorded} enabled computer(s) record no "
                      "operatingSystem and were not judged: {names} ...", **values,
                      unrecorded=len(unrecorded), names=", ".join(unrecorded[:10]))
    else:
        message = msg("{passed} of {checked} enabled computer(s) run a supported operating system "
                      "(by the policy's table). {unrecorded} enabled computer(s) record no "
                      "operatingSystem and were not judged: {names}.", **values,
                      unrecorded=len(unrecorded), names=", ".join(unrecorded))
    yield ok(message, checked=checked, flagged=flagged, not_recorded=len(unrecorded))
