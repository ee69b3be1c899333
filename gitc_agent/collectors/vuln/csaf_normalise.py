"""Turn one valid CSAF 2.0 document into the compact advisory record the checks match on.

Why a compact record: 10,000 advisories are matched against 2,000 hosts, and an auditor keeps
the evidence; the product tree is flattened once, here, to one entry per product (the
`product_name` branch, else the family or the full name) with what the document says about it:
affected versions or ranges, fixed versions, `vendor_fix` KB numbers, versions not affected.
Nothing is guessed: a product listed without any version, range, fixed version or KB keeps
exactly that, so the check can call it undecidable.

The advisory's class is what its publisher says: NCSC-NL's label (`Urgent`, `Normaal`) or its
older likelihood and damage (`kans`/`schade` High, Medium, Low; in notes or the aggregate
severity), or a vendor's aggregate severity (Microsoft: Critical, Important, ...).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from gitc_agent.model.timeutil import parse_time

_KB = re.compile(r"\bKB\s?(\d{6,8})\b", re.I)
_DIGITS = re.compile(r"^\s*(\d{6,8})\s*$")
_LEVEL = {"high": "high", "hoog": "high", "h": "high", "medium": "medium", "middel": "medium",
          "gemiddeld": "medium", "m": "medium", "low": "low", "laag": "low", "l": "low"}
_LABEL = {"urgent": "urgent", "normaal": "normal", "normal": "normal"}
_KANS = ("kans", "probability", "likelihood")
_TITLE_PAIR = re.compile(r"\[([HML])/([HML])\]", re.I)
_SCHADE = ("schade", "damage", "impact")
_WITHDRAWN = re.compile(r"\b(withdrawn|ingetrokken|revoked)\b", re.I)
_STATES = {"known_affected": "affected", "first_affected": "affected", "last_affected": "affected",
           "fixed": "fixed", "first_fixed": "fixed", "known_not_affected": "not_affected",
           "under_investigation": "investigating"}


def _walk(branches: list[dict[str, Any]], path: tuple[tuple[str, str], ...]) -> Iterator[
        tuple[dict[str, Any], tuple[tuple[str, str], ...]]]:
    for branch in branches or []:
        here = (*path, (str(branch.get("category", "")), str(branch.get("name", ""))))
        if isinstance(branch.get("product"), dict):
            yield branch["product"], here
        yield from _walk(branch.get("branches") or [], here)


def _identity(product: dict[str, Any], path: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    by = {}
    for category, name in path:
        by.setdefault(category, name)  # the outermost branch of a category names it
    helper = product.get("product_identification_helper") or {}
    return {"product": by.get("product_name") or by.get("product_family")
            or str(product.get("name", "")),
            "vendor": by.get("vendor", ""),
            "version": by.get("product_version"),
            "range": by.get("product_version_range"),
            "cpe": helper.get("cpe"), "purl": helper.get("purl")}


def products(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """product_id -> identity (product, vendor, version or range, cpe, purl)."""
    found: dict[str, dict[str, Any]] = {}
    for product, path in _walk(tree.get("branches") or [], ()):
        found[product["product_id"]] = _identity(product, path)
    for product in tree.get("full_product_names") or []:
        found.setdefault(product["product_id"], _identity(product, ()))
    for rel in tree.get("relationships") or []:
        # "package X as a component of platform Y": the package is what an inventory lists
        component = found.get(rel.get("product_reference", ""))
        full = rel.get("full_product_name") or {}
        if component is not None and full.get("product_id"):
            found[full["product_id"]] = dict(component)
    return found


def _kbs(remediation: dict[str, Any]) -> set[str]:
    text = f"{remediation.get('details', '')} {remediation.get('url', '')}"
    kbs = {f"KB{m}" for m in _KB.findall(text)}
    digits = _DIGITS.match(str(remediation.get("details", "")))
    if digits and remediation.get("category") == "vendor_fix":
        kbs.add(f"KB{digits.group(1)}")  # Microsoft puts the bare KB number in `details`
    return kbs


def _entries(doc: dict[str, Any]) -> list[dict[str, Any]]:
    ids = products(doc.get("product_tree") or {})
    by_product: dict[tuple[str, str], dict[str, Any]] = {}

    def entry(pid: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        ident = ids.get(pid)
        if ident is None or not ident["product"].strip():
            return None
        key = (ident["vendor"], ident["product"])
        item = by_product.setdefault(key, {
            "product": ident["product"], "vendor": ident["vendor"], "cves": [], "affected": [],
            "fixed": [], "not_affected": [], "kbs": [], "investigating": False,
            "cpe": ident["cpe"], "purl": ident["purl"]})
        return item, ident

    for vuln in doc.get("vulnerabilities") or []:
        cve = vuln.get("cve")
        for status, pids in (vuln.get("product_status") or {}).items():
            state = _STATES.get(status)
            for pid in (pids or []) if state is not None else []:
                found = entry(pid)
                if found is None:
                    continue
                item, ident = found
                if cve and cve not in item["cves"]:
                    item["cves"].append(cve)
                spec = ({"range": ident["range"]} if ident["range"] else
                        {"version": ident["version"]} if ident["version"] else {"any": True})
                if state == "affected" and spec not in item["affected"]:
                    item["affected"].append(spec)
                elif state == "fixed" and ident["version"] \
                        and ident["version"] not in item["fixed"]:
                    item["fixed"].append(ident["version"])
                elif state == "not_affected" and spec not in item["not_affected"]:
                    item["not_affected"].append(spec)
                elif state == "investigating":
                    item["investigating"] = True
        for remediation in vuln.get("remediations") or []:
            if remediation.get("category") != "vendor_fix":
                continue
            kbs = _kbs(remediation)
            for pid in remediation.get("product_ids") or []:
                found = entry(pid)
                if found is not None:
                    found[0]["kbs"] = sorted(set(found[0]["kbs"]) | kbs)
    return list(by_product.values())


def _note(doc: dict[str, Any], titles: tuple[str, ...]) -> str | None:
    for note in doc.get("document", {}).get("notes") or []:
        if str(note.get("title", "")).strip().lower() in titles:
            return _LEVEL.get(str(note.get("text", "")).strip().lower())
    return None


def classify(doc: dict[str, Any]) -> dict[str, Any]:
    """The publisher's own class: urgent / normal / '<kans>/<schade>' / vendor severity."""
    severity = str((doc["document"].get("aggregate_severity") or {}).get("text", "")).strip()
    kans, schade = _note(doc, _KANS), _note(doc, _SCHADE)
    pair = re.match(r"^\s*(\w+)\s*/\s*(\w+)\s*$", severity)
    if pair and kans is None and schade is None:  # "High/High" in the aggregate severity
        kans, schade = _LEVEL.get(pair.group(1).lower()), _LEVEL.get(pair.group(2).lower())
    coded = _TITLE_PAIR.search(str(doc["document"].get("title", "")))
    if coded and kans is None and schade is None:  # NCSC-NL titles: "NCSC-2024-0369 [1.01] [M/H]"
        kans, schade = _LEVEL[coded.group(1).lower()], _LEVEL[coded.group(2).lower()]
    label = _LABEL.get(severity.lower())
    if label is None and kans and schade:
        label = f"{kans}/{schade}"
    if label is None and severity and not pair:
        label = severity.lower()
    return {"class": label or "unclassified", "kans": kans, "schade": schade,
            "severity": severity or None}


