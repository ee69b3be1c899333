"""Vulnerability feeds the user supplies as files: the CISA KEV catalog and a CVE -> fix map.

No network at run time: the files are read as they are and passed on as evidence (with their
SHA-256), so the checks stay pure and an auditor can see which feed version was used.

The fix map is the user's own join of vendor advisories (Microsoft CVRF/CSAF, NCSC-NL CSAF) to
KEV CVEs, because KEV carries no KB numbers::

    {"source": "MSRC CVRF 2026-Oct, exported 2026-11-01",
     "fixes": [{"cve": "CVE-2026-21001", "product": "Windows Server 2022",
                "kbs": ["KB5066782"], "fixed_build": "20348.4294"},
               {"cve": "CVE-2026-21002", "product": "Windows Server",
                "not_affected": true, "reason": "Office is not installed on servers"}]}

A row that cannot be used is rejected (listed in `errors` and `rejected`, never silently
dropped), and so is a KEV entry whose vendor or CVE cannot be read: the check must know that it
did not see everything.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model import kinds
from gitc_agent.model.message import N_, msg
from gitc_agent.run.input_files import parse_json, read_regular
from gitc_agent.settings.config import FeedSettings

KEV_KIND = kinds.FEED_CISA_KEV
FIX_MAP_KIND = kinds.FEED_CVE_FIX_MAP
COLLECTOR = "feeds.file"
MAX_FEED_BYTES = 64 * 1024 * 1024
VENDOR = "Microsoft"
_BUILD = re.compile(r"^(\d+\.)*\d+\.\d+$")  # 20348.4294 or 10.0.20348.4294


def _read(path: Path) -> tuple[Any, str]:
    """The parsed file and its SHA-256; anything unreadable is the user's input to fix (exit 2)."""
    raw = read_regular(path, MAX_FEED_BYTES, N_("feed file"))
    return parse_json(raw, path, N_("feed file")), hashlib.sha256(raw).hexdigest()


def _kev(path: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    obj, digest = _read(path)
    vulns = obj.get("vulnerabilities") if isinstance(obj, dict) else None
    if not isinstance(vulns, list):
        raise InputError(msg("not a CISA KEV catalog (no 'vulnerabilities' list)"), path)
    keep = ("cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate",
            "requiredAction", "knownRansomwareCampaignUse")
    entries, errors = [], []
    for index, vuln in enumerate(vulns):
        vendor = vuln.get("vendorProject") if isinstance(vuln, dict) else None
        if not isinstance(vendor, str) or (vendor.strip().lower() == VENDOR.lower()
                                           and not isinstance(vuln.get("cveID"), str)):
            errors.append({"part": f"vulnerabilities[{index}]",
                           "message": "needs vendorProject and cveID"})
        elif vendor.strip().lower() == VENDOR.lower():
            entries.append({k: vuln.get(k) for k in keep})
    return {"file": str(path), "sha256": digest, "catalogVersion": obj.get("catalogVersion"),
            "dateReleased": obj.get("dateReleased"), "count_total": len(vulns),
            "vendor_filter": VENDOR, "count_vendor": len(entries),
            "vulnerabilities": entries}, errors


def _fix_map(path: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    obj, digest = _read(path)
    fixes = obj.get("fixes") if isinstance(obj, dict) else None
    if not isinstance(fixes, list):
        raise InputError(msg("not a CVE fix map (no 'fixes' list)"), path)
    good, errors, rejected = [], [], []
    for index, fix in enumerate(fixes):
        row = _fix_row(fix) if isinstance(fix, dict) else None
        if row is not None:
            good.append(row)
            continue
        errors.append({"part": f"fixes[{index}]",
                       "message": "needs cve, product and kbs or fixed_build"})
        named = fix if isinstance(fix, dict) else {}
        rejected.append({"row": index, "cve": _text(named.get("cve")),
                         "product": _text(named.get("product"))})
    return {"file": str(path), "sha256": digest, "source": obj.get("source", ""),
            "fixes": good, "rejected": rejected}, errors


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _fix_row(fix: dict[str, Any]) -> dict[str, Any] | None:
    """A usable row: a CVE and product with a fix (KBs or a build), or stated not affected."""
    cve, product = _text(fix.get("cve")), _text(fix.get("product"))
    kbs, build = fix.get("kbs") or [], fix.get("fixed_build")
    if cve is None or product is None:
        return None
    if fix.get("not_affected") is True:
        return {"cve": cve, "product": product, "not_affected": True,
                "reason": str(fix.get("reason") or "")}
    if fix.get("not_affected") not in (None, False) or not isinstance(kbs, list) \
            or not all(_text(k) for k in kbs) \
            or (build is not None and not _BUILD.match(str(build))) or not (kbs or build):
        return None
    return {"cve": cve, "product": product, "kbs": [k.strip() for k in kbs],
            "fixed_build": build}


def collect(settings: FeedSettings) -> list[EvidenceDoc]:
    docs = []
    for kind, path, reader in ((KEV_KIND, settings.kev_catalog, _kev),
                               (FIX_MAP_KIND, settings.kev_fix_map, _fix_map)):
        if path is None:
            continue
        data, errors = reader(path)  # a broken file raises InputError: exit 2, nothing written
        docs.append(EvidenceDoc(kind=kind, target=path.stem, collector=COLLECTOR, data=data,
                                errors=errors))
    return docs
