"""Walk `windows.host_state` evidence: each readable host, or why it could not be read.

Shared by the windows.* checks so each says the same thing about unreachable hosts and
unreadable parts. Dates are judged against the time the evidence was collected, so a re-run on
saved evidence gives the same verdict.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, Outcome, Status, msg
from gitc_agent.model import subjects
from gitc_agent.model.kinds import WINDOWS_HOST_STATE
from gitc_agent.model.timeutil import parse_time

_KB = re.compile(r"\bKB(\d{6,8})\b", re.I)


@dataclass(frozen=True)
class Host:
    name: str
    data: dict[str, Any]
    errors: dict[str, str | Message]  # part -> the collector's error
    source: dict[str, str]
    collected_at: datetime

    @property
    def subject(self) -> str:
        return subjects.host(self.name)

    def part(self, part: str, key: str) -> Any | None:
        """The data for `key`, or None when its part failed or is missing."""
        if part in self.errors:
            return None
        return self.data.get(key)

    def reason(self, part: str) -> str | Message:
        """Why `part` could not be read: the collector's error (as it wrote it), or that it is
        missing (a phrase, translated in the check's sentence)."""
        return self.errors.get(part) or msg("missing from the evidence")


def kbs_in(text: str) -> set[str]:
    return {f"KB{m}" for m in _KB.findall(text or "")}


def windows_hosts(evidence: EvidenceSet) -> Iterator[Host | Outcome]:
    """Yield a Host per readable document, or an `error` Outcome for a host that was not read."""
    for doc in evidence.of_kind(WINDOWS_HOST_STATE):
        source = doc.source
        whole = doc.error_for("connection") or doc.error_for("script") or \
            doc.error_for("collector")
        when = parse_time(doc.collected_at)
        if whole or not doc.data or when is None:
            reason = whole or (msg("no data in the evidence") if not doc.data
                               else msg("unreadable collection time {value}",
                                        value=repr(doc.collected_at)))
            yield Outcome(subjects.host(doc.target), Status.ERROR,
                          msg("{host}: the host could not be read: {reason}", host=doc.target,
                              reason=reason), source)
            continue
        errors = {e["part"]: e.get("message") or msg("unknown error") for e in doc.errors}
        yield Host(doc.target, doc.data, errors, source, when)
