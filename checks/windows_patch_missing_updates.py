"""windows.patch.missing_updates: security updates the Windows Update Agent reports missing.

Only updates at or above the profile's severity and released longer ago than the grace period
count. When the search was denied or failed the state is unknown: `error`, never a pass.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import WINDOWS_HOST_STATE
from gitc_agent.model.timeutil import parse_time

from ._windows_hosts import Host, windows_hosts

SEVERITY = {"low": 1, "moderate": 2, "important": 3, "critical": 4}


class Params(CheckParams):
    min_severity: Literal["Low", "Moderate", "Important", "Critical"] = "Important"
    grace_days: int = Field(default=30, ge=0, le=365)


@check(
    id="windows.patch.missing_updates",
    title="No missing security updates beyond the grace period",
    likelihood=4,
    impact=4,
    evidence=[WINDOWS_HOST_STATE],
    each=windows_hosts,
    params=Params,
    references=["ISO 27002:2022 8.8", "CIS v8 7.3", "PCI DSS 4.0 6.3.3"],
    remediation=(
        "Approve and install the missing security updates; if the Windows Update Agent search is "
        "denied over WinRM, run the collection account with the rights to search, or supply the "
        "state from WSUS/ConfigMgr."
    ),
)
def judge(host: Host, params: Params) -> Verdict:
    state = host.data.get("missing_updates") or {}
    if state.get("status") != "ok" or not isinstance(state.get("updates"), list):
        what = "was denied" if state.get("status") == "denied" else "failed"
        return unknown(f"{host.name}: the Windows Update Agent search {what} "
                       f"({state.get('message') or host.errors.get('missing_updates', 'no data')})"
                       "; missing updates are unknown, so this host is not assessed as compliant.",
                       search=state.get("status", "missing"))
    threshold = SEVERITY[params.min_severity.lower()]
    overdue, recent = [], []
    for upd in state["updates"]:
        sev = SEVERITY.get(str(upd.get("severity") or "").lower(), 0)
        if sev < threshold:
            continue
        released = parse_time(upd.get("released"))
        age = (host.collected_at - released).days if released else None
        row = {"title": upd.get("title"), "severity": upd.get("severity"),
               "kbs": upd.get("kbs", []), "released": upd.get("released"), "age_days": age}
        # an update whose release date is unreadable is not known to be within the grace period
        (recent if age is not None and age <= params.grace_days else overdue).append(row)
    evidence = {"min_severity": params.min_severity,
                "grace_days": params.grace_days, "overdue": overdue, "within_grace": recent,
                "missing_total": len(state["updates"])}
    if not overdue:
        note = f" {len(recent)} more are within the grace period." if recent else ""
        return ok(f"{host.name}: no {params.min_severity}-or-higher update missing longer "
                  f"than {params.grace_days} days.{note}", **evidence)
    kbs = ", ".join(sorted({f"KB{k}" if str(k).isdigit() else str(k)
                            for u in overdue for k in u["kbs"]})) or "no KB listed"
    critical = any(SEVERITY.get(str(u["severity"]).lower()) == 4 for u in overdue)
    return fail(f"{host.name}: {len(overdue)} {params.min_severity}-or-higher update(s) "
                f"missing for more than {params.grace_days} days ({kbs})."
                + (" At least one is Critical, so impact is raised." if critical else ""),
                impact=5 if critical else None, **evidence)
