"""Each Windows host beside the vulnerability feeds it is judged against (KEV catalog, fix map).

Without a readable feed no host can be judged, so each host gets an `error` that names the feed:
the hosts are the population, and each of them was not assessed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Outcome, Status
from gitc_agent.model.kinds import FEED_CISA_KEV, FEED_CVE_FIX_MAP

from ._windows_hosts import Host, windows_hosts


@dataclass(frozen=True)
class Exposure:
    """A host and the feeds: which known-exploited CVEs it may carry, and what fixes them."""

    host: Host
    kev: dict[str, Any]
    fixes: dict[str, Any]

    @property
    def subject(self) -> str:
        return self.host.subject

    @property
    def source(self) -> Mapping[str, Any]:
        return self.host.source


def hosts_with_feeds(evidence: EvidenceSet) -> Iterator[Exposure | Outcome]:
    kev, fixes = evidence.of_kind(FEED_CISA_KEV)[0], evidence.of_kind(FEED_CVE_FIX_MAP)[0]
    problem = None
    for doc, what in ((kev, "the CISA KEV catalog"), (fixes, "the CVE fix map")):
        if doc.error_for("file") or not doc.data:
            problem = (f"{what} could not be read ({doc.error_for('file') or 'empty'}), "
                       "so known-exploited vulnerabilities were not assessed.")
            break
    for host in windows_hosts(evidence):
        if isinstance(host, Outcome):
            yield host
        elif problem:
            yield Outcome(host.subject, Status.ERROR, f"{host.name}: {problem}", host.source)
        else:
            yield Exposure(host, kev.data, fixes.data)
