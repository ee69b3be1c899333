"""Read one CSAF advisory source from disk: a folder of documents, or a local provider mirror.

A provider mirror is what `csaf_downloader` (or rsync of the provider's `.well-known/csaf/`)
leaves behind: `provider-metadata.json`, ROLIE feeds listing each advisory, or per directory a
`changes.csv`. The documents are read at the paths those lists give, relative to the mirror, so
a document the provider lists but the mirror lacks is reported (the mirror is incomplete), not
silently missing. Each document is validated against the CSAF 2.0 schema; an invalid one is
reported with its file and the failing JSON path and left out, the others are still used.
Revisions of the same advisory (same publisher namespace and tracking id) collapse to the one
with the latest `current_release_date`; the others are listed as superseded.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from gitc_agent.collectors.vuln import csaf_normalise, schema_check
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.errors import InputError
from gitc_agent.model import kinds
from gitc_agent.model.message import N_
from gitc_agent.model.versions import compare
from gitc_agent.run.input_files import parse_json, read_regular
from gitc_agent.settings.vuln_config import CsafSource

KIND = kinds.FEED_CSAF
COLLECTOR = "vuln.csaf"
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
METADATA = "provider-metadata.json"


def _json(path: Path, what: str) -> Any:
    return parse_json(read_regular(path, MAX_DOCUMENT_BYTES, what, follow=False), path, what)


def _local(root: Path, url: str, base: str) -> Path:
    """A provider URL as a file in the mirror: relative to the metadata's folder URL."""
    if base and url.startswith(base):
        rel = url[len(base):]
    else:
        rel = urlparse(url).path.lstrip("/") if "://" in url else url
        if "/.well-known/csaf/" in "/" + rel:
            rel = ("/" + rel).split("/.well-known/csaf/", 1)[1]
    return (root / rel.lstrip("/")).resolve()


def _inside(root: Path, path: Path) -> bool:
    return path == root or root in path.parents


def _listed(root: Path) -> tuple[str, list[Path], list[dict[str, str]], dict[str, Any] | None]:
    """(layout, document paths, listing problems, provider) for the source folder."""
    problems: list[dict[str, str]] = []
    meta_file = root / METADATA
    if meta_file.is_file():
        meta = _json(meta_file, "CSAF provider metadata")
        canonical = str(meta.get("canonical_url", "")) if isinstance(meta, dict) else ""
        base = canonical.rsplit("/", 1)[0] + "/" if "/" in canonical else ""
        paths: list[Path] = []
        for dist in (meta.get("distributions") or []) if isinstance(meta, dict) else []:
            for feed in ((dist.get("rolie") or {}).get("feeds") or []):
                paths += _rolie(root, _local(root, str(feed.get("url", "")), base), base,
                                problems)
            if dist.get("directory_url"):
                paths += _changes(root, _local(root, str(dist["directory_url"]).rstrip("/")
                                               + "/", base), problems)
        provider = {"publisher": (meta.get("publisher") or {}).get("name"),
                    "last_updated": meta.get("last_updated"), "role": meta.get("role")}
        return "provider-metadata", paths, problems, provider
    if (root / "changes.csv").is_file():
        return "changes.csv", _changes(root, root, problems), problems, None
    files = sorted(p for p in root.rglob("*.json") if p.is_file() and p.name != METADATA)
    return "folder", files, problems, None


def _rolie(root: Path, feed_file: Path, base: str, problems: list[dict[str, str]]) -> list[Path]:
    if not _inside(root, feed_file) or not feed_file.is_file():
        problems.append({"part": "listing", "message": f"ROLIE feed {feed_file.name} is listed "
                                                       "in the provider metadata but not in the "
                                                       "mirror"})
        return []
    feed = _json(feed_file, "ROLIE feed")
    entries = ((feed.get("feed") or {}).get("entry") or []) if isinstance(feed, dict) else []
    paths = []
    for entry in entries:
        src = (entry.get("content") or {}).get("src") if isinstance(entry, dict) else None
        if src:
            paths.append(_local(root, str(src), base))
    return paths


