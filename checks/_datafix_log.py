"""Read the audit log of `datafix.audit_log` evidence as groups of lines.

Why groups: the collector reduces millions of lines to one group per principal, database, day,
statement, object and ticket reference (gitc_agent/collectors/datafix/audit_reduce.py). A group
holds every line's row and time while it is small (a DBA's datafix) and only count, first and
last when it is large (an application's own traffic); `lines is None` says which, so a check can
never mistake a summary for the lines themselves. Evidence saved before the reduction (one entry
per line, `entry_columns`) still reads: each entry is a group of one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gitc_agent.core.check_api import EvidenceSet, Message, msg
from gitc_agent.model.db_audit import audit_state
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import N_, MessageList, msg_list
from gitc_agent.model.timeutil import parse_time

GROUP_KEYS = ("principal", "database", "day", "statement", "object", "ticket", "count", "first",
              "first_row", "last", "last_row", "lines")


@dataclass(frozen=True, slots=True)  # slots: a log has hundreds of thousands of them
class Line:
    row: int
    at: datetime


@dataclass(slots=True)
class LogGroup:
    principal: str
    database: str
    day: str  # the date of the lines' local time, as the log wrote it
    statement: str
    object: str
    ticket: str
    count: int
    first: Line
    last: Line
    lines: list[Line] | None  # every line (first, last, then the rest); None: only first and last kept

    @property
    def ticket_key(self) -> str:
        return self.ticket.strip().upper()


class BadGroup(ValueError):
    """A group (or an old-style entry) the collector would not have written: its lines are
    rejected, never read as fewer changes."""

    def __init__(self, row: Any, reason: Message):
        super().__init__(reason)
        self.row = row
        self.reason = reason


def _text(value: Any, why: str, row: Any) -> str:
    """`why`: the whole sentence (an N_ template), built into a Message only when it fails."""
    if not isinstance(value, str):
        raise BadGroup(row, msg(why))
    return value


_ZONES: dict[Any, Any] = {}  # one tzinfo per UTC offset


def shared_zone(at: datetime | None) -> datetime | None:
    """The same time on one shared tzinfo per offset: `fromisoformat` makes a timezone and its
    timedelta for every time it reads, 72 bytes beside each of a million times."""
    if at is None:
        return None
    zone = at.tzinfo
    shared = _ZONES.setdefault(zone, zone)
    return at if shared is zone else at.replace(tzinfo=shared)


def _when(value: Any, why: str, row: Any, times: dict[str, datetime | None] | None = None
          ) -> datetime:
    """`times`: the texts read so far (one document's): the lines of a datafix share their
    minutes, and one datetime per text instead of one per line is tens of MB at 350,000
    groups."""
    if times is None or not isinstance(value, str):
        at = shared_zone(parse_time(value))
    else:
        at = times.get(value, _UNREAD)
        if at is _UNREAD:
            at = times[value] = shared_zone(parse_time(value))
    if at is None:
        raise BadGroup(row, msg(why, value=repr(value)))
    return at


def _row(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BadGroup(value, msg("row {value} is not a row number", value=repr(value)))
    return value


_IN_ORDER = {k: i for i, k in enumerate(GROUP_KEYS)}  # the collector's column order


_UNREAD: Any = object()


def group(cells: Any, cols: dict[str, int], times: dict[str, Any] | None = None) -> LogGroup:
    """One group of the reduced evidence; raises BadGroup when it cannot be trusted. `times`:
    a dict kept across the groups of one document (see _when)."""
    if not isinstance(cells, list) or len(cells) != len(cols):
        raise BadGroup("?", msg("a group of the audit log is not a list of its columns"))
    if cols != _IN_ORDER:  # another column order (hand-made evidence): the collector's one
        cells = [cells[cols[k]] for k in GROUP_KEYS]
    (principal, database, day, statement, obj, ticket, count, first_text, first_row, last_text,
     last_row, middle) = cells
    first_row, last_row = _row(first_row), _row(last_row)
    first = _when(first_text, N_("unreadable first time {value}"), first_row, times)
    last = _when(last_text, N_("unreadable last time {value}"), last_row, times)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise BadGroup(first_row, msg("line count {count} is not a positive number",
                                      count=repr(count)))
    day = _text(day, N_("the day is not text"), first_row)
    if not (day == first_text[:10] == last_text[:10]) or last < first:
        raise BadGroup(first_row, msg("first and last line do not fall on the group's day in "
                                      "order"))
    first_line, last_line = Line(first_row, first), Line(last_row, last)
    lines: list[Line] | None = None
    if middle is not None:
        if not isinstance(middle, list):
            raise BadGroup(first_row, msg("the group's lines are not a list"))
        lines = [first_line, last_line] if count > 1 else [first_line]
        for item in middle:
            if not isinstance(item, list) or len(item) != 2:
                raise BadGroup(first_row, msg("a line of the group is not [row, time]"))
            lines.append(Line(_row(item[0]), _when(item[1], N_("unreadable line time {value}"),
                                                      item[0], times)))
        if len(lines) != count:
            raise BadGroup(first_row, msg("{listed} line(s) listed for a count of {count}",
                                          listed=len(lines), count=count))
    return LogGroup(_text(principal, N_("the principal is not text"), first_row),
                    _text(database, N_("the database is not text"), first_row), day,
                    _text(statement, N_("the statement is not text"), first_row),
                    _text(obj, N_("the object is not text"), first_row),
                    _text(ticket, N_("the ticket is not text"), first_row), count, first_line,
                    last_line, lines)


def entry(cells: Any, cols: dict[str, int]) -> LogGroup:
    """One line of evidence written before the reduction, as a group of one."""
    if not isinstance(cells, list) or len(cells) < len(cols):
        raise BadGroup("?", msg("an entry of the audit log is not a list of its columns"))
    row = cells[cols["row"]]
    at = parse_time(cells[cols["timestamp"]])
    if at is None:
        raise BadGroup(row, msg("unreadable time {value}", value=repr(cells[cols["timestamp"]])))
    line = Line(row, at)
    return LogGroup(cells[cols["principal"]], cells[cols["database"]], at.date().isoformat(),
                    cells[cols["statement"]], cells[cols["object"]], cells[cols["ticket"]], 1,
                    line, line, [line])


def read_groups(data: dict[str, Any]) -> tuple[list[Any], dict[str, int], bool] | None:
    """The rows and column index of the log part, and whether they are groups (new) or
    entries (old); None when the document holds neither."""
    for rows_key, cols_key, grouped in (("groups", "group_columns", True),
                                        ("entries", "entry_columns", False)):
        rows, columns = data.get(rows_key), data.get(cols_key)
        if rows_key not in data and cols_key not in data:
            continue
        if not rows or not isinstance(rows, list) or not isinstance(columns, list):
            return None
        cols = {c: i for i, c in enumerate(columns)}
        needed = GROUP_KEYS if grouped else ("row", "timestamp", "principal", "statement",
                                             "object", "ticket", "database")
        if any(k not in cols for k in needed):
            return None
        return rows, cols, grouped
    return None


def audit_off(evidence: EvidenceSet, instances: set[str], databases: set[str]
              ) -> MessageList | None:
    """Why the audit the log comes from cannot be trusted to record every change (None: it is
    on). `instances` are the `db.instance` targets the audit-log config names; their evidence
    is read with the same rule as db.audit.enabled (gitc_agent.model.db_audit)."""
    problems: list[Message] = []
    for name in sorted(instances):
        docs = [d for d in evidence.of_kind(DB_INSTANCE) if d.target == name]
        if not docs:
            problems.append(msg("{instance}: no db.instance evidence was collected, so whether "
                                "its audit is on is unknown", instance=name))
            continue
        for doc in docs:
            unreadable = "; ".join(f"{e.get('part')}: {e.get('message', '?')}" for e in doc.errors
                                   if e.get("part") in ("connection", "audit", "settings"))
            state = audit_state(doc.data or {},
                                unreadable or (None if doc.data else msg("no data")),
                                audited_databases=sorted(databases))
            if state.on is None:
                problems.append(msg("{instance}: the audit is unknown ({reasons})",
                                    instance=name, reasons=msg_list(state.reasons)))
            elif state.on is False:
                problems.append(msg("{instance}: the audit is off or incomplete ({reasons})",
                                    instance=name, reasons=msg_list(state.reasons)))
    return msg_list(problems) if problems else None
