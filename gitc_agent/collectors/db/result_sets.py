"""Read the result sets of the SQL Server catalog script (`sqlserver_catalog.sql`) as a DBA hands
them over: one sqlcmd output file, or a folder with one CSV or JSON file per result set.

Why these forms: the audit route is a DBA running the shipped script and handing over its output.
`sqlcmd -s "|" -W` prints each result set as a header line, a dashes line and rows (NULL as the
word NULL); the script puts a one-row marker set (`result_set` = `gitc:<name>`) before each, so
one file carries them all. SSMS "Save Results As" gives a CSV per grid, PowerShell
`Invoke-Sqlcmd | ConvertTo-Json` a JSON array. A file that cannot be parsed is invalid input
(file and line, exit 2); a result set that is absent is recorded so the collector can name it.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.input_files import parse_json, read_regular

MAX_BYTES = 256 * 1024 * 1024
MARKER_COLUMN = "result_set"
MARKER_PREFIX = "gitc:"
Rows = list[dict[str, Any]]


def _text(path: Path, data: bytes) -> str:
    boms = {b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16", b"\xef\xbb\xbf": "utf-8-sig"}
    codec = next((c for bom, c in boms.items() if data.startswith(bom)), "utf-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(msg("the result sets are not {codec} text (byte {byte}); run sqlcmd with -f "
                             "65001 or -u", codec=codec, byte=exc.start), path) from None


def _is_dashes(line: str, sep: str) -> bool:
    parts = line.split(sep)
    return bool(line.strip()) and all(p.strip() and set(p.strip()) == {"-"} for p in parts)


def _value(text: str) -> str | None:
    text = text.strip()
    return None if text == "NULL" else text


def parse_sqlcmd(path: Path, text: str, sep: str = "|") -> dict[str, Rows]:
    """The named result sets in one sqlcmd output (`-s "|" -W`)."""
    lines = text.splitlines()
    sets: dict[str, Rows] = {}
    pending: str | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if i + 1 < len(lines) and line.strip() and _is_dashes(lines[i + 1], sep):
            header = [h.strip() for h in line.split(sep)]
            start = i + 1
            rows: Rows = []
            i += 2
            while i < len(lines) and lines[i].strip() and not lines[i].startswith("("):
                cells = lines[i].split(sep)
                if len(cells) != len(header):
                    raise InputError(msg("row has {cells} columns, the header of this result set "
                                         "{columns} (a value with '{sep}' in it? run the script "
                                         "with another -s separator)", cells=len(cells),
                                         columns=len(header), sep=sep), path, i + 1)
                rows.append({h: _value(c) for h, c in zip(header, cells, strict=True)})
                i += 1
            if header == [MARKER_COLUMN]:
                names = [r[MARKER_COLUMN] or "" for r in rows]
                if len(names) != 1 or not names[0].startswith(MARKER_PREFIX):
                    raise InputError(msg("a result_set marker must be one row 'gitc:<name>'"), path,
                                     start + 2)
                pending = names[0][len(MARKER_PREFIX):]
            elif pending is None:
                raise InputError(msg("a result set without the 'gitc:<name>' marker before it: is this the "
                                     "output of sqlserver_catalog.sql?"), path, start)
            else:
                if pending in sets:
                    raise InputError(msg("result set {pending} appears twice", pending=pending), path, start)
                sets[pending] = rows
                pending = None
            continue
        if line.startswith(("Msg ", "Sqlcmd: Error")):
            raise InputError(msg("the script output holds an error: {line_text}",
                                 line_text=line.strip()[:200]), path, i + 1)
        i += 1
    if not sets:
        raise InputError(msg("no result sets found (expected sqlcmd output of sqlserver_catalog.sql, run "
                             'with -s "|" -W)'), path)
    return sets


def _csv(path: Path, text: str) -> Rows:
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    rows = []
    for row in reader:
        if None in row or any(v is None for v in row.values()):
            raise InputError(msg("row has a different number of columns than the header"), path,
                             reader.line_num)
        rows.append({k.strip(): _value(v) for k, v in row.items()})
    return rows


def read_folder(folder: Path) -> dict[str, Rows]:
    """One file per result set: `<name>.csv` or `<name>.json` (an array of objects)."""
    sets: dict[str, Rows] = {}
    for path in sorted(folder.iterdir()):
        name, suffix = path.stem, path.suffix.lower()
        if suffix not in (".csv", ".json"):
            continue
        if name in sets:
            raise InputError(msg("result set {name} is given twice (csv and json)", name=name), path)
        data = read_regular(path, MAX_BYTES, N_("SQL Server result set"))
        if suffix == ".json":
            value = parse_json(data, path, N_("SQL Server result set"))
            if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
                raise InputError(msg("a JSON result set must be an array of objects"), path)
            sets[name] = [{str(k): v for k, v in r.items()} for r in value]
        else:
            sets[name] = _csv(path, _text(path, data))
    return sets


def read_result_sets(path: Path) -> dict[str, Rows]:
    if path.is_dir():
        return read_folder(path)
    data = read_regular(path, MAX_BYTES, N_("SQL Server catalog output"))
    return parse_sqlcmd(path, _text(path, data))
