"""windows.patch.kev_overdue: known-exploited CVEs whose fix is missing past their own due date.

Joins three pieces of evidence: the CISA KEV catalog (each CVE's `dueDate`), the user's CVE ->
KB / fixed build map per product, and each host's installed hotfixes, update history and build.
A CVE counts as fixed when one of its KBs is installed or the host's build.UBR is at least the
fixed build; a map row with `not_affected: true` says the product does not carry it. A KEV CVE
past its due date without any row for the host's product cannot be judged: not "not affected"
but unknown, so the host is `error` unless another CVE already fails it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

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
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CVE_FIX_MAP, WINDOWS_HOST_STATE
from gitc_agent.model.message import msg_list

from ._feeds import Exposure, hosts_with_feeds
from ._windows_hosts import kbs_in


class Params(CheckParams):
    due_grace_days: int = Field(default=0, ge=0, le=90)


@check(
    id="windows.patch.kev_overdue",
    title="No known-exploited vulnerability (CISA KEV) open past its due date",
    likelihood=5,
    impact=4,
    evidence=[WINDOWS_HOST_STATE, FEED_CISA_KEV, FEED_CVE_FIX_MAP],
    each=hosts_with_feeds,
    params=Params,
    references=["ISO 27002:2022 8.8", "CISA BOD 22-01 (KEV dueDate)", "PCI DSS 4.0 6.3.3"],
    remediation="Install the update that fixes each listed CVE now; these are exploited in the "
                "wild. If it cannot be installed, apply the vendor's mitigation and record a "
                "time-limited exception.",
)
def judge(exposure: Exposure, params: Params) -> Verdict:
    host = exposure.host
    hotfixes = host.part("hotfixes", "hotfixes")
    os_info = host.part("os", "os")
    if hotfixes is None or not isinstance(os_info, dict):
        return unknown(msg("{host}: the installed updates or the OS build could not be read "
                           "({reason}), so this was not assessed.", host=host.name,
                           reason=host.reason("hotfixes" if hotfixes is None else "os")))
    caption = str(os_info.get("caption") or "").strip().lower()
    if not caption:
        return unknown(msg("{host}: the OS caption (the product the fix map is matched on) could "
                           "not be read ({reason}), so this was not assessed.", host=host.name,
                           reason=host.reason("os")))
    installed = {str(h.get("kb", "")).upper() for h in hotfixes if isinstance(h, dict)}
    for entry in host.data.get("update_history") or []:
        if isinstance(entry, dict) and entry.get("result") == 2:
            installed |= kbs_in(str(entry.get("title", "")))
    build = (os_info.get("build"), os_info.get("ubr"))
    by_cve = _rows_for(exposure.fixes["fixes"], caption)
    today = host.collected_at.date()
    overdue, open_not_due, fixed, not_affected, unmapped, unmapped_not_due = ([] for _ in range(6))
    for vuln in exposure.kev["vulnerabilities"]:
        vuln = vuln if isinstance(vuln, dict) else {}
        cve = vuln.get("cveID")
        due = _date(vuln.get("dueDate"))
        past_due = due is None or today > due + timedelta(days=params.due_grace_days)
        rows = by_cve.get(cve, []) if isinstance(cve, str) else []
        remedies = [f for f in rows if not f.get("not_affected")]
        if not rows:
            (unmapped if past_due else unmapped_not_due).append(str(cve))
        elif not remedies:
            not_affected.append(cve)
        elif any(_is_fixed(f, installed, build) for f in remedies):
            fixed.append(cve)
        else:
            (overdue if past_due else open_not_due).append({
                "cve": cve, "due": vuln.get("dueDate"), "name": vuln.get("vulnerabilityName"),
                "fix_kbs": sorted({str(k) for f in remedies for k in f.get("kbs") or []}),
                "ransomware": vuln.get("knownRansomwareCampaignUse") == "Known"})
    evidence = {"os": os_info.get("caption"), "build": f"{build[0]}.{build[1]}",
                "kev_catalog": exposure.kev.get("catalogVersion"), "overdue": overdue,
                "open_not_yet_due": open_not_due, "fixed": fixed, "not_affected": not_affected,
                "not_mapped_past_due": unmapped, "not_mapped_not_yet_due": unmapped_not_due,
                "kev_entries_unread": exposure.kev_unread,
                "fix_map_rows_rejected": exposure.fixes_rejected}
    unseen = _unassessed(host.name, unmapped, exposure, bool(by_cve))
    if overdue:
        return _overdue(host.name, overdue, unseen, evidence)
    if unseen:
        return unknown(msg("{host}: {unassessed}", host=host.name, unassessed=unseen),
                       **evidence)
    values = {"host": host.name, "fixed": len(fixed), "not_affected": len(not_affected)}
    if open_not_due:
        values.update(pending=len(open_not_due), cves=msg_list(
            [msg("{cve} (due {due})", cve=r["cve"], due=r["due"]) for r in open_not_due],
            sep=", "))
    if unmapped_not_due:
        values["unmapped"] = len(unmapped_not_due)
    if open_not_due and unmapped_not_due:
        text = msg("{host}: no known-exploited CVE open past its due date ({fixed} mapped "
                   "CVE(s) fixed, {not_affected} not affected). {pending} open, not yet due: "
                   "{cves}. {unmapped} not yet due KEV entries have no fix mapping for this "
                   "product.", **values)
    elif open_not_due:
        text = msg("{host}: no known-exploited CVE open past its due date ({fixed} mapped "
                   "CVE(s) fixed, {not_affected} not affected). {pending} open, not yet due: "
                   "{cves}.", **values)
    elif unmapped_not_due:
        text = msg("{host}: no known-exploited CVE open past its due date ({fixed} mapped "
                   "CVE(s) fixed, {not_affected} not affected). {unmapped} not yet due KEV "
                   "entries have no fix mapping for this product.", **values)
    else:
        text = msg("{host}: no known-exploited CVE open past its due date ({fixed} mapped "
                   "CVE(s) fixed, {not_affected} not affected).", **values)
    return ok(text, **evidence)


def _overdue(name: str, overdue: list[dict[str, Any]], unseen: Message | None,
             evidence: dict[str, Any]) -> Verdict:
    ransomware = any(r["ransomware"] for r in overdue)
    values = {"host": name, "count": len(overdue), "cves": ", ".join(r["cve"] for r in overdue)}
    if unseen:
        values["unassessed"] = unseen
    if ransomware and unseen:
        text = msg("{host}: {count} known-exploited CVE(s) not fixed past their KEV due date: "
                   "{cves}. Used in ransomware campaigns, so impact is raised. Also not "
                   "assessed: {unassessed}", **values)
    elif ransomware:
        text = msg("{host}: {count} known-exploited CVE(s) not fixed past their KEV due date: "
                   "{cves}. Used in ransomware campaigns, so impact is raised.", **values)
    elif unseen:
        text = msg("{host}: {count} known-exploited CVE(s) not fixed past their KEV due date: "
                   "{cves}. Also not assessed: {unassessed}", **values)
    else:
        text = msg("{host}: {count} known-exploited CVE(s) not fixed past their KEV due date: "
                   "{cves}.", **values)
    return fail(text, impact=5 if ransomware else None, **evidence)


def _rows_for(fixes: list[Any], caption: str) -> dict[str, list[dict[str, Any]]]:
    """The fix-map rows per CVE whose product is part of the host's OS caption."""
    by_cve: dict[str, list[dict[str, Any]]] = {}
    for fix in fixes:
        product = str(fix.get("product") or "").strip().lower() if isinstance(fix, dict) else ""
        if product and product in caption and isinstance(fix.get("cve"), str):
            by_cve.setdefault(fix["cve"], []).append(fix)
    return by_cve


