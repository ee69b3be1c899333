"""Everything the `vuln:` section names, read from local files: each advisory source, the
inventory export and the ticket export. Nothing is fetched: the user keeps the mirrors current,
and `vuln.source.current` reports when they are not.
"""

from __future__ import annotations

from gitc_agent.collectors.vuln import csaf_source, exports
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.settings.vuln_config import VulnSettings


def planned(settings: VulnSettings) -> set[tuple[str, str]]:
    """(kind, target) of every document this section produces, read or not."""
    targets = {(csaf_source.KIND, s.name) for s in settings.sources}
    if settings.inventory is not None:
        targets.add((exports.INVENTORY, settings.target))
    if settings.tickets is not None:
        targets.add((exports.TICKETS, settings.target))
    return targets


def planned_kinds(settings: VulnSettings) -> set[str]:
    return {kind for kind, _ in planned(settings)}


def collect(settings: VulnSettings) -> list[EvidenceDoc]:
    docs = [csaf_source.collect_source(source) for source in settings.sources]
    if settings.inventory is not None:
        docs.append(exports.collect_inventory(settings))
    if settings.tickets is not None:
        docs.append(exports.collect_tickets(settings))
    return docs
