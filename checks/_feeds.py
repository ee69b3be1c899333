"""Each Windows host beside the vulnerability feeds it is judged against (KEV catalog, fix map).

Without a readable feed no host can be judged, so each host gets an `error` that names the feed:
the hosts are the population, and each of them was not assessed. A feed that was read in part
(KEV entries whose vendor or CVE could not be read, fix-map rows rejected) is handed on with what
was not read, so the judge can tell "not affected" from "not seen".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CVE_FIX_MAP

from ._windows_hosts import Host, windows_hosts


@dataclass(frozen=True)
class Exposure:
    """A host and the feeds: which known-exploited CVEs it may carry, and what fixes them."""

    host: Host
    kev: dict[str, Any]
    fixes: dict[str, Any]
    kev_unread: list[str] = field(default_factory=list)  # KEV entries that could not be read
    fixes_rejected: list[str] = field(default_factory=list)  # fix-map rows that were rejected

    @property
    def subject(self) -> str:
        return self.host.subject

    @property
    def source(self) -> Mapping[str, Any]:
        return self.host.source


def kev_problem(doc: EvidenceDoc) -> Message | None:
    """Why the KEV catalog cannot be used at all, as a clause (`vuln.*` quotes it), or None."""
    reason = _reason(doc, "vulnerabilities")
    if reason is None:
        return None
    return msg("the CISA KEV catalog could not be read ({reason}), so known-exploited "
               "vulnerabilities were not assessed.", reason=reason)


def _reason(doc: EvidenceDoc, key: str) -> Message | str | None:
    """Why this feed cannot be used at all (the collector's error as it wrote it), or None."""
    items = doc.data.get(key) if doc.data else None
    reason: Message | str | None = doc.error_for("file") or (None if doc.data else msg("empty"))
    if reason is None and not isinstance(items, list):
        reason = msg("no '{key}' list", key=key)
    counted = doc.data.get("count_vendor") if doc.data else None
    if reason is None and isinstance(counted, int) and counted != len(items or []):
        reason = msg("{count} entries where the collection counted {counted}",
                     count=len(items or []), counted=counted)
    return reason


def hosts_with_feeds(evidence: EvidenceSet) -> Iterator[Exposure | Outcome]:
    kev, fixes = evidence.of_kind(FEED_CISA_KEV)[0], evidence.of_kind(FEED_CVE_FIX_MAP)[0]
    kev_unusable, fix_unusable = _reason(kev, "vulnerabilities"), _reason(fixes, "fixes")
    for host in windows_hosts(evidence):
        if isinstance(host, Outcome):
            yield host
        elif kev_unusable:
            yield Outcome(host.subject, Status.ERROR, msg(
                "{host}: the CISA KEV catalog could not be read ({reason}), so known-exploited "
                "vulnerabilities were not assessed.", host=host.name, reason=kev_unusable),
                host.source)
        elif fix_unusable:
            yield Outcome(host.subject, Status.ERROR, msg(
                "{host}: the CVE fix map could not be read ({reason}), so known-exploited "
                "vulnerabilities were not assessed.", host=host.name, reason=fix_unusable),
                host.source)
        else:
            yield Exposure(host, kev.data, fixes.data,
                           [e["part"] for e in kev.errors if e.get("part") != "file"],
                           [e["part"] for e in fixes.errors if e.get("part") != "file"])
