"""The `events:` section of the environment config: where the security-event exports are and how
to read them.

Why in the config: which files the log manager exported, in which format, with which field names,
and which servers forward their Security log are facts of one environment. Which accounts may log
on where, and how long a gap in the log may be, are norms: they are the policy's. Relative paths
are relative to the config file; a path through a symlink is refused unless `follow_symlinks`.

Formats: `evtx` (Windows event log files), `ecs` (Winlogbeat / Elastic Common Schema NDJSON),
`splunk` (Splunk JSON export, one result per line), `wef` (Windows Event Forwarding XML rendered
as JSON: `Event.System`, `Event.EventData`), `auto` (by suffix, then by the first record).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section, check_time_zone
from gitc_agent.settings.datafix_config import ExportSettings, Table
from gitc_agent.settings.yaml_source import Path_, YamlDocument

EVENT_FORMATS = ("auto", "evtx", "ecs", "splunk", "wef")
#: canonical event fields a `fields:` mapping may point elsewhere (dotted path in the record)
EVENT_FIELDS = ("time", "event_id", "channel", "host", "record_id", "event_data",
                "target_user", "target_domain", "target_sid", "logon_type", "workstation", "ip",
                "member_sid", "member_name", "subject_user", "subject_domain")
TICKET_FIELDS = ("ticket", "approved_at", "account", "group", "title")
TICKET_REQUIRED = ("ticket", "approved_at", "account")


class EventSource(Section):
    """One exported file of security events."""

    file: Path
    format: Literal["auto", "evtx", "ecs", "splunk", "wef"] = "auto"
    fields: dict[str, str] = Field(default_factory=dict)  # canonical field -> dotted path

    @field_validator("fields")
    @classmethod
    def _known(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(EVENT_FIELDS))
        if unknown:
            raise ValueError(msg("unknown field(s) {items}; the fields are {items2}",
                                 items=', '.join(unknown), items2=', '.join(EVENT_FIELDS)))
        return value


class Period(Section):
    """The period the exports must cover; times need a zone (`2026-10-01T00:00:00+02:00`)."""

    start: datetime
    end: datetime

    @field_validator("start", "end")
    @classmethod
    def _zoned(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError(msg("give the time with its zone (e.g. 2026-10-01T00:00:00+02:00 or Z): a "
                                 "time without one could be any of 24 hours"))
        return value


class EventsSettings(ExportSettings):
    sources: list[EventSource] = Field(min_length=1)
    channels: list[str] = Field(default_factory=lambda: ["Security"], min_length=1)
    period: Period | None = None  # default: from the first to the last event read
    # servers that forward their Security log and must be covered (the DCs come from AD)
    servers: list[str] = Field(default_factory=list)
    tickets: Table | None = None  # change tickets for account creations and group changes
    # timezone: of naive times in the ticket export only; events need their zone
    max_logon_aggregates: int = Field(default=1_000_000, ge=1000, le=50_000_000)
    target: Annotated[str, RESOLVED] = "events"

    def resolve(self, doc: YamlDocument) -> EventsSettings:
        """Check files, the period and the ticket mapping; errors point at the config line."""
        check_time_zone(doc, "events", self.timezone)
        if self.period is not None and self.period.end <= self.period.start:
            raise doc.error(("events", "period"), msg("the period ends before it starts"))
        sources = []
        for index, source in enumerate(self.sources):
            path = _path(source.file, self.follow_symlinks, doc, ("events", "sources", index,
                                                                  "file"))
            sources.append(source.model_copy(update={"file": path}))
        tickets = self.tickets
        if tickets is not None:
            unknown = sorted(set(tickets.columns) - set(TICKET_FIELDS))
            if unknown:
                raise doc.error(("events", "tickets", "columns"),
                                msg("unknown field(s) {items}; the fields are {items2}",
                                    items=', '.join(unknown), items2=', '.join(TICKET_FIELDS)))
            path = _path(tickets.file, self.follow_symlinks, doc, ("events", "tickets", "file"))
            tickets = tickets.model_copy(update={
                "file": path, "columns": {f: tickets.columns.get(f, f) for f in TICKET_FIELDS},
                "required": TICKET_REQUIRED})
        return self.model_copy(update={"sources": sources, "tickets": tickets,
                                       "target": doc.path.parent.resolve().name or "events"})


def _path(file: Path, follow: bool, doc: YamlDocument, loc: Path_) -> Path:
    absolute = Path(os.path.abspath(doc.beside(file)))
    if not follow and absolute.resolve() != absolute:
        raise doc.error(loc, msg("{absolute} goes through a symbolic link (to {target}); name the real "
                                 "file, or set 'follow_symlinks: true'", absolute=absolute,
                                 target=absolute.resolve()))
    if not absolute.is_file():
        raise doc.error(loc, msg("export {absolute} does not exist or is not a file",
                                 absolute=absolute))
    return absolute
