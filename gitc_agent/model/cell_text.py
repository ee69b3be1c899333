"""Evidence text in a spreadsheet cell shows as text, never runs as a formula.

A cell that starts with ``= + - @`` (or tab/CR) is evaluated by an office suite when the sheet
is opened or saved as CSV (CSV/formula injection), so such text gets a leading ``'``. One guard
for every sheet the tool writes: report.csv, the audit workbook, samples and review campaigns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: what writers of many cells join texts with to test them in one scan (`formula_in`). A text
#: holding it can only make such a test say yes where no is right (slower, the same cells); it
#: is ASCII, so the joined text stays one byte per character when the texts are
JOIN = "\x7f"
_AFTER_JOIN = re.compile(JOIN + "[" + re.escape("".join(FORMULA_START)) + "]")


def neutralise(value: Any) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def formula_in(joined: str) -> bool:
    """True when `neutralise` changes one of the texts that `joined` joins with JOIN."""
    return joined[:1] in FORMULA_START or _AFTER_JOIN.search(joined) is not None


def neutralise_row(values: Sequence[Any]) -> Sequence[Any]:
    """`neutralise` of each value, for csv.writer (which writes None as "" and any other
    value as its str(), as `neutralise` does): `values` as they are when none starts like a
    formula, found in one scan of the row rather than a call per cell."""
    if formula_in(JOIN.join(map(str, values))):
        return [neutralise(v) for v in values]
    return values