def withdrawn(doc: dict[str, Any]) -> bool:
    document = doc["document"]
    history = sorted(document["tracking"].get("revision_history") or [],
                     key=lambda r: str(r.get("date", "")))
    latest = str(history[-1].get("summary", "")) if history else ""
    return (document.get("category") == "csaf_withdrawn" or bool(_WITHDRAWN.search(latest))
            or bool(re.match(r"^\s*\[?(withdrawn|ingetrokken)\b", document.get("title", ""), re.I)))


def advisory(doc: dict[str, Any], file: str) -> dict[str, Any]:
    """The compact record of one valid CSAF document."""
    document, tracking = doc["document"], doc["document"]["tracking"]
    cves = sorted({v["cve"] for v in doc.get("vulnerabilities") or [] if v.get("cve")})
    return {"tracking_id": tracking["id"], "title": document["title"][:300], "file": file,
            "publisher": document["publisher"]["name"],
            "namespace": document["publisher"]["namespace"],
            "category": document["category"], "status": tracking["status"],
            "version": tracking["version"], "initial_release": _utc(tracking["initial_release_date"]),
            "current_release": _utc(tracking["current_release_date"]), "withdrawn": withdrawn(doc),
            **classify(doc), "cves": cves, "products": _entries(doc)}


def _utc(value: str) -> str | None:
    """One spelling (UTC, seconds) so that dates compare as text; None if unreadable."""
    when = parse_time(value)
    return when.astimezone(UTC).isoformat(timespec="seconds") if when else None
