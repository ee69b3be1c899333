"""CSV rendering: one row per result, for spreadsheets, each naming the finding it belongs to.

The CSV keeps every result (the HTML shows a limited number per finding); the `finding_*` columns,
appended so the earlier columns keep their places, say which finding (check and scope) a row is
the detail of, so a pivot table gives the findings back.

Written as UTF-8 with a byte order mark, because Excel otherwise reads UTF-8 as the local ANSI
code page (é, ×, ≥ garbled); Python reads it back with encoding ``utf-8-sig``. Cells are evidence
text, so a cell that starts with ``= + - @`` (or tab/CR) is prefixed with ``'``: a spreadsheet
would otherwise run it as a formula (CSV/formula injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from gitc_agent.report.finding_model import Finding
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView, ResultView

COLUMNS = ("id", "check", "title", "subject", "status", "priority", "likelihood", "impact",
           "follow_up", "message", "remediation", "references", "exception_owner",
           "exception_expires", "exception_state", "evidence_file", "finding_id",
           "finding_scope", "finding_priority", "finding_status")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """Text a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _row(r: ResultView, finding: Finding | None) -> list[str]:
    exc = r.exception
    evidence = r.evidence or {}
    values = {"id": r.id, "check": r.check, "title": r.title, "subject": r.subject,
              "status": r.status, "priority": r.priority, "likelihood": r.likelihood,
              "impact": r.impact, "follow_up": r.follow_up, "message": r.message,
              "remediation": r.remediation, "references": " | ".join(r.references),
              "exception_owner": exc and exc.owner, "exception_expires": exc and exc.expires,
              "exception_state": exc and exc.state,
              "evidence_file": evidence.get("evidence_file") if isinstance(evidence, dict) else None,
              "finding_id": finding and finding.id,
              "finding_scope": finding and finding.scope_label,
              "finding_priority": finding and finding.priority,
              "finding_status": finding and finding.status.value}
    return [neutralise(values[col]) for col in COLUMNS]


def render_csv(report: ReportView | Mapping[str, Any], separator: str = ",") -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    view = ReportView.of(report)
    of_result = {r.id: f for f in findings_of(view)
                 for r in (*f.deviations, *f.accepted, *f.not_assessed)}
    for result in view.results:
        writer.writerow(_row(result, of_result.get(result.id)))
    return buffer.getvalue().encode("utf-8-sig")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_csv(report, options.csv_separator)


FORMAT = OutputFormat(name="csv", file_name="report.csv", render=_render,
                      description="one row per result, for spreadsheets (UTF-8 with BOM)")
