"""Build CSAF 2.0 documents shaped like NCSC-NL's and Microsoft's, for fixtures and benchmarks.

The shapes follow what those publishers put in their CSAF: NCSC-NL (publisher `coordinator`,
tracking ids NCSC-YYYY-NNNN, Dutch notes, the `Urgent`/`Normaal` label or the older likelihood
and damage notes) and Microsoft (tracking id = the CVE, a `product_version_range` below the
fixed build per product, `vendor_fix` remediations with the KB number in `details`). The
advisories themselves are fictional (see tests/fixtures/csaf/NOTICE.md); every document is
validated against the official schema by the tests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NCSC = {"category": "coordinator", "name": "Nationaal Cyber Security Centrum",
        "namespace": "https://www.ncsc.nl/", "contact_details": "cert@ncsc.nl"}
MSRC = {"category": "vendor", "name": "Microsoft", "namespace": "https://msrc.microsoft.com"}
MS_SEVERITY = "https://www.microsoft.com/en-us/msrc/security-update-severity-rating-system"

# (vendor, product, spec, product id): spec is {"version": v} | {"range": r} | {} (name only)
Product = tuple[str, str, dict[str, str], str]


def _branch(vendor: str, product: str, spec: dict[str, str], pid: str) -> dict[str, Any]:
    leaf = {"name": f"{vendor} {product} {spec.get('version') or spec.get('range') or ''}".strip(),
            "product_id": pid}
    if spec.get("version"):
        inner = [{"category": "product_version", "name": spec["version"], "product": leaf}]
        node = {"category": "product_name", "name": product, "branches": inner}
    elif spec.get("range"):
        inner = [{"category": "product_version_range", "name": spec["range"], "product": leaf}]
        node = {"category": "product_name", "name": product, "branches": inner}
    else:
        node = {"category": "product_name", "name": product, "product": leaf}
    return {"category": "vendor", "name": vendor, "branches": [node]}


def _tracking(tid: str, published: str, current: str, version: str,
              history: Sequence[tuple[str, str, str]] = ()) -> dict[str, Any]:
    revisions = list(history) or [(version, current, "Initiele versie")]
    return {"id": tid, "status": "final", "version": version,
            "initial_release_date": published, "current_release_date": current,
            "revision_history": [{"number": n, "date": d, "summary": s} for n, d, s in revisions],
            "generator": {"engine": {"name": "gitc-agent test fixtures", "version": "1"}}}


def document(publisher: dict[str, str], tid: str, title: str, published: str,
             products: Sequence[Product], cves: Sequence[str], *, current: str | None = None,
             version: str = "1.0.0", notes: Sequence[dict[str, str]] = (),
             severity: str | None = None, fixed: Sequence[Product] = (),
             kbs: dict[str, str] | None = None, history: Sequence[tuple[str, str, str]] = (),
             category: str = "csaf_security_advisory", lang: str = "nl") -> dict[str, Any]:
    """One CSAF 2.0 document; `kbs` maps a product id to its KB (a vendor_fix remediation)."""
    doc: dict[str, Any] = {
        "document": {
            "category": category, "csaf_version": "2.0", "lang": lang, "title": title,
            "publisher": publisher,
            "distribution": {"tlp": {"label": "WHITE", "url": "https://www.first.org/tlp/"}},
            "notes": [{"category": "legal_disclaimer", "title": "Disclaimer",
                       "text": "Fictional advisory for gitc-agent tests; not published."},
                      *notes],
            "tracking": _tracking(tid, published, current or published, version, history)},
        "product_tree": {"branches": [_branch(*p) for p in (*products, *fixed)]},
        "vulnerabilities": []}
    if severity:
        doc["document"]["aggregate_severity"] = ({"namespace": MS_SEVERITY, "text": severity}
                                                 if publisher is MSRC else {"text": severity})
    for cve in cves:
        vuln: dict[str, Any] = {"cve": cve, "product_status": {
            "known_affected": [p[3] for p in products]}}
        if fixed:
            vuln["product_status"]["fixed"] = [p[3] for p in fixed]
        if kbs:
            vuln["remediations"] = [{
                "category": "vendor_fix", "details": kb.removeprefix("KB"), "product_ids": [pid],
                "url": f"https://catalog.update.microsoft.com/v7/site/Search.aspx?q={kb}"}
                for pid, kb in kbs.items()]
        doc["vulnerabilities"].append(vuln)
    return doc


def ncsc_notes(kans: str | None = None, schade: str | None = None) -> list[dict[str, str]]:
    notes = [{"category": "description", "title": "Feiten", "text": "Zie de tekst van het advies."}]
    if kans:
        notes.append({"category": "other", "title": "Kans", "text": kans})
    if schade:
        notes.append({"category": "other", "title": "Schade", "text": schade})
    return notes


def write(folder: Path, name: str, doc: dict[str, Any]) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def provider_metadata(root: Path, base: str, publisher: dict[str, str], *,
                      rolie: Sequence[str] = (), directories: Sequence[str] = (),
                      last_updated: str = "2026-11-16T06:00:00Z") -> Path:
    """A `provider-metadata.json` whose feeds / directories point below `base`."""
    dists: list[dict[str, Any]] = [{"directory_url": f"{base}{d}"} for d in directories]
    if rolie:
        dists.append({"rolie": {"feeds": [{"summary": "TLP:WHITE advisories",
                                           "tlp_label": "WHITE", "url": f"{base}{f}"}
                                          for f in rolie]}})
    meta = {"canonical_url": f"{base}provider-metadata.json", "distributions": dists,
            "last_updated": last_updated, "list_on_CSAF_aggregators": True,
            "metadata_version": "2.0", "mirror_on_CSAF_aggregators": True,
            "publisher": {k: v for k, v in publisher.items() if k != "contact_details"},
            "role": "csaf_trusted_provider"}
    return write(root, "provider-metadata.json", meta)


def rolie_feed(root: Path, name: str, base: str, entries: Sequence[tuple[str, str, str]]) -> Path:
    """A ROLIE feed listing (tracking id, relative document path, updated)."""
    feed = {"feed": {"id": name, "title": name, "updated": max(e[2] for e in entries),
                     "link": [{"rel": "self", "href": f"{base}{name}"}],
                     "category": [{"scheme": "urn:ietf:params:rolie:category:information-type",
                                   "term": "csaf"}],
                     "entry": [{"id": tid, "title": tid, "published": when, "updated": when,
                                "link": [{"rel": "self", "href": f"{base}{rel}"}],
                                "content": {"type": "application/json", "src": f"{base}{rel}"},
                                "format": {"schema": "https://docs.oasis-open.org/csaf/csaf/v2.0/"
                                                     "csaf_json_schema.json", "version": "2.0"}}
                               for tid, rel, when in entries]}}
    return write(root, name, feed)
