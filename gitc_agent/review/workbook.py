"""Write a campaign as workbooks (XlsxWriter) and its manifest (`campaign.json`).

One workbook with a sheet per group, or with `per_owner` one workbook per owner. The sheet is
protected (no password: protection only keeps honest reviewers in the decision column; the
import compares every cell with the manifest, which is the real guard). The campaign id and the
evidence SHA-256 are in a hidden sheet and in the document properties. The manifest stays with
the administrator: it says what each sheet showed, so `review import` can refuse a workbook
edited outside its decision column, or one from another campaign or evidence.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import orjson
import xlsxwriter

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.review.campaign import Campaign, CampaignGroup
from gitc_agent.review.layout import (
    CAMPAIGN_SHEET,
    DATE_ROW,
    DECISION_COL,
    HEADER_ROW,
    HEADERS,
    LABELS,
    MANIFEST,
    REVIEWER_ROW,
    SCHEMA,
    SheetSpec,
    sheet_name,
)
from gitc_agent.run.atomic import write_bytes_atomic

WIDTHS = (18, 24, 18, 17, 8, 60, 50, 22)


def preamble(campaign: Campaign, group: CampaignGroup) -> tuple[str, ...]:
    return (group.name, group.dn, group.owner, str(group.period_days), group.collected_at,
            campaign.id, "", "")


def write(campaign: Campaign, out: Path, per_owner: bool = False) -> list[Path]:
    """The workbooks and the manifest, written atomically into `out`."""
    if (out / MANIFEST).exists():
        raise InputError(msg("{out} exists: this folder holds another campaign; export into a new folder",
                             out=out / MANIFEST), out / MANIFEST)
    batches: dict[str, list[CampaignGroup]] = {}
    for group in campaign.groups:
        batches.setdefault(group.owner if per_owner else "", []).append(group)
    manifest: dict[str, Any] = {"schema": SCHEMA, "campaign": campaign.id,
                                "created_at": campaign.created_at, "policy": campaign.policy,
                                "hr_departments": campaign.hr, "warnings": campaign.warnings,
                                "workbooks": []}
    written = []
    for owner, groups in batches.items():
        file = f"review-{campaign.id}" + (f"-{_slug(owner)}" if owner else "") + ".xlsx"
        sheets = []
        taken = {CAMPAIGN_SHEET.lower()}
        for index, group in enumerate(groups, 1):
            spec = SheetSpec(sheet_name(index, group.name, taken), preamble(campaign, group),
                             tuple(m.row for m in group.members))
            sheets.append((spec, group))
        data = _workbook(campaign, file, sheets)
        write_bytes_atomic(out / file, data)
        written.append(out / file)
        manifest["workbooks"].append({"file": file, "owner": owner or None,
                                      "sheets": [_sheet_entry(s, g) for s, g in sheets]})
    write_bytes_atomic(out / MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    return written


def _sheet_entry(spec: SheetSpec, group: CampaignGroup) -> dict[str, Any]:
    return {"sheet": spec.name, "domain": group.domain, "evidence_file": group.evidence_file,
            "evidence_sha256": group.evidence_sha256, "collected_at": group.collected_at,
            "group": {"dn": group.dn, "sid": group.sid, "name": group.name},
            "owner": group.owner, "period_days": group.period_days,
            "preamble": list(spec.preamble),
            "members": [{"dn": m.dn, "sid": m.sid, "name": m.name, "path": m.path,
                         "row": list(m.row)} for m in group.members]}


def _workbook(campaign: Campaign, file: str, sheets: list[tuple[SheetSpec, CampaignGroup]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False, "strings_to_urls": False})
    book.set_properties({"title": f"Re-certification campaign {campaign.id}",
                         "subject": "group membership review",
                         "comments": "Fill in the reviewer, the date and one decision (keep or "
                                     "remove) per member; change nothing else.",
                         "creator": "gitc-agent"})
    book.set_custom_property("gitc_campaign", campaign.id)
    book.set_custom_property("gitc_evidence_sha256",
                             ",".join(sorted({g.evidence_sha256 for _, g in sheets})))
    locked = book.add_format({"locked": True, "text_wrap": False})
    bold = book.add_format({"bold": True, "locked": True})
    header = book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1, "locked": True})
    open_cell = book.add_format({"locked": False, "bg_color": "#FFF2CC", "border": 1})
    for spec, _group in sheets:
        ws = book.add_worksheet(spec.name)
        for (row, col), value in sorted(spec.grid().items()):
            style = header if row == HEADER_ROW else bold if col == 0 and row < len(LABELS) \
                else locked
            ws.write_string(row, col, value, style)
        for row in (REVIEWER_ROW, DATE_ROW):
            ws.write_blank(row, 1, None, open_cell)
        first = HEADER_ROW + 1
        for index in range(len(spec.rows)):
            ws.write_blank(first + index, DECISION_COL, None, open_cell)
        if spec.rows:
            ws.data_validation(first, DECISION_COL, first + len(spec.rows) - 1, DECISION_COL,
                               {"validate": "list", "source": ["keep", "remove"],
                                "error_title": "keep or remove",
                                "error_message": "Choose keep or remove."})
        ws.data_validation(DATE_ROW, 1, DATE_ROW, 1, {"validate": "any", "input_title":
                                                      "Review date",
                                                      "input_message": "YYYY-MM-DD"})
        for col, width in enumerate(WIDTHS[:len(HEADERS)]):
            ws.set_column(col, col, width)
        ws.freeze_panes(HEADER_ROW + 1, 0)
        ws.protect("", {"autofilter": True, "sort": False, "format_columns": True})
    hidden = book.add_worksheet(CAMPAIGN_SHEET)
    rows = [("schema", SCHEMA), ("campaign", campaign.id), ("workbook", file),
            ("created_at", campaign.created_at), ("policy", campaign.policy.get("id", "")),
            ("policy_sha256", campaign.policy.get("sha256", ""))]
    for row, (key, value) in enumerate(rows):
        hidden.write_string(row, 0, key)
        hidden.write_string(row, 1, value)
    table = len(rows) + 1
    for col, name in enumerate(("sheet", "group_dn", "group_sid", "domain", "evidence_file",
                                "evidence_sha256", "collected_at", "members")):
        hidden.write_string(table, col, name)
    for row, (spec, group) in enumerate(sheets, table + 1):
        for col, value in enumerate((spec.name, group.dn, group.sid or "", group.domain,
                                     group.evidence_file, group.evidence_sha256,
                                     group.collected_at, str(len(group.members)))):
            hidden.write_string(row, col, value)
    hidden.protect("")
    hidden.hide()
    book.close()
    return buffer.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:40] or "owner"
