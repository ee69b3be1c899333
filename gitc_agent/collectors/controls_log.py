"""Collect the internal-control log export (one line per control execution) as evidence.

Why like the datafix register: the log is an export too (a GRC tool's CSV, a spreadsheet kept by
the controller) with the same problems, so it is read by the same tabular reader: column mapping,
Dutch Excel CSV, rejected rows with file, row, line and reason, counts read/used/rejected and the
file's SHA-256. What is checked here is what the file alone can tell: a period or a time that
cannot be read, a time without a zone (unless the config names the log's zone), a recording
before its execution, and the same control and period twice. Whether a control is in the
handbook is the policy's question; the checks ask it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from gitc_agent.collectors.datafix.tabular import Row, RowError, iso, open_no_follow, read_rows
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds
from gitc_agent.model.workdays import local_date
from gitc_agent.settings.controls_config import ControlsSettings
from gitc_agent.settings.datafix_config import ISO

KIND = kinds.CONTROLS_REGISTER
COLLECTOR = "controls.files"
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%z", "%c", "%X")


class Moments:
    """Timestamps by the config's explicit format list (first match wins), as ISO text.

    A value without a time of day is kept as a date (a controller writes "28-08-2026"). A value
    with a time but no zone is rejected unless the config names the log's zone: 23:30 could be
    either side of a due date's midnight.
    """

    def __init__(self, settings: ControlsSettings):
        self.formats = tuple(settings.date_formats)
        self.zone = settings.zone

    def parse(self, text: str, field: str) -> str | None:
        value = text.strip()
        if not value:
            return None
        for fmt in self.formats:
            when = _try(value, fmt)
            if when is None:
                continue
            if not isinstance(when, datetime):
                return when.isoformat()
            if when.tzinfo is None:
                if self.zone is None:
                    raise RowError(f"{field} {value!r} has no time zone; write the offset in "
                                   f"the export or set 'timezone' in the controls config")
                when = when.replace(tzinfo=self.zone)
            return iso(when)
        raise RowError(f"{field} {value!r} matches none of the date formats "
                       f"({', '.join(self.formats)})")


def _try(value: str, fmt: str) -> datetime | date | None:
    try:
        if fmt == ISO:
            if _DATE_ONLY.match(value):
                return date.fromisoformat(value)
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        when = datetime.strptime(value, fmt)
    except ValueError:
        return None
    return when if any(d in fmt for d in _TIME_DIRECTIVES) else when.date()


def parse_period(text: str, formats: tuple[str, ...]) -> str:
    """`2026-08` for a month, `2026` for a year (a format without %m)."""
    value = text.strip()
    for fmt in formats:
        try:
            when = datetime.strptime(value, fmt)
        except ValueError:
            continue
        return f"{when.year:04d}-{when.month:02d}" if "%m" in fmt else f"{when.year:04d}"
    raise RowError(f"period {value!r} matches none of the period formats ({', '.join(formats)})")


def _day(text: str) -> date:
    return local_date(datetime.fromisoformat(text)) if "T" in text else date.fromisoformat(text)


def collect(settings: ControlsSettings) -> EvidenceDoc:
    try:
        data = _build(settings)
    except OSError as exc:
        return EvidenceDoc(kind=KIND, target=settings.target, collector=COLLECTOR, data={},
                           errors=[{"part": "file", "message": f"{exc.filename}: cannot read "
                                                               f"the export: {exc.strerror}"}])
    return EvidenceDoc(kind=KIND, target=settings.target, collector=COLLECTOR, data=data)


def _build(settings: ControlsSettings) -> dict[str, Any]:
    table = settings.log
    moments = Moments(settings)
    formats = tuple(settings.period_formats)
    seen: dict[tuple[str, str], int] = {}

    def execution(row: Row, hint: dict[str, str]) -> dict[str, Any]:
        v = row.values
        control = v["control"].strip()
        if not control:
            raise RowError("the control id is empty")
        hint["control"] = control
        period = parse_period(v["period"], formats)
        hint["period"] = period
        executed_at = moments.parse(v["executed_at"], "executed_at")
        recorded_at = moments.parse(v["recorded_at"], "recorded_at")
        if recorded_at is None:
            raise RowError("recorded_at is empty: a log line must say when it was recorded")
        if executed_at is not None and not v["executed_by"].strip():
            raise RowError("executed (executed_at set) but executed_by is empty")
        if executed_at is not None and _day(recorded_at) < _day(executed_at):
            raise RowError(f"recorded_at {recorded_at} is before executed_at {executed_at}")
        key = (control.upper(), period)
        if key in seen:
            raise RowError(f"control {control} for period {period} is already on row "
                           f"{seen[key]} (duplicate row)")
        seen[key] = row.number
        return {"control": control, "period": period, "executed_at": executed_at,
                "recorded_at": recorded_at, "executed_by": v["executed_by"].strip(),
                "reviewed_by": v["reviewed_by"].strip(),
                "reviewed_at": moments.parse(v["reviewed_at"], "reviewed_at"),
                "note": v["note"][:200], "row": row.number, "line": row.line}

    rows, info = read_rows(table)
    executions: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    read = 0
    for row in rows:
        read += 1
        hint: dict[str, str] = {}
        problem = row.values.get("__error__")
        if problem is None:
            try:
                executions.append(execution(row, hint))
                continue
            except RowError as exc:
                problem = str(exc)
        rejected.append({"file": table.file.name, "row": row.number, "line": row.line,
                         "reason": problem, **hint})
    info["sha256"] = _sha256(table.file)
    info["columns"] = dict(table.columns)
    info["period_formats"] = list(formats)
    return {"source": info,
            "counts": {"read": read, "used": len(executions), "rejected": len(rejected)},
            "rejected": rejected, "executions": executions}


def _sha256(path: Any) -> str:
    digest = hashlib.sha256()
    with open(open_no_follow(path), "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def planned(settings: ControlsSettings | None) -> Iterator[tuple[str, str]]:
    """The (kind, target) this config section collects."""
    if settings is not None:
        yield KIND, settings.target
