"""Walk `host.state` evidence: the admin host gitc-agent runs on, one part at a time.

The local collector always has a document (it cannot be unreachable), so what could not be read
is per part (`agents`, `reboot`, `updates_*`); each check says so for the part it judges.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import HOST_STATE


@dataclass(frozen=True)
class AdminHost:
    doc: EvidenceDoc

    @property
    def name(self) -> str:
        return self.doc.target

    @property
    def subject(self) -> str:
        return subjects.host(self.name)

    @property
    def source(self) -> dict[str, str]:
        return self.doc.source

    @property
    def data(self) -> dict[str, Any]:
        return self.doc.data

    @property
    def errors(self) -> list[dict[str, str]]:
        return self.doc.errors

    def error_for(self, part: str) -> str | None:
        return self.doc.error_for(part)


def admin_hosts(evidence: EvidenceSet) -> Iterator[AdminHost]:
    for doc in evidence.of_kind(HOST_STATE):
        yield AdminHost(doc)
