"""`gitc-agent feeds status`: what is on disk for each vulnerability source, and how old it is.

Why a command of its own: the administrator who keeps the mirrors needs to see, before a scan,
whether the NCSC-NL and Microsoft mirrors, the KEV catalog and the fix map are there and fresh,
and which documents are not valid CSAF. It reads the same files the scan reads (no network) and
judges nothing: the age limits are the policy's (vuln.source.current).
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gitc_agent.collectors.vuln.csaf_source import collect_source
from gitc_agent.model.message import Message, msg
from gitc_agent.model.timeutil import parse_time
from gitc_agent.settings.config import Config


def _age(when: datetime | None, now: datetime) -> int | None:
    return (now - when).days if when else None


def _file(kind: str, path: Path, now: datetime) -> dict[str, Any]:
    try:
        modified = datetime.fromtimestamp(os.stat(path).st_mtime, UTC)
    except OSError as exc:
        return {"source": kind, "path": str(path), "problem": exc.strerror or str(exc)}
    return {"source": kind, "path": str(path), "layout": "file",
            "modified": modified.isoformat(timespec="seconds"),
            "age_days": _age(modified, now)}


def status(config: Config, now: datetime | None = None) -> list[dict[str, Any]]:
    """One row per configured source: layout, document counts, newest advisory and its age."""
    now = now or datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for source in (config.vuln.sources if config.vuln else []):
        doc = collect_source(source)
        if not doc.data:
            rows.append({"source": source.name, "path": str(source.path),
                         "problem": "; ".join(e["message"] for e in doc.errors)})
            continue
        newest = parse_time(doc.data.get("newest_release"))
        rows.append({"source": source.name, "path": doc.data["path"],
                     "layout": doc.data["layout"], "documents": doc.data["counts"],
                     "in_force": doc.data["in_force"],
                     "newest_release": doc.data.get("newest_release"),
                     "age_days": _age(newest, now),
                     "provider_last_updated": (doc.data.get("provider") or {}).get(
                         "last_updated"),
                     "invalid": doc.data["invalid"],
                     "listing_problems": [e["message"] for e in doc.errors
                                          if e.get("part") == "listing"]})
    if config.feeds is not None:
        for kind, path in (("cisa-kev", config.feeds.kev_catalog),
                           ("cve-fix-map", config.feeds.kev_fix_map)):
            if path is not None:
                rows.append(_file(kind, path, now))
    return rows


def lines(rows: list[dict[str, Any]]) -> list[Message]:
    """The rows as messages (shown in the command's language), one source a line plus one line
    per unusable document."""
    out = []
    for row in rows:
        if "problem" in row:
            out.append(msg("{source}: {path}: cannot be read: {problem}", source=row["source"],
                           path=row["path"], problem=row["problem"]))
            continue
        if row.get("layout") == "file":
            out.append(msg("{source}: {path}: file modified {modified} ({days} days ago)",
                           source=row["source"], path=row["path"], modified=row["modified"],
                           days=row["age_days"]))
            continue
        docs = row["documents"]
        age = (msg("{days} days old", days=row["age_days"]) if row["age_days"] is not None
               else msg("age unknown"))
        newest = row["newest_release"] or msg("none")
        out.append(msg("{source}: {path} ({layout}): {valid} valid document(s), {in_force} "
                       "advisories in force, {invalid} invalid, {superseded} superseded, "
                       "{withdrawn} withdrawn; newest advisory {newest} ({age})",
                       source=row["source"], path=row["path"], layout=row["layout"],
                       valid=docs["valid"], in_force=row["in_force"], invalid=docs["invalid"],
                       superseded=docs["superseded"], withdrawn=docs["withdrawn"],
                       newest=newest, age=age))
        out += [msg("  invalid: {file}: {where}: {reason}", file=i["file"],
                    where=i["path"] or msg("(file)"), reason=i["reason"])
                for i in row["invalid"]]
        out += [msg("  listing: {problem}", problem=p) for p in row["listing_problems"]]
    return out or [msg("no vulnerability sources are configured (vuln.sources, feeds)")]
