"""CSV rendering: one row per result, for spreadsheets.

Written as UTF-8 with a byte order mark, because Excel otherwise reads UTF-8 as the local ANSI
code page (é, ×, ≥ garbled); Python reads it back with encoding ``utf-8-sig``. Cells are evidence
text, so a cell that starts with ``= + - @`` (or tab/CR) is prefixed with ``'``: a spreadsheet
would otherwise run it as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from typing import Any

COLUMNS = ("id", "check", "title", "subject", "status", "priority", "likelihood", "impact",
           "follow_up", "message", "remediation", "references", "exception_owner",
           "exception_expires", "exception_state", "evidence_file")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(result: dict[str, Any]) -> list[str]:
    exc = result.get("exception") or {}
    evidence = result.get("evidence") or {}
    values = {**result, "references": " | ".join(result.get("references") or []),
              "exception_owner": exc.get("owner"), "exception_expires": exc.get("expires"),
              "exception_state": exc.get("state"),
              "evidence_file": evidence.get("evidence_file") if isinstance(evidence, dict) else None}
    return [neutralise(values.get(col)) for col in COLUMNS]


def render_csv(report: dict[str, Any], separator: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for result in report["results"]:
        writer.writerow(_row(result))
    return buffer.getvalue().encode("utf-8-sig")
