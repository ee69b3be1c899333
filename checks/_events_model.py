"""The security-event evidence as the checks read it: logon aggregates, changes, host coverage.

Why its own module: the walker (`_events`) and the reader of the document (`_events_parse`) share
these types; the checks only see them through the walker.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import Message
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import subjects
from gitc_agent.model.kinds import EVENTS_SECURITY

from ._ad_accounts import Domain
from ._unreadable import Unreadable


class Malformed(Unreadable):
    """The evidence is not what the collector writes: nothing in that part can be judged."""


@dataclass(frozen=True)
class Logon:
    account: str
    domain: str
    sid: str | None
    type: int
    host: str
    source: str | None
    first: datetime
    last: datetime
    count: int

    @property
    def origin(self) -> str:
        """Where the account came from: the source workstation or address when the event names
        one, else the host it logged on at (a local logon)."""
        return self.source or self.host


@dataclass(frozen=True)
class Change:
    """A privileged-group addition (event_id 4728/4732/4756) or an account creation (4720)."""

    at: datetime
    host: str
    record: Any
    event_id: int
    sid: str | None  # group SID, or the new account's SID
    name: str | None  # group name, or the new account's name
    member_sid: str | None = None
    member_name: str | None = None
    by: str | None = None

    @property
    def subject(self) -> str:
        return subjects.event(self.host, self.record)


@dataclass(frozen=True)
class Coverage:
    host: str
    first: datetime
    last: datetime
    events: int
    covered: tuple[tuple[datetime, datetime], ...]


@dataclass(frozen=True)
class ChangeTicket:
    ticket: str
    approved_at: datetime
    account: str
    group: str | None


@dataclass
class Events:
    """One `events.security` document, checked; plus the AD domain when it could be read."""

    doc: EvidenceDoc
    start: datetime
    end: datetime
    logons: list[Logon]
    additions: list[Change]
    creations: list[Change]
    hosts: dict[str, Coverage]
    expected_hosts: list[str]
    counts: dict[str, int]
    tickets: list[ChangeTicket] | None
    domain: Domain | None = None
    ad_problem: Message | None = None
    broken: dict[str, Message | str] = field(default_factory=dict)  # part -> why not judged

    @property
    def subject(self) -> str:
        return subjects.export(EVENTS_SECURITY)

    @property
    def source(self) -> dict[str, str]:
        return self.doc.source

    @property
    def period(self) -> str:
        return f"{self.start.isoformat(timespec='minutes')} – {self.end.isoformat(timespec='minutes')}"

    def evidence(self, **extra: object) -> dict[str, object]:
        return {"period": {"start": self.start.isoformat(), "end": self.end.isoformat()},
                "events": {k: self.counts.get(k) for k in ("read", "accepted", "rejected")},
                **extra}

    def logons_of(self, name: str, sid: str | None) -> list[Logon]:
        """The account's logon aggregates: by SID where the event has one, else by name."""
        index = _index(self)
        found = list(index[0].get(sid.upper(), [])) if sid else []
        for logon in index[1].get(name.lower(), []):
            if logon.sid is None or sid is None:
                found.append(logon)
        return found


def _index(events: Events) -> tuple[dict[str, list[Logon]], dict[str, list[Logon]]]:
    cached = getattr(events, "_logon_index", None)
    if cached is None:
        by_sid: dict[str, list[Logon]] = defaultdict(list)
        by_name: dict[str, list[Logon]] = defaultdict(list)
        for logon in events.logons:
            if logon.sid:
                by_sid[logon.sid].append(logon)
            by_name[logon.account.lower()].append(logon)
        cached = (dict(by_sid), dict(by_name))
        events._logon_index = cached  # type: ignore[attr-defined]
    return cached
