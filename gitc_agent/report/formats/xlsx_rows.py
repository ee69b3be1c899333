"""Rows of a constant_memory worksheet written as XML in one go, byte for byte as XlsxWriter would.

XlsxWriter spends about 15 µs per cell (a tuple per cell, a format lookup, three regular
expressions, one file write per element): the 3.2 million cells of a 200,000-result workbook took
16 s of the 20 s the whole rendering may take. In constant_memory mode a row is only an inline-
string `<row>` element appended to the worksheet's row file, so this module builds that element
itself, with the same escaping (XML characters, control characters as `_xHHHH_`, whitespace
preserved), and leaves the rest of the file (dimensions, filters, widths, the package) to
XlsxWriter. The test suite compares every sheet with what XlsxWriter writes cell by cell; a
worksheet that is not in the plain state this assumes (row formats or heights, not
constant_memory) is written cell by cell (`supports`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from xlsxwriter.utility import xl_col_to_name

from gitc_agent.model.cell_text import JOIN

# what makes XlsxWriter change a string: XML characters, control characters, the two
# non-characters (_ESCAPED: a scan for each is quicker than the expression over many texts) and
# its own _xHHHH_ escapes
_ESCAPED = "&<>\ufffe\uffff" + "".join(map(chr, (*range(0x00, 0x09), *range(0x0B, 0x20))))
_XLSX_ESCAPE = re.compile("_x[0-9a-fA-F]{4}_")
_NEEDS_ESCAPE = re.compile("[" + re.escape(_ESCAPED) + "]|" + _XLSX_ESCAPE.pattern)
# texts joined by JOIN (and reversed): a text after the first that starts (ends) with white
# space, XlsxWriter's r"^\s|\s$" per text
_SPACE_AFTER_JOIN = re.compile(JOIN + "\\s")
_UTF16_LIMIT = 32767  # Excel counts a cell's characters in UTF-16 units


def supports(ws: Any) -> bool:
    """True when the worksheet writes plain rows to its row file (what `RowWriter` emits)."""
    return (getattr(ws, "constant_memory", False) and not ws.row_info
            and ws.default_row_height == ws.original_row_height
            and hasattr(ws, "previous_row") and hasattr(ws, "row_data_fh"))


class RowWriter:
    """Appends rows to `ws`: `open(row)`, one `cell`/`string` per value, then `close_row`."""

    def __init__(self, ws: Any, columns: int):
        self.ws = ws
        self.letters = [xl_col_to_name(col) for col in range(columns)]
        self.min_col: int | None = None
        self.max_col: int | None = None
        self.first_row: int | None = None
        self.last_row = 0
        self._templates: dict[tuple[bool, ...], str] = {}  # a block's row, to format

    def open(self, row: int) -> tuple[list[str], str]:
        """The parts list of the row's XML and its number (the cell references' suffix)."""
        if self.ws.table:  # a row written the ordinary way is pending: XlsxWriter finishes it
            self.ws._write_single_row(row)
        number = str(row + 1)
        return ['<row r="', number, '">'], number

    def cell(self, ref: str, value: Any, style: Any | None) -> str:
        """A bool, int, float or date/datetime cell (`style`: a date's format)."""
        kind = type(value)
        if kind is bool:
            return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
        if kind is int or kind is float:
            return f'<c r="{ref}"><v>{value:.16G}</v></c>'
        if isinstance(value, date | datetime):
            style = style or self.ws.default_date_format
            serial = self.ws._convert_date_time(value)
            attr = f' s="{style._get_xf_index()}"' if style is not None else ""
            return f'<c r="{ref}"{attr}><v>{serial:.16G}</v></c>'
        raise TypeError(f"unsupported cell value {kind.__name__}")

    def close_row(self, row: int, parts: list[str], lo: int | None, hi: int | None) -> None:
        """Write the row (`lo`..`hi`: its first and last column with a cell, None: none)."""
        if lo is None or hi is None:
            return  # XlsxWriter writes no element for a row without cells
        parts.append("</row>")
        self.ws.fh.write("".join(parts))
        self.ws.previous_row = row
        if self.first_row is None:
            self.first_row = row
        self.min_col = lo if self.min_col is None else min(self.min_col, lo)
        self.max_col = hi if self.max_col is None else max(self.max_col, hi)
        self.last_row = row

    def write_block(self, first: int, columns: list[tuple[bool, Sequence[str]]]) -> None:
        """Rows `first`.. with a cell in each of the first len(columns) columns: per column
        (True, texts) of `plain_texts`, or (False, cell bodies) of `string_body` or a number
        (`><v>..</v></c>`). One format string per row, so no Python runs per cell."""
        ws, count = self.ws, len(columns[0][1])
        if ws.table:
            ws._write_single_row(first)
        shape = tuple(text for text, _ in columns)
        template = self._templates.get(shape)
        if template is None:
            cells = "".join(
                f'<c r="{self.letters[col]}{{0}}"' + (f' t="inlineStr"><is><t>{{{col + 1}}}</t>'
                                                       "</is></c>" if text else f"{{{col + 1}}}")
                for col, text in enumerate(shape))
            template = self._templates[shape] = f'<row r="{{0}}">{cells}</row>'
        numbers = map(str, range(first + 1, first + count + 1))
        ws.fh.write("".join(map(template.format, numbers, *(values for _, values in columns))))
        last = first + count - 1
        ws.previous_row = last
        if self.first_row is None:
            self.first_row = first
        self.min_col = 0
        self.max_col = max(self.max_col or 0, len(columns) - 1)
        self.last_row = last

    def close(self) -> None:
        """Tell the worksheet which cells it now has (its <dimension> and filters need them)."""
        if self.first_row is None or self.min_col is None or self.max_col is None:
            return
        ws = self.ws
        for name, value, pick in (("dim_rowmin", self.first_row, min),
                                  ("dim_rowmax", self.last_row, max),
                                  ("dim_colmin", self.min_col, min),
                                  ("dim_colmax", self.max_col, max)):
            current = getattr(ws, name)
            setattr(ws, name, value if current is None else pick(current, value))


def string_cell(ws: Any, ref: str, text: str) -> str:
    """An inline-string cell, escaped as XlsxWriter escapes it."""
    return f'<c r="{ref}"' + string_body(ws, text)


def plain_texts(texts: Sequence[str]) -> bool:
    """True when XlsxWriter writes every one of `texts` as it is: nothing to escape, no white
    space at either end, short enough (then a row can take the text itself: `write_block`)."""
    if not texts or max(map(len, texts)) > _UTF16_LIMIT // 2:
        return False
    joined = JOIN.join(texts)
    if any(c in joined for c in _ESCAPED) or ("_x" in joined and _XLSX_ESCAPE.search(joined)):
        return False
    if joined[:1].isspace() or joined[-1:].isspace():
        return False
    return not (_SPACE_AFTER_JOIN.search(joined) or _SPACE_AFTER_JOIN.search(joined[::-1]))


def string_body(ws: Any, text: str) -> str:
    """An inline-string cell after its reference (`<c r="A2"` + this): the same for every cell
    with this text, so a sheet can reuse it for the values its columns repeat."""
    if len(text) > _UTF16_LIMIT // 2 and len(text.encode("utf-16-le")) // 2 > _UTF16_LIMIT:
        raise ValueError("cell text longer than Excel allows: cut it before writing")
    if _NEEDS_ESCAPE.search(text):
        text = ws._escape_data(ws._escape_control_characters(text))
    if text and (text[0].isspace() or text[-1].isspace()):  # XlsxWriter's r"^\s|\s$"
        return f' t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'
    return f' t="inlineStr"><is><t>{text}</t></is></c>'