def _changes(root: Path, folder: Path, problems: list[dict[str, str]]) -> list[Path]:
    listing = folder / "changes.csv"
    if not _inside(root, listing) or not listing.is_file():
        problems.append({"part": "listing", "message": f"{listing} (changes.csv of a listed "
                                                       "directory) is not in the mirror"})
        return []
    text = read_regular(listing, MAX_DOCUMENT_BYTES, "changes.csv", follow=False).decode(
        "utf-8-sig", errors="replace")
    return [(folder / row[0]).resolve() for row in csv.reader(io.StringIO(text)) if row]


def collect_source(source: CsafSource) -> EvidenceDoc:
    """One source -> one `feed.csaf` evidence document; never raises for a bad document."""
    root = source.path.resolve()
    try:
        layout, paths, errors, provider = _listed(root)
    except (InputError, OSError) as exc:
        return EvidenceDoc(kind=KIND, target=source.name, collector=COLLECTOR, data={},
                           errors=[{"part": "source", "message": f"{root}: {exc}"}])
    invalid: list[dict[str, str]] = []
    chosen: dict[tuple[str, str], dict[str, Any]] = {}
    superseded: list[dict[str, str]] = []
    digest = hashlib.sha256()
    read = 0
    for path in dict.fromkeys(paths):  # a document listed in two feeds is read once
        rel = str(path.relative_to(root)) if _inside(root, path) else str(path)
        if not _inside(root, path) or not path.is_file():
            invalid.append({"file": rel, "path": "", "reason": "listed by the provider but not "
                                                               "in the mirror"})
            continue
        try:
            raw = read_regular(path, MAX_DOCUMENT_BYTES, N_("CSAF document"), follow=False)
            document = parse_json(raw, path, N_("CSAF document"))
        except InputError as exc:
            invalid.append({"file": rel, "path": "", "reason": exc.message})
            continue
        read += 1
        digest.update(rel.encode() + b"\0" + hashlib.sha256(raw).digest())
        if isinstance(document, dict) and "feed" in document and "document" not in document:
            read -= 1  # a ROLIE feed kept beside the documents in a plain folder
            continue
        problem = schema_check.problem(document)
        if problem is not None:
            invalid.append({"file": rel, "path": problem[0], "reason": problem[1]})
            continue
        record = csaf_normalise.advisory(document, rel)
        key = (record["namespace"], record["tracking_id"])
        old = chosen.get(key)
        if old is not None and _newer(old, record):
            record, old = old, record
        if old is not None:
            superseded.append({"tracking_id": old["tracking_id"], "file": old["file"],
                               "version": old["version"],
                               "current_release": old["current_release"]})
        chosen[key] = record
    advisories = sorted(chosen.values(),
                        key=lambda a: (a["current_release"] or "", a["tracking_id"]))
    live = [a for a in advisories if not a["withdrawn"] and a["status"] != "draft"]
    errors += [{"part": "document", "message": f"{i['file']}: {i['path'] or '(file)'}: "
                                               f"{i['reason']}"} for i in invalid]
    data = {"source": source.name, "path": str(root), "layout": layout, "provider": provider,
            "counts": {"listed": len(set(paths)), "read": read, "valid": len(chosen)
                          + len(superseded), "invalid": len(invalid),
                          "superseded": len(superseded),
                          "withdrawn": sum(a["withdrawn"] for a in advisories),
                          "draft": sum(a["status"] == "draft" for a in advisories)},
            "sha256": digest.hexdigest(), "invalid": invalid, "superseded": superseded,
            "newest_release": max((a["current_release"] for a in advisories
                                   if a["current_release"]), default=None),
            "advisories": advisories, "in_force": len(live)}
    return EvidenceDoc(kind=KIND, target=source.name, collector=COLLECTOR, data=data,
                       errors=errors)


def _newer(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """True when `old` is the later revision (so it stays)."""
    if old["current_release"] != new["current_release"]:
        return (old["current_release"] or "") > (new["current_release"] or "")
    return compare(str(old["version"]), str(new["version"])) > 0
