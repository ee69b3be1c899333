"""Collect `datafix.audit_log` from an audit-log export, streamed and reduced (audit_reduce).

Why its own module: the register and role exports are thousands of rows, an audit log millions
of lines; the log is read record by record as raw cells, each timestamp text is parsed once
(logs repeat them), and only the groups the checks judge are kept. The contract of the other
exports holds: a missing required column is exit 2, a line that cannot be used is rejected with
file, row, line and reason, the counts say how many lines were read, used and rejected, and the
file's SHA-256 is recorded.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import datetime
from operator import itemgetter
from typing import Any

from gitc_agent.collectors.datafix.audit_reduce import CACHE_LIMIT, Reducer
from gitc_agent.collectors.datafix.tabular import (
    DateParser,
    RowError,
    iso,
    open_csv,
    read_rows,
    table_format,
)
from gitc_agent.settings.datafix_config import AuditLogTable

MAX_REJECTED = 1000  # rejected lines listed one by one; the rest are counted


class Times:
    """DateParser with a memory: each distinct timestamp text is parsed once."""

    def __init__(self, dates: DateParser):
        self.dates = dates
        self.cache: dict[str, tuple[datetime, str] | str] = {}

    def parse(self, text: str) -> tuple[datetime, str]:
        """Raises RowError for a text no format reads."""
        hit = self.cache.get(text)
        if hit is None:
            if len(self.cache) > CACHE_LIMIT:
                self.cache.clear()
            try:
                when = self.dates.parse(text, "timestamp")
                hit = (when, iso(when))
            except RowError as exc:
                hit = str(exc)
            self.cache[text] = hit
        if isinstance(hit, str):
            raise RowError(hit)
        return hit


class Rejects:
    """Rejected lines: the first MAX_REJECTED with file, row, line and reason, all counted."""

    def __init__(self, name: str):
        self.name = name
        self.listed: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int, line: int, reason: str, ticket: str = "") -> None:
        self.count += 1
        if len(self.listed) < MAX_REJECTED:
            entry = {"file": self.name, "row": row, "line": line, "reason": reason}
            if ticket:
                entry["ticket"] = ticket
            self.listed.append(entry)

    def part(self) -> dict[str, Any]:
        out: dict[str, Any] = {"rejected": self.listed}
        if self.count > len(self.listed):
            out["rejected_not_listed"] = self.count - len(self.listed)
        return out


FIELDS = ("timestamp", "principal", "statement", "object", "ticket", "database")
FLUSH = 100_000  # distinct raw lines held before they are folded into the groups


class _Pending:
    """Lines counted by their raw cells first (a log repeats them: the same application write
    in the same minute), then folded into the groups: the per-line work stays a tuple and a
    dictionary look-up, and memory stays bounded."""

    def __init__(self, reducer: Reducer, times: Times, mapping: dict[str, str],
                 rejects: Rejects):
        self.reducer, self.times, self.mapping, self.rejects = reducer, times, mapping, rejects
        # raw cells -> [count, [(row, line)] of the first DETAIL + 1, last row]
        self.lines: dict[tuple[str, ...], list[Any]] = {}
        self.cap = reducer.detail + 1

    def add(self, key: tuple[str, ...], row: int, line: int) -> None:
        entry = self.lines.get(key)
        if entry is None:
            self.lines[key] = [1, [(row, line)], row]
            if len(self.lines) >= FLUSH:
                self.flush()
            return
        entry[0] += 1
        entry[2] = row
        if len(entry[1]) < self.cap:
            entry[1].append((row, line))

    def flush(self) -> None:
        for key, (count, rows, last_row) in self.lines.items():
            timestamp, principal, statement, obj, ticket, database = map(str.strip, key)
            problem = None
            if not principal or not statement:
                problem = "principal or statement class is empty"
            else:
                try:
                    at, text = self.times.parse(timestamp)
                except RowError as exc:
                    problem = str(exc)
            if problem is not None:
                for row, line in rows:
                    self.rejects.add(row, line, problem, ticket)
                self.rejects.count += count - len(rows)
                continue
            value = statement.upper()
            self.reducer.add_many([r for r, _ in rows], last_row, count, at, text, principal,
                                  database, self.mapping.get(value, value), obj, ticket)
        self.lines.clear()


def read(table: AuditLogTable, dates: DateParser, sha256: Callable[[], str]) -> dict[str, Any]:
    """The `data` of a `datafix.audit_log` document for a CSV or JSON export."""
    mapping = {k.strip().upper(): v.strip().upper() for k, v in table.statement_map.items()}
    reducer = Reducer()
    rejects = Rejects(table.file.name)
    pending = _Pending(reducer, Times(dates), mapping, rejects)
    read_count = 0
    if table_format(table) == "csv":
        read_count, info = _read_csv(table, pending)
    else:
        rows, info = read_rows(table)
        for row in rows:
            read_count += 1
            v = row.values
            if "__error__" in v:
                rejects.add(row.number, row.line, v["__error__"])
                continue
            pending.add(tuple(v[f] for f in FIELDS), row.number, row.line)
    pending.flush()
    info["sha256"] = sha256()
    info["columns"] = dict(table.columns)
    if mapping:
        info["statement_map"] = mapping
    return {"source": info,
            "counts": {"read": read_count, "used": reducer.lines, "rejected": rejects.count},
            **rejects.part(), **reducer.data()}


def _read_csv(table: AuditLogTable, pending: _Pending) -> tuple[int, dict[str, Any]]:
    """Count every record of a CSV export into `pending`; return the records read.

    The rules of `tabular.csv_records` (blank records are not records; a record with another
    number of fields than the header, or one the csv module cannot read, is rejected with its
    row and first line), in one loop without a generator or a call per line: at ten million
    lines each call is seconds. The record's cells tuple is the key; a repeated key costs a
    dictionary look-up and two stores."""
    source = open_csv(table)
    reader, width, rejects = source.reader, source.width, pending.rejects
    pick = _picker([source.wanted.get(f) for f in FIELDS])
    lines, cap, flush = pending.lines, pending.cap, pending.flush
    get = lines.get
    number = 0
    start = reader.line_num + 1
    with source.handle:
        while True:
            try:
                for record in reader:
                    line, start = start, reader.line_num + 1
                    if len(record) != width:
                        if any(cell.strip() for cell in record):
                            number += 1
                            rejects.add(number, line,
                                        f"{len(record)} fields where the header has {width}")
                        continue  # else a blank line (Excel leaves them at the end)
                    if not record[0].strip() and not any(cell.strip() for cell in record):
                        continue  # blank: not a record
                    number += 1
                    key = pick(record)
                    entry = get(key)
                    if entry is None:
                        lines[key] = [1, [(number, line)], number]
                        if len(lines) >= FLUSH:
                            flush()
                    else:
                        entry[0] += 1
                        entry[2] = number
                        if len(entry[1]) < cap:
                            entry[1].append((number, line))
                break
            except (csv.Error, UnicodeDecodeError) as exc:
                number += 1
                rejects.add(number, start, f"unreadable CSV record: {exc}")
                start = reader.line_num + 1
    return number, source.info


def _picker(indexes: list[int | None]) -> Callable[[list[str]], tuple[str, ...]]:
    """The six cells of a record as one tuple, at C speed when every column is present."""
    if all(i is not None for i in indexes):
        return itemgetter(*indexes)  # type: ignore[arg-type]
    return lambda record: tuple(record[i] if i is not None else "" for i in indexes)
