"""Read the advisory evidence into typed records, or say why a record cannot be read.

Strict on purpose: an advisory record with a missing or mistyped field is reported as
unreadable (`error`), never matched on what is left: a missing `affected` list would otherwise
read as "affects nothing" and a host would pass. The hosts' side is in `_vuln_hosts`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import FEED_CSAF
from gitc_agent.model.timeutil import parse_time
from gitc_agent.model.versions import is_version
from gitc_agent.model.versions import key as version_key

from ._unreadable import Unreadable, why

_TOKEN = re.compile(r"[a-z0-9]+")
STATUSES = ("final", "interim", "draft")


@lru_cache(maxsize=1 << 17)
def tokens(text: str) -> frozenset[str]:
    """The words of a product or program name (cached: a fleet repeats the same names)."""
    return frozenset(_TOKEN.findall(text.lower()))


@dataclass(frozen=True)
class Problem:
    """Something that could not be read: becomes an `error` result in every matching check."""

    subject: str
    message: Message  # or a plain str
    source: dict[str, str]


@dataclass(frozen=True)
class Entry:
    product: str
    vendor: str
    tokens: frozenset[str]
    purl_name: str | None
    cves: tuple[str, ...]
    affected: tuple[dict[str, Any], ...]
    fixed: tuple[str, ...]
    kbs: tuple[str, ...]
    not_affected: tuple[dict[str, Any], ...]
    investigating: bool
    first_fixed: str | None  # the lowest fixed version that reads as a version


@dataclass(frozen=True)
class Advisory:
    source_name: str
    tracking_id: str
    title: str
    file: str
    publisher: str
    klass: str
    initial_release: datetime
    current_release: datetime
    version: str
    cves: tuple[str, ...]
    entries: tuple[Entry, ...]
    source: dict[str, str] = field(compare=False)

    @property
    def subject(self) -> str:
        return subjects.advisory(self.tracking_id)


def _text(record: dict[str, Any], key: str, empty: bool = False) -> str:
    value = record.get(key)
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise Unreadable(msg("{key} is missing or not text", key=f"'{key}'"))
    return value


def _list(record: dict[str, Any], key: str) -> list[Any]:
    value = record.get(key)
    if not isinstance(value, list):
        raise Unreadable(msg("{key} is missing or not a list", key=f"'{key}'"))
    return value


def _spec(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, dict) or len(spec) != 1 or not (
            spec.get("any") is True or isinstance(spec.get("version"), str)
            or isinstance(spec.get("range"), str)):
        raise Unreadable(msg("unreadable version statement {spec}", spec=repr(spec)))
    return spec


def _entry(raw: Any) -> Entry:
    if not isinstance(raw, dict):
        raise Unreadable(msg("a product entry is not an object"))
    product = _text(raw, "product")
    vendor = _text(raw, "vendor", empty=True)
    purl = raw.get("purl")
    if "purl" not in raw or "cpe" not in raw or not isinstance(raw.get("investigating"), bool):
        raise Unreadable(msg("product {product}: 'purl', 'cpe' or 'investigating' missing",
                             product=repr(product)))
    lists = {k: _list(raw, k) for k in ("cves", "affected", "fixed", "kbs", "not_affected")}
    if not all(isinstance(v, str) for k in ("cves", "fixed", "kbs") for v in lists[k]):
        raise Unreadable(msg("product {product}: a CVE, fixed version or KB is not text",
                             product=repr(product)))
    if not (lists["affected"] or lists["fixed"] or lists["kbs"] or lists["not_affected"]
            or raw["investigating"]):
        raise Unreadable(msg("product {product} carries no status at all",
                             product=repr(product)))
    purl_name = None
    if isinstance(purl, str) and purl.startswith("pkg:"):
        purl_name = purl.split("@", 1)[0].rsplit("/", 1)[-1].lower() or None
    first_fixed = min((f for f in lists["fixed"] if is_version(f)), key=version_key,
                      default=None)
    return Entry(product, vendor, tokens(product), purl_name, tuple(lists["cves"]),
                 tuple(_spec(s) for s in lists["affected"]), tuple(lists["fixed"]),
                 tuple(k.upper() for k in lists["kbs"]),
                 tuple(_spec(s) for s in lists["not_affected"]), raw["investigating"],
                 first_fixed)


def advisory(raw: Any, source_name: str, doc: EvidenceDoc) -> Advisory | None:
    """The record, or None when it is withdrawn or a draft; ValueError when unreadable."""
    if not isinstance(raw, dict):
        raise Unreadable(msg("an advisory record is not an object"))
    withdrawn, status = raw.get("withdrawn"), raw.get("status")
    if not isinstance(withdrawn, bool) or status not in STATUSES:
        raise Unreadable(msg("unreadable 'withdrawn' {withdrawn} or 'status' {status}",
                             withdrawn=repr(withdrawn), status=repr(status)))
    tracking_id = _text(raw, "tracking_id")
    initial, current = (parse_time(raw.get("initial_release")),
                        parse_time(raw.get("current_release")))
    if initial is None or current is None:
        raise Unreadable(msg("{advisory}: unreadable release dates", advisory=tracking_id))
    entries = tuple(_entry(e) for e in _list(raw, "products"))
    cves = _list(raw, "cves")
    title, file, klass = _text(raw, "title", True), _text(raw, "file"), _text(raw, "class")
    publisher, version = _text(raw, "publisher"), _text(raw, "version")
    if withdrawn or status == "draft":
        return None
    if not entries:
        raise Unreadable(msg("{advisory} names no product, so which hosts it applies to is not "
                             "machine-readable: a person must decide", advisory=tracking_id))
    return Advisory(source_name, tracking_id, title, file, publisher, klass.lower(), initial,
                    current, version, tuple(str(c) for c in cves), entries, doc.source)


def advisories(evidence: EvidenceSet) -> tuple[list[Advisory], list[Problem]]:
    found, problems = [], []
    for doc in evidence.of_kind(FEED_CSAF):
        fatal = [e for e in doc.errors if e.get("part") not in ("document", "listing")]
        records = doc.data.get("advisories") if doc.data else None
        if fatal or not isinstance(records, list) or not records:
            reason = (fatal[0].get("message") if fatal else msg("no advisories in the evidence"))
            problems.append(Problem(subjects.feed(doc.target), msg(
                "advisory source {source} could not be read ({reason}), so its advisories were "
                "not matched to any host.", source=doc.target, reason=reason), doc.source))
            continue
        for index, err in enumerate(doc.errors):  # the other documents are still used
            where = (subjects.advisory(f"{doc.target}:{_file_of(err)}")
                     if err.get("part") == "document" else f"{subjects.feed(doc.target)}/"
                                                           f"listing#{index}")
            problems.append(Problem(where, msg(
                "{source}: a document could not be used: {reason}. Nobody can tell which hosts "
                "it applies to; fix or remove it.", source=doc.target,
                reason=str(err.get("message"))), doc.source))
        for index, raw in enumerate(records):
            try:
                record = advisory(raw, doc.target, doc)
            except ValueError as exc:
                name = raw.get("tracking_id") if isinstance(raw, dict) else None
                problems.append(Problem(subjects.advisory(str(name or f"{doc.target}#{index}")),
                                        msg("{source}: advisory record {index} is unreadable "
                                            "({reason}).", source=doc.target, index=index,
                                            reason=why(exc)), doc.source))
                continue
            if record is not None:
                found.append(record)
    return found, problems


def _file_of(err: dict[str, str]) -> str:
    return str(err.get("message", "")).split(": ", 1)[0] or str(err.get("part"))
