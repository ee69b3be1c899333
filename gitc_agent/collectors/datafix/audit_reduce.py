"""Reduce an audit log of millions of lines, while it streams, to what the datafix checks judge.

Why: a year of a production database's audit is millions of lines; holding one object per line
took 1.8 KB a line (10 million lines would not fit in memory), and evidence with one row per line
is unreadable for an auditor anyway. The checks judge data changes per principal, database and
day against ticket windows, so lines are grouped by principal, database, day, statement, object
and ticket reference, each group with its count and its earliest and latest line (time and row).
A group also keeps every line's row and time while it has at most `DETAIL` lines (a DBA's
datafix), so a check can place each of them in a ticket window exactly; a larger group (an
application's own traffic) keeps only count, first and last, and the check says when that is not
enough to decide (`error`, never pass). Statement text is never read: it can hold passwords.
"""

from __future__ import annotations

from datetime import datetime
from sys import intern
from typing import Any

DETAIL = 64  # lines per group whose row and time are kept one by one
GROUP_COLUMNS = ("principal", "database", "day", "statement", "object", "ticket", "count",
                 "first", "first_row", "last", "last_row", "lines")
CACHE_LIMIT = 200_000  # parsed timestamp texts kept (a log repeats them: minute resolution)


class Reducer:
    """Groups audit-log lines as they are read; `add` is called once per usable line."""

    def __init__(self, detail: int | None = None):
        self.detail = DETAIL if detail is None else detail
        # key -> [count, first_at, first_text, first_row, last_at, last_text, last_row, lines]
        self.groups: dict[tuple[str, str, str, str, str, str], list[Any]] = {}

    def add(self, row: int, at: datetime, text: str, principal: str, database: str,
            statement: str, obj: str, ticket: str) -> None:
        """One line; `text` is the ISO 8601 time with its offset (its first ten characters are
        the day)."""
        self.add_many([row], row, 1, at, text, principal, database, statement, obj, ticket)

    def add_many(self, rows: list[int], last_row: int, count: int, at: datetime, text: str,
                 principal: str, database: str, statement: str, obj: str, ticket: str) -> None:
        """`count` lines with one time, in file order: `rows` are the first of them (all of
        them when there are at most DETAIL), `last_row` is the last. First and last of a group
        are its lines with the least and greatest (time, row)."""
        key = (principal, database, text[:10], statement, obj, ticket)
        group = self.groups.get(key)
        first_row = rows[0]
        if group is None:
            lines = [(r, text) for r in rows] if count <= self.detail else None
            # the few principals, databases, days, statements and objects repeat in every
            # group: one string each, not one per group (tens of MB at 350,000 groups)
            key = (intern(principal), intern(database), intern(text[:10]), intern(statement),
                   intern(obj), ticket)
            self.groups[key] = [count, at, text, first_row, at, text, last_row, lines]
            return
        group[0] += count
        if (at, first_row) < (group[1], group[3]):
            group[1], group[2], group[3] = at, text, first_row
        if (at, last_row) > (group[4], group[6]):
            group[4], group[5], group[6] = at, text, last_row
        lines = group[7]
        if lines is not None:
            if group[0] > self.detail:
                group[7] = None
            else:
                lines.extend((r, text) for r in rows)

    @property
    def lines(self) -> int:
        return sum(g[0] for g in self.groups.values())

    def data(self) -> dict[str, Any]:
        """The evidence part: `group_columns` and one compact list per group, sorted."""
        out = []
        for key in sorted(self.groups):  # each group is released as it is written
            count, _, first, first_row, _, last, last_row, lines = self.groups.pop(key)
            middle = None
            if lines is not None:  # every line but the first and the last, in file order
                skip = {first_row, last_row}
                middle = [[r, t] for r, t in lines if r not in skip]
            out.append([*key, count, first, first_row, last, last_row, middle])
        return {"group_columns": list(GROUP_COLUMNS), "groups": out}
