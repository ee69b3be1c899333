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
from itertools import islice
from typing import Any

from gitc_agent.model.cell_text import FORMULA_START, JOIN, formula_in, neutralise
from gitc_agent.report.formats.xlsx_rows import RowWriter, plain_texts, string_body, string_cell, supports

MAX_CELL = 32767  # Excel's limit on the characters of one cell
MAX_WIDTH, MIN_WIDTH = 60, 6
_KNOWN, _KNOWN_CHARS = 1 << 16, 256  # cell bodies a sheet keeps for reuse, of texts this short
BLOCK_ROWS = 1024  # rows a sheet writes at a time
_PLAIN = {str, int}  # what a block's cells may be (not bool: True == 1 as a dict key)
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


def cell_text(value: str) -> tuple[str, int]:
    """What a cell shows of a text (the formula guard applied, cut to what a cell holds) and
    how wide it is (its longest line)."""
    text = "'" + value if value[:1] in FORMULA_START else value
    if len(text) > MAX_CELL:
        text = text[:MAX_CELL - 40] + " [cut: longer than an Excel cell holds]"
    width = max(map(len, text.splitlines()), default=0) if "\n" in text else len(text)
    return text, width


def _guarded(texts: Sequence[str]) -> bool:
    """True when the formula guard changes one of `texts` or one has a line break (a width
    is then its longest line)."""
    joined = JOIN.join(texts)
    return "\n" in joined or formula_in(joined)


