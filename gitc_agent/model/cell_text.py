"""Evidence text in a spreadsheet cell shows as text, never runs as a formula.

A cell that starts with ``= + - @`` (or tab/CR) is evaluated by an office suite when the sheet
is opened or saved as CSV (CSV/formula injection), so such text gets a leading ``'``. One guard
for every sheet the tool writes: report.csv, the audit workbook, samples and review campaigns.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
