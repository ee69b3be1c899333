"""Vulnerability feeds the user supplies as files: the CISA KEV catalog and a CVE -> fix map.

No network at run time: the files are read as they are and passed on as evidence (with their
SHA-256), so the checks stay pure and an auditor can see which feed version was used.

The fix map is the user's own join of vendor advisories (Microsoft CVRF/CSAF, NCSC-NL CSAF) to
KEV CVEs, because KEV carries no KB numbers::

    {"source": "MSRC CVRF 2026-Oct, exported 2026-11-01",
     "fixes": [{"cve": "CVE-2026-21001", "product": "Windows Server 2022",
                "kbs": ["KB5066782"], "fixed_build": "20348.4294"}]}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model import kinds
from gitc_agent.settings.config import FeedSettings

KEV_KIND = kinds.FEED_CISA_KEV
FIX_MAP_KIND = kinds.FEED_CVE_FIX_MAP
COLLECTOR = "feeds.file"
MAX_FEED_BYTES = 64 * 1024 * 1024


def _read(path: Path) -> tuple[Any, str]:
    """The parsed file and its SHA-256; anything unreadable is the user's input to fix (exit 2)."""
    try:
        if path.stat().st_size > MAX_FEED_BYTES:
            raise InputError(f"feed file is larger than {MAX_FEED_BYTES} bytes", path)
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the feed file: {exc.strerror}", path) from None
    try:
        return json.loads(raw.decode("utf-8-sig")), hashlib.sha256(raw).hexdigest()
    except UnicodeDecodeError:
        raise InputError("feed file is not UTF-8", path) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"feed file is not valid JSON: {exc.msg}", path, exc.lineno) from None


def _kev(path: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    obj, digest = _read(path)
    vulns = obj.get("vulnerabilities") if isinstance(obj, dict) else None
    if not isinstance(vulns, list):
        raise InputError("not a CISA KEV catalog (no 'vulnerabilities' list)", path)
    keep = ("cveID", "vendorProject", "product", "vulnerabilityName", "dateAdded", "dueDate",
            "requiredAction", "knownRansomwareCampaignUse")
    entries = [{k: v.get(k) for k in keep} for v in vulns
               if isinstance(v, dict) and v.get("vendorProject") == "Microsoft"]
    return {"file": str(path), "sha256": digest, "catalogVersion": obj.get("catalogVersion"),
            "dateReleased": obj.get("dateReleased"), "count_total": len(vulns),
            "vendor_filter": "Microsoft", "vulnerabilities": entries}, []


def _fix_map(path: Path) -> tuple[dict[str, Any], list[dict[str, str]]]:
    obj, digest = _read(path)
    fixes = obj.get("fixes") if isinstance(obj, dict) else None
    if not isinstance(fixes, list):
        raise InputError("not a CVE fix map (no 'fixes' list)", path)
    good, errors = [], []
    for index, fix in enumerate(fixes):
        if (isinstance(fix, dict) and isinstance(fix.get("cve"), str)
                and isinstance(fix.get("product"), str)
                and (fix.get("kbs") or fix.get("fixed_build"))):
            good.append({"cve": fix["cve"], "product": fix["product"],
                         "kbs": [str(k) for k in fix.get("kbs") or []],
                         "fixed_build": fix.get("fixed_build")})
        else:
            errors.append({"part": f"fixes[{index}]",
                           "message": "needs cve, product and kbs or fixed_build"})
    return {"file": str(path), "sha256": digest, "source": obj.get("source", ""),
            "fixes": good}, errors


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
