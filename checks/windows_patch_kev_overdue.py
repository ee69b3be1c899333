"""windows.patch.kev_overdue: known-exploited CVEs whose fix is missing past their own due date.

Joins three pieces of evidence: the CISA KEV catalog (each CVE's `dueDate`), the user's CVE ->
KB / fixed build map per product, and each host's installed hotfixes, update history and build.
A CVE counts as fixed when one of its KBs is installed or the host's build.UBR is at least the
fixed build. KEV CVEs without a fix mapping for the host's product cannot be judged and are
listed as not assessed in the evidence.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CVE_FIX_MAP, WINDOWS_HOST_STATE

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
        return host.unreadable("hotfixes" if hotfixes is None else "os",
                               "the installed updates or the OS build")
    installed = {str(h.get("kb", "")).upper() for h in hotfixes}
    for entry in host.data.get("update_history") or []:
        if entry.get("result") == 2:
            installed |= kbs_in(str(entry.get("title", "")))
    caption = str(os_info.get("caption", "")).lower()
    build = (os_info.get("build"), os_info.get("ubr"))
    by_cve: dict[str, list[dict[str, Any]]] = {}
    for fix in exposure.fixes.get("fixes", []):
        if fix["product"].lower() in caption:
            by_cve.setdefault(fix["cve"], []).append(fix)
    today = host.collected_at.date()
    overdue, open_not_due, fixed, unmapped = [], [], [], []
    for vuln in exposure.kev.get("vulnerabilities", []):
        cve = vuln.get("cveID")
        if cve not in by_cve:
            unmapped.append(cve)
            continue
        if any(_is_fixed(f, installed, build) for f in by_cve[cve]):
            fixed.append(cve)
            continue
        due = _date(vuln.get("dueDate"))
        row = {"cve": cve, "due": vuln.get("dueDate"), "name": vuln.get("vulnerabilityName"),
               "fix_kbs": sorted({k for f in by_cve[cve] for k in f["kbs"]}),
               "ransomware": vuln.get("knownRansomwareCampaignUse") == "Known"}
        if due is None or today > due + timedelta(days=params.due_grace_days):
            overdue.append(row)
        else:
            open_not_due.append(row)
    evidence = {"os": os_info.get("caption"),
                "build": f"{build[0]}.{build[1]}", "kev_catalog": exposure.kev.get(
                    "catalogVersion"), "overdue": overdue, "open_not_yet_due": open_not_due,
                "fixed": fixed, "not_mapped_for_product": len(unmapped)}
    note = (f" {len(unmapped)} Microsoft KEV entries have no fix mapping for this product and "
            "were not assessed." if unmapped else "")
    if overdue:
        ransomware = any(r["ransomware"] for r in overdue)
        return fail(f"{host.name}: {len(overdue)} known-exploited CVE(s) not fixed past their "
                    f"KEV due date: {', '.join(r['cve'] for r in overdue)}."
                    + (" Used in ransomware campaigns, so impact is raised." if ransomware
                       else "") + note, impact=5 if ransomware else None, **evidence)
    pending = (f" {len(open_not_due)} open, not yet due: "
               f"{', '.join(r['cve'] + ' (due ' + str(r['due']) + ')' for r in open_not_due)}."
               if open_not_due else "")
    return ok(f"{host.name}: no known-exploited CVE open past its due date "
              f"({len(fixed)} mapped CVE(s) fixed).{pending}{note}", **evidence)


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
