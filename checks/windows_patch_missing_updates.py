"""windows.patch.missing_updates: security updates the Windows Update Agent reports missing.

Only updates at or above the profile's severity and released longer ago than the grace period
count; hidden updates count too (hiding an update does not install it). When the search was
denied or failed the state is unknown: `error`, never a pass.

An update without a readable MSRC severity is not "below the threshold": if Windows Update
classifies it as a security update (or its classification cannot be read) and it is past the
grace period, the host is not assessed (`error`) unless another update already fails it. Not a
`fail`, because a finding must rest on what the evidence shows and its score on a known severity;
the severity is for the administrator to show. Non-security classifications (drivers, feature
packs, update rollups, ...) are out of scope, as a rated non-security update would be.
"""

from __future__ import annotations

from typing import Any, Literal

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
from gitc_agent.model.message import MessageList, msg_list
from gitc_agent.model.timeutil import parse_time

from ._windows_hosts import Host, windows_hosts

SEVERITY = {"low": 1, "moderate": 2, "important": 3, "critical": 4}
# Windows Update classifications (English category names) that are not security updates.
NOT_SECURITY = {"critical updates", "definition updates", "drivers", "feature packs",
                "service packs", "tools", "update rollups", "updates", "upgrades"}
HIDDEN_SINCE_SCRIPT = 2  # the first remote script whose search includes hidden updates


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
        "Approve and install the missing security updates (hidden ones included); if the Windows "
        "Update Agent search is denied over WinRM, run the collection account with the rights to "
        "search, or supply the state from WSUS/ConfigMgr."
    ),
)
def judge(host: Host, params: Params) -> Verdict:
    state = host.data.get("missing_updates") or {}
    if state.get("status") != "ok" or not isinstance(state.get("updates"), list):
        reason = state.get("message") or host.errors.get("missing_updates") or msg("no data")
        if state.get("status") == "denied":
            text = msg("{host}: the Windows Update Agent search was denied ({reason}); missing "
                       "updates are unknown, so this host is not assessed as compliant.",
                       host=host.name, reason=reason)
        else:
            text = msg("{host}: the Windows Update Agent search failed ({reason}); missing "
                       "updates are unknown, so this host is not assessed as compliant.",
                       host=host.name, reason=reason)
        return unknown(text, search=state.get("status", "missing"))
    threshold = SEVERITY[params.min_severity.lower()]
    overdue, recent, unrated = [], [], []
    for upd in state["updates"]:
        upd = upd if isinstance(upd, dict) else {}
        sev = SEVERITY.get(str(upd.get("severity") or "").strip().lower())
        if sev is None and _is_security(upd) is False:
            continue
        if sev is not None and sev < threshold:
            continue
        row = _row(upd, host)
        # an update whose release date is unreadable is not known to be within the grace period
        late = row["age_days"] is None or row["age_days"] > params.grace_days
        (unrated if sev is None else overdue if late else recent).append(row)
    unrated = [r for r in unrated if r["age_days"] is None or r["age_days"] > params.grace_days]
    evidence = {"min_severity": params.min_severity, "grace_days": params.grace_days,
                "overdue": overdue, "within_grace": recent, "severity_unknown": unrated,
                "missing_total": len(state["updates"])}
    if overdue:
        critical = any(SEVERITY.get(str(u["severity"]).lower()) == 4 for u in overdue)
        values = {"host": host.name, "count": len(overdue), "severity": params.min_severity,
                  "days": params.grace_days, "kbs": _kbs(overdue), "hidden": _hidden(overdue)}
        if unrated:
            values["unrated"] = len(unrated)
        if critical and unrated:
            text = msg("{host}: {count} {severity}-or-higher update(s) missing for more than "
                       "{days} days ({kbs}).{hidden} At least one is Critical, so impact is "
                       "raised. {unrated} more without a readable severity.", **values)
        elif critical:
            text = msg("{host}: {count} {severity}-or-higher update(s) missing for more than "
                       "{days} days ({kbs}).{hidden} At least one is Critical, so impact is "
                       "raised.", **values)
        elif unrated:
            text = msg("{host}: {count} {severity}-or-higher update(s) missing for more than "
                       "{days} days ({kbs}).{hidden} {unrated} more without a readable "
                       "severity.", **values)
        else:
            text = msg("{host}: {count} {severity}-or-higher update(s) missing for more than "
                       "{days} days ({kbs}).{hidden}", **values)
        return fail(text, impact=5 if critical else None, **evidence)
    version = host.data.get("script_version")
    if not isinstance(version, int) or version < HIDDEN_SINCE_SCRIPT:
        return unknown(msg("{host}: collected by remote script version {version}, whose "
                           "search left out hidden updates, so 'nothing missing' cannot be "
                           "trusted; collect again.", host=host.name, version=repr(version)),
                       **evidence)
    if unrated:
        return unknown(msg("{host}: {count} missing security update(s) older than {days} days "
                           "have no readable MSRC severity or classification ({kbs}), so "
                           "whether they reach {severity} is unknown; not assessed.{hidden}",
                           host=host.name, count=len(unrated), days=params.grace_days,
                           kbs=_kbs(unrated), severity=params.min_severity,
                           hidden=_hidden(unrated)), **evidence)
    if recent:
        return ok(msg("{host}: no {severity}-or-higher update missing longer than {days} days. "
                      "{recent} more are within the grace period.", host=host.name,
                      severity=params.min_severity, days=params.grace_days, recent=len(recent)),
                  **evidence)
    return ok(msg("{host}: no {severity}-or-higher update missing longer than {days} days.",
                  host=host.name, severity=params.min_severity, days=params.grace_days),
              **evidence)


def _is_security(upd: dict[str, Any]) -> bool | None:
    """True/False by Windows Update classification; None when no known one can be read."""
    names = upd.get("categories")
    names = {str(n).strip().lower() for n in names} if isinstance(names, list) else set()
    if "security updates" in names:
        return True
    return False if names & NOT_SECURITY else None


def _row(upd: dict[str, Any], host: Host) -> dict[str, Any]:
    released = parse_time(upd.get("released"))
    kbs = upd.get("kbs")
    return {"title": upd.get("title"), "severity": upd.get("severity"),
            "kbs": kbs if isinstance(kbs, list) else [], "released": upd.get("released"),
            "age_days": (host.collected_at - released).days if released else None,
            "hidden": upd.get("hidden") is True}


def _kbs(rows: list[dict[str, Any]]) -> str | Message:
    return ", ".join(sorted({f"KB{k}" if str(k).isdigit() else str(k)
                             for r in rows for k in r["kbs"]})) or msg("no KB listed")


def _hidden(rows: list[dict[str, Any]]) -> str | MessageList:
    """A sentence after the KB list, or nothing; the space before it is the list's separator,
    so the translated sentence carries no leading blank."""
    hidden = sum(r["hidden"] for r in rows)
    if not hidden:
        return ""
    return msg_list(["", msg("{count} of them hidden in Windows Update.", count=hidden)], sep=" ")
