"""Read a returned campaign workbook back (openpyxl) and turn each sheet into a review record.

Refused, with file, sheet, cell and reason (exit 2): a workbook of another campaign than the
manifest's, or made from other evidence; a missing or extra sheet; any cell outside the
decision column, the reviewer and the date that differs from what the campaign wrote (a member
added, removed or renamed by hand would make the record claim a review of a membership nobody
saw); a decision that is neither keep nor remove, or missing. Formulas are never evaluated:
the workbook is read as written (a formula is not a decision).
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.model.group_review import ReviewedMember, ReviewRecord
from gitc_agent.model.message import N_, msg, msg_list
from gitc_agent.review.layout import (
    CAMPAIGN_SHEET,
    DATE_ROW,
    DECISION_COL,
    DECISION_WORDS,
    FIRST_MEMBER_ROW,
    REVIEWER_ROW,
    SCHEMA,
    SheetSpec,
    cell_name,
)
from gitc_agent.run.input_files import parse_json, read_regular

MAX_WORKBOOK_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Imported:
    records: list[ReviewRecord]
    workbook_sha256: str


class Problems:
    def __init__(self, file: Path):
        self.file = file
        self.lines: list[str] = []

    def add(self, sheet: str | None, cell: str | None, reason: str) -> None:
        where = ", ".join(p for p in (f"sheet '{sheet}'" if sheet else "",
                                      f"cell {cell}" if cell else "") if p)
        self.lines.append(f"{where}: {reason}" if where else reason)

    def raise_any(self) -> None:
        if self.lines:
            shown = self.lines[:MAX_PROBLEMS]
            more = len(self.lines) - len(shown)
            listed = msg_list(shown, sep="\n  ")
            if more:
                listed = msg_list([listed, msg("... and {more} more", more=more)], sep="\n  ")
            raise InputError(msg("the workbook was refused:\n  {problems}", problems=listed),
                             self.file)


def load_manifest(path: Path) -> dict[str, Any]:
    data = parse_json(read_regular(path, MAX_WORKBOOK_BYTES, N_("campaign manifest")), path,
                      N_("campaign manifest"))
    if not isinstance(data, dict) or data.get("schema") != SCHEMA \
            or not isinstance(data.get("workbooks"), list):
        raise InputError(msg("not a campaign manifest (schema {schema!r})", schema=SCHEMA), path)
    return data


def read_workbook(file: Path, manifest: dict[str, Any], manifest_path: Path,
                  reviewer: str | None = None, day: date | None = None) -> Imported:
    import openpyxl  # a runtime dependency, imported only by this command

    raw = read_regular(file, MAX_WORKBOOK_BYTES, N_("review workbook"))
    problems = Problems(file)
    try:
        book = openpyxl.load_workbook(io.BytesIO(raw), data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(msg("not a readable .xlsx workbook: {problem}", problem=exc), file) from None
    if CAMPAIGN_SHEET not in book.sheetnames:
        raise InputError(msg("sheet '{sheet}' is missing: this is not a gitc-agent review "
                             "workbook, or the sheet was deleted", sheet=CAMPAIGN_SHEET), file)
    facts = _facts(book[CAMPAIGN_SHEET])
    if facts.get("campaign") != manifest.get("campaign"):
        raise InputError(msg("sheet '{sheet}': the workbook belongs to campaign {campaign!r}, the "
                             "manifest {manifest_path} to campaign {campaign2!r}",
                             sheet=CAMPAIGN_SHEET, campaign=facts.get('campaign'),
                             manifest_path=manifest_path, campaign2=manifest.get('campaign')), file)
    entry = next((w for w in manifest["workbooks"] if w.get("file") == facts.get("workbook")),
                 None)
    if entry is None:
        raise InputError(msg("sheet '{sheet}': workbook {workbook!r} is not in the manifest "
                             "{manifest_path}", sheet=CAMPAIGN_SHEET,
                             workbook=facts.get('workbook'), manifest_path=manifest_path), file)
    recorded = _recorded_sheets(book[CAMPAIGN_SHEET])
    expected = [s["sheet"] for s in entry["sheets"]]
    for name in expected:
        if name not in book.sheetnames:
            problems.add(name, None, "the sheet is missing")
    for name in book.sheetnames:
        if name != CAMPAIGN_SHEET and name not in expected:
            problems.add(name, None, "the campaign wrote no such sheet")
    records: list[ReviewRecord] = []
    for sheet in entry["sheets"]:
        name = sheet["sheet"]
        if recorded.get(name) != sheet.get("evidence_sha256"):
            problems.add(CAMPAIGN_SHEET, None, f"sheet '{name}' was made from evidence "
                         f"{recorded.get(name)!r}, the campaign from {sheet.get('evidence_sha256')!r}")
        if name in book.sheetnames:
            record = _sheet(book[name], sheet, manifest, problems, reviewer, day)
            if record is not None:
                records.append(record)
    problems.raise_any()
    return Imported(records, hashlib.sha256(raw).hexdigest())


def _facts(ws) -> dict[str, str]:
    out = {}
    for row in ws.iter_rows(min_row=1, max_row=6, max_col=2, values_only=True):
        if row[0] is not None:
            out[str(row[0])] = "" if row[1] is None else str(row[1])
    return out


def _recorded_sheets(ws) -> dict[str, str]:
    """sheet name -> the evidence SHA-256 the hidden table records for it."""
    out = {}
    for row in ws.iter_rows(min_row=9, max_col=6, values_only=True):
        if row[0] is not None:
            out[str(row[0])] = "" if row[5] is None else str(row[5])
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _sheet(ws, sheet: dict[str, Any], manifest: dict[str, Any], problems: Problems,
           reviewer: str | None, day: date | None) -> ReviewRecord | None:
    name = sheet["sheet"]
    members = sheet["members"]
    spec = SheetSpec(name, tuple(sheet["preamble"]), tuple(tuple(m["row"]) for m in members))
    grid, editable = spec.grid(), spec.editable()
    before = len(problems.lines)
    seen: set[tuple[int, int]] = set()
    for row in ws.iter_rows():
        for cell in row:
            at = (cell.row - 1, cell.column - 1)
            seen.add(at)
            if at in editable:
                continue
            found, wanted = _text(cell.value), grid.get(at, "")
            if found != wanted:
                problems.add(name, cell_name(*at), f"{found[:60]!r} where the campaign wrote "
                             f"{wanted[:60]!r}: only the decision column, the reviewer and the "
                             "date may be filled in")
    for at, wanted in grid.items():
        if at not in seen and wanted:
            problems.add(name, cell_name(*at), f"empty where the campaign wrote {wanted[:60]!r}")
    who = _text(ws.cell(REVIEWER_ROW + 1, 2).value).strip() or (reviewer or "")
    if not who:
        problems.add(name, cell_name(REVIEWER_ROW, 1), "no reviewer is filled in (or give "
                     "--reviewer)")
    when = _date(ws.cell(DATE_ROW + 1, 2).value, name, problems) or day
    if when is None and not any("cell " + cell_name(DATE_ROW, 1) in p for p in problems.lines):
        problems.add(name, cell_name(DATE_ROW, 1), "no review date is filled in (or give --date)")
    if when is not None:
        seen_at = sheet["collected_at"][:10]
        if when.isoformat() < seen_at:
            problems.add(name, cell_name(DATE_ROW, 1), f"review date {when.isoformat()} is before "
                         f"the membership it shows was collected ({seen_at})")
        elif when > datetime.now(UTC).date():
            problems.add(name, cell_name(DATE_ROW, 1), f"review date {when.isoformat()} is in "
                         "the future")
    decided = []
    for index, member in enumerate(members):
        at = (FIRST_MEMBER_ROW + index, DECISION_COL)
        raw = _text(ws.cell(at[0] + 1, at[1] + 1).value).strip()
        decision = DECISION_WORDS.get(raw.lower())
        if decision is None:
            problems.add(name, cell_name(*at), f"no decision for {member['name']}" if not raw
                         else f"{raw[:40]!r} is not a decision for {member['name']} (keep or "
                              "remove)")
            continue
        decided.append(ReviewedMember(member["dn"], member.get("sid"), member["name"],
                                      member["path"], decision))
    if len(problems.lines) > before or when is None or not who:
        return None
    group = sheet["group"]
    return ReviewRecord(manifest["campaign"], sheet["evidence_sha256"], sheet["domain"],
                        group["dn"], group.get("sid"), group["name"], sheet["owner"], who, when,
                        sheet["collected_at"], tuple(decided))


def _date(value: Any, sheet: str, problems: Problems) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for parse in (date.fromisoformat, lambda t: datetime.strptime(t, "%d-%m-%Y").date()):
        try:
            return parse(text)
        except ValueError:
            continue
    problems.add(sheet, cell_name(DATE_ROW, 1), f"{text[:40]!r} is not a date (YYYY-MM-DD)")
    return None


def imported_at() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