def _unassessed(name: str, unmapped: list[str], exposure: Exposure,
                product_known: bool) -> Message | None:
    """Why some KEV entries past their due date could not be judged for this host (None if
    none), as a sentence the check's message ends with."""
    parts = []
    if exposure.kev_unread:
        parts.append(msg("{count} KEV catalog entries could not be read ({entries})",
                         count=len(exposure.kev_unread),
                         entries=", ".join(exposure.kev_unread[:5])))
    if unmapped:
        cves = f"{', '.join(unmapped[:10])}{', ...' if len(unmapped) > 10 else ''}"
        if product_known:
            parts.append(msg("{count} KEV CVE(s) past their due date have no fix-map row for "
                             "this host's product ({cves})", count=len(unmapped), cves=cves))
        else:
            parts.append(msg("{count} KEV CVE(s) past their due date have no row in the fix map "
                             "matches this host's product at all ({cves})", count=len(unmapped),
                             cves=cves))
    if not parts:
        return None
    if exposure.fixes_rejected:
        return msg("{problems}, so whether they are fixed is unknown: add a fix row (KBs or "
                   "fixed build) or a not_affected row per CVE and product. The fix map has "
                   "{count} rejected row(s) ({rows}).", problems=msg_list(parts),
                   count=len(exposure.fixes_rejected),
                   rows=", ".join(exposure.fixes_rejected[:5]))
    return msg("{problems}, so whether they are fixed is unknown: add a fix row (KBs or fixed "
               "build) or a not_affected row per CVE and product.", problems=msg_list(parts))


def _build(value: Any) -> tuple[int, int] | None:
    try:
        major, minor = str(value).split(".")[-2:]
        return int(major), int(minor)
    except (ValueError, TypeError):
        return None


def _is_fixed(fix: dict[str, Any], installed: set[str], build: tuple[Any, Any]) -> bool:
    if any(str(kb).upper() in installed for kb in fix.get("kbs", [])):
        return True
    need = _build(fix.get("fixed_build"))
    if need and isinstance(build[0], int) and isinstance(build[1], int):
        return (build[0], build[1]) >= need
    return False


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None
