"""Read `datafix.audit_log` from pgaudit's lines in PostgreSQL's CSV log (`csvlog`).

Why the server's own log: it is the change population the DBA cannot leave out of an export.
Each pgaudit line's message is `AUDIT: <type>,<statement id>,<substatement id>,<class>,<command>,
<object type>,<object name>,<statement>,<parameter>`. Only type, class, command and object name
are read, plus the csvlog's time, user, database and session (and, when the config maps `ticket`
to a csvlog column such as `application_name`, the ticket reference): the statement text is
never read, because a multi-statement query is logged whole, passwords included (see
docs/datafix.md). Log lines that are not pgaudit's (connections, errors) are counted as
`not_audit`, not rejected. The classes map to the statements the log check counts:

- READ -> SELECT; WRITE -> INSERT, UPDATE, DELETE, TRUNCATE, MERGE (COPY ... FROM -> INSERT);
- FUNCTION -> EXECUTE (the data changes inside a function are WRITE lines of their own);
- DDL, ROLE, MISC, MISC_SET -> the command's first word (CREATE, ALTER, GRANT, SET, ...); a DDL
  command that is not CREATE or DROP (COMMENT, SECURITY LABEL) reads as ALTER;
- any other class or command is kept as it is, so the check reports it as unrecognised.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from typing import Any

from gitc_agent.collectors.datafix.audit_log import Rejects
from gitc_agent.collectors.datafix.audit_reduce import Reducer
from gitc_agent.collectors.datafix.tabular import RowError, iso, open_no_follow
from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.settings.datafix_config import AuditLogTable

# PostgreSQL 13-17 csvlog columns, in order (13 lacks the last two); no header row is written
CSVLOG_COLUMNS = ("log_time", "user_name", "database_name", "process_id", "connection_from",
                  "session_id", "session_line_num", "command_tag", "session_start_time",
                  "virtual_transaction_id", "transaction_id", "error_severity", "sql_state_code",
                  "message", "detail", "hint", "internal_query", "internal_query_pos", "context",
                  "query", "query_pos", "location", "application_name", "backend_type",
                  "leader_pid", "query_id")
MIN_FIELDS = 24  # PostgreSQL 13
MESSAGE, USER, DATABASE, TIME = 13, 1, 2, 0
PREFIX = "AUDIT: "
WRITE_COMMANDS = {"INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE", "COPY"}


def statement_of(audit_class: str, command: str) -> str:
    """The statement a pgaudit class and command stand for (see the module docstring)."""
    klass = audit_class.strip().upper()
    word = command.strip().upper().split(" ", 1)[0] if command.strip() else ""
    if klass == "READ":
        return "SELECT"
    if klass == "WRITE":
        return "INSERT" if word == "COPY" else word
    if klass == "FUNCTION":
        return "EXECUTE"
    if klass == "DDL":
        return word if word in ("CREATE", "DROP", "ALTER") else "ALTER"
    if klass in ("ROLE", "MISC", "MISC_SET"):
        return word
    return f"{klass}:{word}"


class LogTimes:
    """csvlog times (`2026-11-30 14:05:03.123 CET`): the abbreviation is the server's
    log_timezone, which must be the config's timezone (or UTC); it also tells the two
    occurrences of the hour the clock goes back apart."""

    def __init__(self, zone: tzinfo, zone_name: str):
        self.zone, self.zone_name = zone, zone_name

    def parse(self, text: str) -> tuple[datetime, str]:
        stamp, _, abbr = text.strip().rpartition(" ")
        try:
            naive = datetime.fromisoformat(stamp)
        except ValueError:
            raise RowError(f"log_time {text!r} is not a csvlog time") from None
        if abbr in ("UTC", "GMT", "Z"):
            when = naive.replace(tzinfo=UTC)
        elif abbr[:1] in "+-" and abbr[1:].isdigit() and len(abbr) in (3, 5):
            minutes = int(abbr[1:3]) * 60 + (int(abbr[3:5]) if len(abbr) == 5 else 0)
            sign = -1 if abbr[0] == "-" else 1
            when = naive.replace(tzinfo=timezone(timedelta(minutes=sign * minutes)))
        else:
            when = naive.replace(tzinfo=self.zone)
            if when.tzname() != abbr:
                when = when.replace(fold=1)
                if when.tzname() != abbr:
                    raise RowError(f"log_time {text!r}: {abbr} is not a time zone of "
                                   f"{self.zone_name} at that time; set datafix.timezone to "
                                   f"the server's log_timezone")
            # a fixed offset: datetimes of one ZoneInfo compare by wall time, ignoring fold
            when = when.astimezone(timezone(when.utcoffset() or timedelta()))
        return when, iso(when)


def _object_name(rest: str) -> str:
    """The object name field (pgaudit quotes it CSV-style when it holds a comma or quote)."""
    if rest.startswith('"'):
        return next(csv.reader([rest]), [""])[0]
    return rest.split(",", 1)[0]


def read(table: AuditLogTable, zone: tzinfo, zone_name: str,
         sha256: Callable[[], str]) -> dict[str, Any]:
    """The `data` of a `datafix.audit_log` document read from a csvlog file."""
    mapped = sorted(f for f, c in table.columns.items() if f != "ticket" and c != f)
    if mapped:
        raise InputError(msg("a pgaudit log maps only 'ticket' to a csvlog column; {items} come from the "
                             "log line itself", items=', '.join(mapped)), table.file)
    ticket_column = table.columns.get("ticket", "ticket")
    if ticket_column == "ticket":
        ticket_at = None
    elif ticket_column in CSVLOG_COLUMNS:
        ticket_at = CSVLOG_COLUMNS.index(ticket_column)
    else:
        raise InputError(msg("the ticket column {ticket_column!r} is not a csvlog column ({items})",
                             ticket_column=ticket_column, items=', '.join(CSVLOG_COLUMNS)), table.file)
    times = LogTimes(zone, zone_name)
    reducer = Reducer()
    rejects = Rejects(table.file.name)
    read_count = not_audit = 0
    with open(open_no_follow(table.file), encoding=table.encoding, newline="") as handle:
        reader = csv.reader(handle, strict=False)
        start = 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                read_count += 1
                rejects.add(read_count, start, f"unreadable csvlog record: {exc}")
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not record:
                continue
            read_count += 1
            if len(record) < MIN_FIELDS:
                rejects.add(read_count, line, f"{len(record)} fields; a csvlog line has at "
                                              f"least {MIN_FIELDS}")
                continue
            message = record[MESSAGE]
            if not message.startswith(PREFIX):
                not_audit += 1
                continue
            parts = message[len(PREFIX):].split(",", 6)
            if len(parts) < 7 or not record[USER]:
                rejects.add(read_count, line, "a pgaudit line without class, command, object "
                                              "or user")
                continue
            try:
                at, text = times.parse(record[TIME])
            except RowError as exc:
                rejects.add(read_count, line, str(exc))
                continue
            ticket = record[ticket_at].strip() if ticket_at is not None and \
                ticket_at < len(record) else ""
            reducer.add(read_count, at, text, record[USER], record[DATABASE],
                        statement_of(parts[3], parts[4]), _object_name(parts[6]), ticket)
    source = {"file": str(table.file), "format": "pgaudit", "encoding": table.encoding,
              "sha256": sha256(), "columns": {"ticket": ticket_column} if ticket_at is not None else {},
              "timezone": zone_name}
    return {"source": source,
            "counts": {"read": read_count, "used": reducer.lines, "rejected": rejects.count,
                       "not_audit": not_audit},
            **rejects.part(), **reducer.data()}
