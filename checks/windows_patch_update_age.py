"""windows.patch.update_age: days since the last successful cumulative or security update.

Taken from the Windows Update history (succeeded installs whose title names a cumulative or
security update; Defender definition updates do not count) and from the installed hotfixes of
type "Security Update", whichever is newer, measured at the time of collection.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from gitc_agent.core.check_api import (
    CheckParams,
    Message,
    Verdict,
    check,
    fail,
    msg,
    ok,
    unknown,
)
from gitc_agent.model.kinds import WINDOWS_HOST_STATE
from gitc_agent.model.timeutil import parse_time

from ._windows_hosts import Host, kbs_in, windows_hosts


class Params(CheckParams):
    max_days: int = Field(default=35, ge=1, le=3650)
    title_patterns: list[str] = Field(default_factory=lambda: [
        "Cumulative Update", "Security Update", "Security Monthly Quality Rollup",
        "Security Only Quality Update"])


@check(
    id="windows.patch.update_age",
    title="Windows hosts received a cumulative/security update recently",
    likelihood=4,
    impact=4,
    evidence=[WINDOWS_HOST_STATE],
    each=windows_hosts,
    params=Params,
    references=["ISO 27002:2022 8.8", "CIS v8 7.3", "NIS2 art. 21(2)(e)"],
    remediation=(
        "Install the latest cumulative update (WSUS/Intune/ConfigMgr) and find out why this host "
        "fell behind: a failing update agent, a host excluded from the patch ring, or disk space."
    ),
)
def judge(host: Host, params: Params) -> Verdict:
    if host.part("history", "update_history") is None and \
            host.part("hotfixes", "hotfixes") is None:
        return unknown(msg("{host}: the update history and the installed hotfixes could not be "
                           "read ({reason}), so this was not assessed.", host=host.name,
                           reason=host.reason("history")))
    when, title = _latest(host, params)
    os_info = host.data.get("os") or {}
    evidence = {"max_days": params.max_days, "os": os_info.get("caption"),
                "build": f"{os_info.get('build')}.{os_info.get('ubr')}" if os_info else None}
    if when is None:
        return fail(msg("{host}: no successful cumulative or security update is recorded "
                        "in the update history or the installed hotfixes.", host=host.name),
                    **evidence)
    days = (host.collected_at - when).days
    evidence.update(last_update=when.isoformat(), last_update_title=str(title), age_days=days,
                    kbs=sorted(kbs_in(str(title))))
    if days <= params.max_days:
        return ok(msg("{host}: last cumulative/security update {days} day(s) before "
                      "collection ({title}); norm: at most {norm}.", host=host.name, days=days,
                      title=title, norm=params.max_days), **evidence)
    late = days > 3 * params.max_days
    if late:
        return fail(msg("{host}: last cumulative/security update was {days} days before "
                        "collection ({title}); norm: at most {norm}. More than three patch "
                        "cycles behind, so likelihood is raised.", host=host.name, days=days,
                        title=title, norm=params.max_days), likelihood=5, **evidence)
    return fail(msg("{host}: last cumulative/security update was {days} days before "
                    "collection ({title}); norm: at most {norm}.", host=host.name, days=days,
                    title=title, norm=params.max_days), likelihood=None, **evidence)


def _latest(host: Host, params: Params) -> tuple[datetime | None, str | Message]:
    """The newest qualifying update (its title, or a hotfix's KB as a phrase); an entry with an
    unreadable date cannot show the host is current, so it is skipped (it never makes a pass)."""
    best: tuple[datetime | None, str | Message] = (None, "")
    patterns = [p.lower() for p in params.title_patterns]
    for entry in host.part("history", "update_history") or []:
        title = str(entry.get("title", ""))
        when = parse_time(entry.get("date"))
        if (entry.get("result") == 2 and when and any(p in title.lower() for p in patterns)
                and (best[0] is None or when > best[0])):
            best = (when, title)
    for fix in host.part("hotfixes", "hotfixes") or []:
        when = parse_time(fix.get("installed_on"))
        if (str(fix.get("description", "")).lower() == "security update" and when
                and (best[0] is None or when > best[0])):
            best = (when, msg("{kb} (installed hotfix)", kb=str(fix.get("kb"))))
    return best