class Sheet:
    def __init__(self, book: Any, formats: dict[str, Any], name: str, headers: Sequence[str],
                 preamble: Sequence[Sequence[Any]] = ()):
        """`preamble`: rows above the table (a sample's seed and method), not filtered."""
        self.ws = book.add_worksheet(name)
        self.formats = formats
        self.headers = list(headers)
        self.widths = [max(MIN_WIDTH, len(h) + 2) for h in headers]
        self.row = 0
        # a text's (or whole number's) cell body after its reference, and its width + 2
        self._bodies: dict[str | int, str] = {}
        self._widths: dict[str | int, int] = {}
        # rows go straight into the worksheet's row file when it is in the plain state
        # xlsx_rows writes for (always, for the workbook this module writes)
        self.rows = RowWriter(self.ws, len(self.headers) + 2) if supports(self.ws) else None
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
        rows = self.rows
        if rows is None or len(values) > len(rows.letters):
            self._write_cells([self._value(col, value) for col, value in enumerate(values)])
        else:
            self._add_row(rows, values)
        self.row += 1

    def _add_row(self, rows: RowWriter, values: Sequence[Any]) -> None:
        """One pass per row: text (nearly every cell) inline, the rest through `_value`."""
        ws, widths, letters = self.ws, self.widths, rows.letters
        fitted, bodies, sizes = len(widths), self._bodies, self._widths
        parts, number = rows.open(self.row)
        lo = hi = None
        for col, value in enumerate(values):
            if type(value) is str:
                body = bodies.get(value)
                if body is None:
                    body, width = self._learn(value)
                else:
                    width = sizes[value]
                if col < fitted and width > widths[col]:  # _fit, inline: once per cell
                    widths[col] = min(MAX_WIDTH, width)
                parts.append(f'<c r="{letters[col]}{number}"{body}')
            else:
                value, style = self._value(col, value)
                if value is None:
                    continue
                if type(value) is str:
                    parts.append(string_cell(ws, letters[col] + number, value))
                else:
                    parts.append(rows.cell(letters[col] + number, value, style))
            if lo is None:
                lo = col
            hi = col
        rows.close_row(self.row, parts, lo, hi)
        self._forget()

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        """Rows in blocks of BLOCK_ROWS: a block of only texts and whole numbers (nearly every
        block of a large sheet) is written column by column, any other block row by row."""
        if self.rows is None:
            for row in rows:
                self.add(row)
            return
        remaining = iter(rows)
        while block := list(islice(remaining, BLOCK_ROWS)):
            if not self._add_block(self.rows, block):
                for row in block:
                    self.add(row)

    def _add_block(self, rows: RowWriter, block: list[Sequence[Any]]) -> bool:
        """Write `block` when every row has the same cells, each a text or an int; False (and
        nothing written) otherwise. Column by column: a column of texts that need nothing done
        (no formula guard, escape, cut, line break or white space at an end: as good as every
        column of a large sheet) goes into the rows as it is; any other column as the cell
        bodies of its values, each worked out once (`_learn`) and looked up after, because a
        column repeats its values (likelihood, impact)."""
        size = len(block[0])
        if not 0 < size <= len(rows.letters) or set(map(len, block)) != {size}:
            return False
        columns = list(zip(*block, strict=True))
        if any(not set(map(type, values)) <= _PLAIN for values in columns):
            return False
        cells: list[tuple[bool, Sequence[str]]] = []
        for col, values in enumerate(columns):
            if set(map(type, values)) == {str} and not _guarded(values) and plain_texts(values):
                cells.append((True, values))
                widest = max(map(len, values)) + 2
            else:
                bodies, sizes = self._bodies, self._widths
                column = list(map(bodies.get, values))
                width = list(map(sizes.get, values))
                if None in column:
                    for i, value in enumerate(values):
                        if column[i] is None:
                            column[i], width[i] = self._learn(value)
                cells.append((False, column))
                widest = max(width)
            self._fit(col, widest - 2)
        rows.write_block(self.row, cells)
        self.row += len(block)
        self._forget()
        return True

    def _learn(self, value: str | int) -> tuple[str, int]:
        """A text's or whole number's cell body and width + 2, kept when short enough to be
        worth keeping (long texts seldom repeat)."""
        if type(value) is str:
            text, width = cell_text(value)
            body, width = string_body(self.ws, text), width + 2
            if len(value) > _KNOWN_CHARS:
                return body, width
        else:
            body, width = f"><v>{value:.16G}</v></c>", len(str(value)) + 2  # RowWriter.cell's
        self._bodies[value], self._widths[value] = body, width
        return body, width

    def _forget(self) -> None:
        """A column of unique texts (subjects, result ids) must not pile up."""
        if len(self._bodies) >= _KNOWN:
            self._bodies.clear()
            self._widths.clear()

    def _write_cells(self, cells: Sequence[tuple[Any, Any]]) -> None:
        """The cell-by-cell way (XlsxWriter's own), for what the row writer does not take."""
        ws, row = self.ws, self.row
        for col, (value, style) in enumerate(cells):
            if value is None:
                continue
            if type(value) is str:
                ws.write_string(row, col, value, style)
            elif isinstance(value, bool):
                ws.write_boolean(row, col, value)
            elif isinstance(value, date | datetime):
                ws.write_datetime(row, col, value, style)
            else:
                ws.write_number(row, col, value)

    def _value(self, col: int, value: Any) -> tuple[Any, Any]:
        """What one cell holds, and its format (dates only); widens the column to fit."""
        if type(value) is str:  # the common case first: most cells are text
            text, width = cell_text(value)
            self._fit(col, width)
            return text, None
        if isinstance(value, When):
            parsed = as_date(value.text)
            if parsed is None:
                return self._value(col, value.text)
            is_stamp = isinstance(parsed, datetime)
            self._fit(col, 19 if is_stamp else 10)
            return parsed, self.formats["stamp" if is_stamp else "date"]
        if value is None:
            return None, None  # an empty cell is a value too: nothing
        if isinstance(value, bool):
            self._fit(col, 5)
            return bool(value), None
        if isinstance(value, int | float):
            self._fit(col, len(str(value)))
            return (int(value) if isinstance(value, int) else float(value)), None
        return self._value(col, neutralise(value))

    def _fit(self, col: int, length: int) -> None:
        if col < len(self.widths) and length + 2 > self.widths[col]:
            self.widths[col] = min(MAX_WIDTH, length + 2)

    def finish(self) -> None:
        """Filters over the header and every row written; widths that fit the values."""
        if self.rows is not None:
            self.rows.close()
        last = max(self.row - 1, self.header_row)
        self.ws.autofilter(self.header_row, 0, last, len(self.headers) - 1)
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width)
