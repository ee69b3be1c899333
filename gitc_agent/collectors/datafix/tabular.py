"""Read messy exports (CSV from Dutch Excel, JSON from ticket systems) into mapped rows.

Why its own module: every datafix export has the same problems (UTF-8 byte-order mark, `;` as
separator, quoted newlines, day-first dates) and the same contract: a missing required column is
a configuration error (exit 2, naming the file and the column), while a row that cannot be used is
rejected with its file and row number and the other rows are still read. Nothing is skipped
silently: the caller counts rows read, used and rejected.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

from gitc_agent.collectors.datafix.fast_dates import compile_format
from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.input_files import open_regular, parse_json
from gitc_agent.settings.datafix_config import ISO, Table

SNIFF_BYTES = 64 * 1024
MAX_JSON_BYTES = 512 * 1024 * 1024


class RowError(ValueError):
    """A value in one row cannot be used; the row is rejected, the file is still read."""


@dataclass(frozen=True)
class Row:
    number: int  # data row number: 1 is the first record after the header
    line: int  # line in the file where the record starts (CSV); record index (JSON)
    values: dict[str, str]  # canonical field -> raw text (stripped); absent columns are ""


def table_format(table: Table) -> str:
    if table.format != "auto":
        return table.format
    return "json" if table.file.suffix.lower() == ".json" else "csv"


def open_no_follow(path: Path) -> int:
    """Open for reading without following a symlink in the last component; a FIFO or device
    swapped in after the config was checked is refused (InputError), never read."""
    return open_regular(path, "datafix export", follow=False)


def read_rows(table: Table) -> tuple[Iterator[Row], dict[str, Any]]:
    """Check the header now (InputError if a required column is missing); stream rows later.

    OSError (unreadable file) is left to the caller: that is a collection error, not bad config.

    Returns the row iterator and a description of how the file was read (for the evidence).
    """
    if table_format(table) == "json":
        return _json_rows(table)
    return _csv_rows(table)


def _missing(table: Table, header: Sequence[str]) -> None:
    present = {h.strip().lower() for h in header}
    missing = [f"{field} (column {table.columns.get(field, field)!r})" for field in table.required
               if table.columns.get(field, field).strip().lower() not in present]
    if missing:
        raise InputError(msg("required column(s) missing: {items}; the file has {items2}. Fix the export "
                             "or the column mapping in the config", items=', '.join(missing),
                             items2=', '.join(repr(h) for h in header) or 'no header'), table.file)


def _csv_rows(table: Table) -> tuple[Iterator[Row], dict[str, Any]]:
    records, info, wanted = csv_records(table)

    def rows() -> Iterator[Row]:
        for number, line, record in records:
            if isinstance(record, str):
                yield Row(number, line, {"__error__": record})
                continue
            yield Row(number, line, {f: record[i].strip() if i is not None else ""
                                     for f, i in wanted.items()})

    return rows(), info


Record = tuple[int, int, "list[str] | str"]  # data row number, first line, cells or the reason


@dataclass
class CsvSource:
    """An opened CSV export whose header was checked: the reader positioned on the first data
    record, the cell index of every field (None: absent) and how the file was read."""

    reader: Any  # csv.reader
    handle: Any  # the text file; close it when done
    info: dict[str, Any]
    wanted: dict[str, int | None]
    width: int


def open_csv(table: Table) -> CsvSource:
    """Open the export and check its header now (InputError if a required column is missing)."""
    fd = open_no_follow(table.file)
    handle = open(fd, encoding=table.encoding, newline="")  # noqa: SIM115 - the caller closes it
    try:
        sample = handle.read(SNIFF_BYTES)
        handle.seek(0)
        delimiter = table.delimiter or _sniff_delimiter(sample, table.file)
        reader = csv.reader(handle, delimiter=delimiter, quotechar='"', doublequote=True,
                            strict=False)
        header = next(reader, None)
    except UnicodeDecodeError as exc:
        handle.close()
        raise InputError(msg("not {encoding} text (byte {byte}); set 'encoding' in the config",
                             encoding=table.encoding, byte=exc.start), table.file) from None
    except csv.Error as exc:
        handle.close()
        raise InputError(msg("unreadable CSV header: {problem}", problem=exc), table.file) from None
    except InputError:
        handle.close()
        raise
    if header is None:
        handle.close()
        raise InputError(msg("the export is empty (no header row)"), table.file)
    header = [h.strip() for h in header]
    try:
        _missing(table, header)
    except InputError:
        handle.close()
        raise
    index = {h.lower(): i for i, h in enumerate(header)}
    wanted = {f: index.get(c.strip().lower()) for f, c in table.columns.items()}
    info = {"file": str(table.file), "format": "csv", "delimiter": delimiter,
            "encoding": table.encoding, "header": header}
    return CsvSource(reader, handle, info, wanted, len(header))


def csv_records(table: Table) -> tuple[Iterator[Record], dict[str, Any], dict[str, int | None]]:
    """The CSV records as raw cells (no per-row dict).

    Same contract as `read_rows`: the header is checked now; each record is yielded with its
    data row number and first line, or with the reason it cannot be used (wrong field count,
    unreadable record) in place of its cells. Blank records are not records. Also returns the
    description of how the file was read and the cell index of every field (None: absent).
    The audit log has its own loop over `open_csv` with the same rules (audit_log.py).
    """
    source = open_csv(table)
    reader, handle, width = source.reader, source.handle, source.width

    def records() -> Iterator[Record]:
        number = 0
        with handle:
            start = reader.line_num + 1
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except (csv.Error, UnicodeDecodeError) as exc:
                    number += 1
                    yield number, start, f"unreadable CSV record: {exc}"
                    start = reader.line_num + 1
                    continue
                line, start = start, reader.line_num + 1
                if len(record) != width:
                    if not any(cell.strip() for cell in record):
                        continue  # blank line (Excel leaves them at the end): not a record
                    number += 1
                    yield number, line, f"{len(record)} fields where the header has {width}"
                    continue
                if not record[0].strip() and not any(cell.strip() for cell in record):
                    continue  # blank (cheap test first: millions of audit-log lines)
                number += 1
                yield number, line, record

    return records(), source.info, source.wanted


def _sniff_delimiter(sample: str, path: Path) -> str:
    try:
        return csv.Sniffer().sniff(sample.split("\n", 1)[0] + "\n", delimiters=",;\t|").delimiter
    except csv.Error:
        raise InputError(msg("cannot tell the CSV separator from the header; set 'delimiter' in "
                             "the config"), path) from None


def _json_rows(table: Table) -> tuple[Iterator[Row], dict[str, Any]]:
    fd = open_no_follow(table.file)
    with open(fd, "rb") as handle:
        raw = handle.read(MAX_JSON_BYTES + 1)
    if len(raw) > MAX_JSON_BYTES:
        raise InputError(msg("JSON export too large"), table.file)
    data = parse_json(raw, table.file, N_("JSON export"), table.encoding)
    if table.json_records:
        data = data.get(table.json_records) if isinstance(data, dict) else None
    if not isinstance(data, list):
        raise InputError(msg("a JSON export must be a list of records (or set 'json_records' to the key "
                             "that holds the list)"), table.file)
    header = sorted({k for rec in data if isinstance(rec, dict) for k in rec})
    _missing(table, header)
    lower = {h.lower(): h for h in header}
    keys = {f: lower.get(c.strip().lower()) for f, c in table.columns.items()}
    info = {"file": str(table.file), "format": "json", "encoding": table.encoding,
            "header": header}

    def rows() -> Iterator[Row]:
        for number, rec in enumerate(data, start=1):
            if not isinstance(rec, dict):
                yield Row(number, number, {"__error__": "record is not an object"})
                continue
            yield Row(number, number, {f: _text(rec.get(k)) if k else "" for f, k in keys.items()})

    return rows(), info


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return str(value).strip()


class DateParser:
    """Parse timestamps with the config's explicit format list (first match wins).

    Why explicit: `02-12-2024` is 2 December in a Dutch export and 12 February in an American
    one; guessing would silently swap them. Naive values are in the config's time zone.
    """

    def __init__(self, formats: Sequence[str], zone: tzinfo):
        self.formats = tuple(formats)
        self.zone = zone
        # one parser per format: the compiled equivalent of strptime where there is one
        self._parsers = [datetime.fromisoformat if fmt == ISO else
                         compile_format(fmt) or _strptime(fmt) for fmt in self.formats]

    def parse(self, text: str, field: str) -> datetime:
        value = text.strip()
        for parser in self._parsers:
            try:
                when = parser(value)
            except ValueError:
                continue
            return when if when.tzinfo else when.replace(tzinfo=self.zone)
        raise RowError(f"{field} {value!r} matches none of the date formats "
                       f"({', '.join(self.formats)})")

    def optional(self, text: str, field: str) -> str | None:
        return iso(self.parse(text, field)) if text.strip() else None


def _strptime(fmt: str) -> Callable[[str], datetime]:
    return lambda value: datetime.strptime(value, fmt)


def iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds")


def split_values(text: str, separators: str) -> list[str]:
    """Split a multi-valued cell (several approvers, one per line or separated by `|`)."""
    if not text.strip():
        return []
    parts = [text]
    for sep in separators:
        parts = [p for part in parts for p in part.split(sep)]
    return [p.strip() for p in parts if p.strip()]


def new_ticket_id(value: str, seen: dict[str, int]) -> str:
    """The row's ticket id, refused when empty or already on an earlier row; ticket systems
    treat ids case-insensitively, so `seen` maps the upper-cased id to its row."""
    if not value:
        raise RowError("ticket id is empty")
    if value.upper() in seen:
        raise RowError(f"ticket {value} is already on row {seen[value.upper()]}")
    return value
