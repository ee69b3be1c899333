"""The `controls:` section of the environment config: where the internal-control log export is
and how to read it.

Why in the config: the file, its separator, date formats and column names are facts of one
environment (which GRC tool or spreadsheet keeps the log). The handbook's schedule (which
controls, how often, due when, four-eyes or not) is a norm and lives in the policy. The export
is read like the datafix exports (gitc_agent/collectors/datafix/tabular.py): same column mapping,
same messy-CSV handling, same rejected rows with file, row and reason.

Timestamps without a zone are rejected unless `timezone` is set: a log kept in local time says
so once, here, instead of every reader guessing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section, check_time_zone
from gitc_agent.settings.datafix_config import DEFAULT_DATE_FORMATS, Table
from gitc_agent.settings.yaml_source import YamlDocument

LOG_FIELDS = ("control", "period", "executed_at", "recorded_at", "executed_by", "reviewed_by",
              "reviewed_at", "note")
LOG_REQUIRED = ("control", "period", "executed_at", "recorded_at", "executed_by", "reviewed_by")
# 2026-08, 08-2026, 2026/08, 08/2026, 202608, and 2026 for a yearly control
DEFAULT_PERIOD_FORMATS = ["%Y-%m", "%m-%Y", "%Y/%m", "%m/%Y", "%Y%m", "%Y"]


class ControlsSettings(Section):
    log: Table
    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS),
                                    min_length=1)
    period_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_PERIOD_FORMATS),
                                      min_length=1)
    timezone: str | None = None  # the zone of naive timestamps; None: such a row is rejected
    follow_symlinks: bool = False
    target: Annotated[str, RESOLVED] = "controls"  # names the evidence: the config's folder

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    def resolve(self, doc: YamlDocument) -> ControlsSettings:
        """Check the time zone, the column mapping and the file; errors point at the line."""
        if self.timezone is not None:
            check_time_zone(doc, "controls", self.timezone)
        for index, fmt in enumerate(self.period_formats):
            if "%Y" not in fmt:
                raise doc.error(("controls", "period_formats", index),
                                msg("{fmt!r} has no year (%Y): a period must name its year", fmt=fmt))
        unknown = sorted(set(self.log.columns) - set(LOG_FIELDS))
        if unknown:
            raise doc.error(("controls", "log", "columns"),
                            msg("unknown field(s) {items}; the fields are {items2}",
                                items=', '.join(unknown), items2=', '.join(LOG_FIELDS)))
        absolute = Path(os.path.abspath(doc.beside(self.log.file)))
        at = ("controls", "log", "file")
        if not self.follow_symlinks and absolute.resolve() != absolute:
            raise doc.error(at, msg("{absolute} goes through a symbolic link (to {target}); name the real "
                                    "file, or set 'follow_symlinks: true'", absolute=absolute,
                                    target=absolute.resolve()))
        if not absolute.is_file():
            raise doc.error(at, msg("export {absolute} does not exist or is not a file",
                                    absolute=absolute))
        log = self.log.model_copy(update={
            "file": absolute, "columns": {f: self.log.columns.get(f, f) for f in LOG_FIELDS},
            "required": LOG_REQUIRED})
        return self.model_copy(update={"log": log,
                                       "target": doc.path.parent.resolve().name or "controls"})
