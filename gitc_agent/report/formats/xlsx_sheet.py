"""One worksheet of the audit workbook, written row by row (XlsxWriter constant_memory).

Every cell is a value, never a formula: strings are written with `write_string` after the CSV
writer's formula-injection guard (a cell that an office suite would evaluate when the sheet is
saved as CSV starts with `'`), numbers as numbers, timestamps of the report as real dates
(Excel has no time zones: report times are UTC and the header says so). The header row is
frozen and filtered, and each column is as wide as its longest value (capped), which is known
only after the last row, so widths are set when the sheet is finished.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from gitc_agent.report.formats.csv import _FORMULA_START, neutralise

MAX_CELL = 32767  # Excel's limit on the characters of one cell
MAX_WIDTH, MIN_WIDTH = 60, 6
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


class When:
    """A report time or date to be written as an Excel date (the text stays when unparseable)."""

    __slots__ = ("text",)

    def __init__(self, text: str | None):
        self.text = text


def as_date(text: str | None) -> date | datetime | None:
    """An ISO date -> date; an ISO timestamp -> naive UTC datetime; anything else None."""
    if not isinstance(text, str):
        return None
    try:
        if _DATE.match(text):
            return date.fromisoformat(text)
        if _STAMP.match(text):
            stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if stamp.tzinfo is not None:
                stamp = stamp.astimezone(UTC).replace(tzinfo=None)
            return stamp
    except ValueError:
        return None
    return None


class Sheet:
    def __init__(self, book: Any, formats: dict[str, Any], name: str, headers: Sequence[str],
                 preamble: Sequence[Sequence[Any]] = ()):
        """`preamble`: rows above the table (a sample's seed and method), not filtered."""
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.headers = list(headers)
        self.widths = [max(MIN_WIDTH, len(h) + 2) for h in headers]
        self.row = 0
        for values in preamble:
            self.add(values)
        if preamble:
            self.row += 1
        self.header_row = self.row
        for col, header in enumerate(headers):
            self.ws.write_string(self.row, col, header, formats["header"])
        self.row += 1
        self.ws.freeze_panes(self.row, 0)

    def add(self, values: Sequence[Any]) -> None:
        for col, value in enumerate(values):
            self._cell(col, value)
        self.row += 1

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.add(row)

    def _cell(self, col: int, value: Any) -> None:
        ws, row = self.ws, self.row
        if type(value) is str:  # the common case first: most cells are text
            text = "'" + value if value[:1] in _FORMULA_START else value
            if len(text) > MAX_CELL:
                text = text[:MAX_CELL - 40] + " [cut: longer than an Excel cell holds]"
            ws.write_string(row, col, text, self.formats["text"])
            width = max(map(len, text.splitlines()), default=0) if "\n" in text else len(text)
            if width + 2 > self.widths[col]:
                self._fit(col, width)
            return
        if isinstance(value, When):
            parsed = as_date(value.text)
            if parsed is None:
                value = value.text
            else:
                is_stamp = isinstance(parsed, datetime)
                ws.write_datetime(row, col, parsed, self.formats["stamp" if is_stamp else "date"])
                self._fit(col, 19 if is_stamp else 10)
                return
        if value is None:
            return  # an empty cell is a value too: nothing
        if isinstance(value, bool):
            ws.write_boolean(row, col, value)
            self._fit(col, 5)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value)
            self._fit(col, len(str(value)))
        else:
            self._cell(col, neutralise(value))

    def _fit(self, col: int, length: int) -> None:
        if col < len(self.widths) and length + 2 > self.widths[col]:
            self.widths[col] = min(MAX_WIDTH, length + 2)

    def finish(self) -> None:
        """Filters over the header and every row written; widths that fit the values."""
        last = max(self.row - 1, self.header_row)
        self.ws.autofilter(self.header_row, 0, last, len(self.headers) - 1)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
