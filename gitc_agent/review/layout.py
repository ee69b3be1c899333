"""Where everything sits on a campaign sheet, for the writer and the reader alike.

A sheet is a fixed preamble (group, owner, period, campaign, the reviewer and date to fill in),
a header row and one row per member. Every cell is text: the reader compares what it finds with
what the campaign manifest says was written, cell by cell, so a value must come back exactly as
it went out (numbers and dates are typed differently by every office suite). Text that an
office suite would evaluate as a formula when the sheet is saved as CSV starts with `'` (the
guard the report workbook uses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gitc_agent.model.cell_text import neutralise

CAMPAIGN_SHEET = "_campaign"
MANIFEST = "campaign.json"
SCHEMA = "gitc-agent/review-campaign/v1"
HEADERS = ("Account", "Name", "Department", "Last logon (UTC)", "Enabled", "Member through",
           "Distinguished name", "Decision (keep/remove)")
DECISION_COL = len(HEADERS) - 1
LABELS = ("Re-certification of group", "Group DN", "Owner", "Period (days)", "Members as of",
          "Campaign", "Reviewer", "Review date (YYYY-MM-DD)")
REVIEWER_ROW, DATE_ROW = 6, 7  # value in column B: filled in by the reviewer
HEADER_ROW = len(LABELS) + 1
FIRST_MEMBER_ROW = HEADER_ROW + 1
#: what a reviewer may type in the decision column (Dutch too), lower-cased -> the decision
DECISION_WORDS = {"keep": "keep", "remove": "remove", "behouden": "keep",
                  "verwijderen": "remove"}
_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")


def cell_name(row: int, col: int) -> str:
    """Zero-based (row, col) -> A1."""
    letters, n = "", col + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def sheet_name(index: int, group_name: str, taken: set[str]) -> str:
    """A unique sheet name Excel accepts (31 characters, none of []:*?/\\')."""
    base = _SHEET_CHARS.sub("_", f"{index:02d} {group_name}")[:31].strip() or f"{index:02d}"
    name, n = base, 1
    while name.lower() in taken:
        n += 1
        name = f"{base[:27]}~{n}"
    taken.add(name.lower())
    return name


@dataclass(frozen=True)
class SheetSpec:
    """What one sheet shows: the preamble values (column B) and the member rows (no decision)."""

    name: str
    preamble: tuple[str, ...]  # one per LABELS entry; reviewer and date are empty
    rows: tuple[tuple[str, ...], ...]  # one per member, len(HEADERS) - 1 cells

    def grid(self) -> dict[tuple[int, int], str]:
        """Every cell the writer fills, as it writes it (neutralised)."""
        cells: dict[tuple[int, int], str] = {}
        for row, (label, value) in enumerate(zip(LABELS, self.preamble, strict=True)):
            cells[(row, 0)] = neutralise(label)
            if row not in (REVIEWER_ROW, DATE_ROW) and value:
                cells[(row, 1)] = neutralise(value)
        for col, header in enumerate(HEADERS):
            cells[(HEADER_ROW, col)] = header
        for index, values in enumerate(self.rows):
            for col, value in enumerate(values):
                if value:
                    cells[(FIRST_MEMBER_ROW + index, col)] = neutralise(value)
        return cells

    def editable(self) -> set[tuple[int, int]]:
        """The cells the reviewer fills in: reviewer, date and each member's decision."""
        return {(REVIEWER_ROW, 1), (DATE_ROW, 1),
                *((FIRST_MEMBER_ROW + i, DECISION_COL) for i in range(len(self.rows)))}
