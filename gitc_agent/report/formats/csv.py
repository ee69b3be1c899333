"""CSV rendering: one row per result, for spreadsheets, each naming the finding it belongs to.

The CSV keeps every result (the HTML shows a limited number per finding); the `finding_*` columns,
appended so the earlier columns keep their places, say which finding (check and scope) a row is
the detail of, so a pivot table gives the findings back.

Written as UTF-8 with a byte order mark, because Excel otherwise reads UTF-8 as the local ANSI
code page (é, ×, ≥ garbled); Python reads it back with encoding ``utf-8-sig``. Cells are evidence
text, so each passes the formula guard of model/cell_text (a leading ``'`` before ``= + - @``).
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Mapping, Sequence
from typing import Any

from gitc_agent.i18n import NP_, Translator, terms
from gitc_agent.model.cell_text import neutralise_row
from gitc_agent.report.finding_model import Finding
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions, language_of
from gitc_agent.report.view import ReportView, ResultView

COLUMNS = ("id", "check", "title", "subject", "status", "priority", "likelihood", "impact",
           "follow_up", "message", "remediation", "references", "exception_owner",
           "exception_expires", "exception_state", "evidence_file", "finding_id",
           "finding_scope", "finding_priority", "finding_status")
_IN_ORDER = operator.itemgetter(*COLUMNS)
_COLUMN = "csv column"
#: the header row in the report's language (English: the column names above, unchanged)
HEADERS = {
    "id": NP_("csv column", "id"),
    "check": NP_("csv column", "check"),
    "title": NP_("csv column", "title"),
    "subject": NP_("csv column", "subject"),
    "status": NP_("csv column", "status"),
    "priority": NP_("csv column", "priority"),
    "likelihood": NP_("csv column", "likelihood"),
    "impact": NP_("csv column", "impact"),
    "follow_up": NP_("csv column", "follow_up"),
    "message": NP_("csv column", "message"),
    "remediation": NP_("csv column", "remediation"),
    "references": NP_("csv column", "references"),
    "exception_owner": NP_("csv column", "exception_owner"),
    "exception_expires": NP_("csv column", "exception_expires"),
    "exception_state": NP_("csv column", "exception_state"),
    "evidence_file": NP_("csv column", "evidence_file"),
    "finding_id": NP_("csv column", "finding_id"),
    "finding_scope": NP_("csv column", "finding_scope"),
    "finding_priority": NP_("csv column", "finding_priority"),
    "finding_status": NP_("csv column", "finding_status"),
}


def _row(r: ResultView, finding: Finding | None, tr: Translator) -> Sequence[Any]:
    exc = r.exception
    evidence = r.evidence or {}
    english = tr.is_english  # English: the values of the contract, as they are
    values = {"id": r.id, "check": r.check, "title": r.title if english else tr.title(r.title),
              "subject": r.subject,
              "status": r.status if english else terms.status(tr, r.status),
              "priority": r.priority, "likelihood": r.likelihood,
              "impact": r.impact,
              "follow_up": r.follow_up if english or not r.follow_up else terms.follow_up(
                  tr, r.follow_up),
              "message": r.message if english else tr.message(r),
              "remediation": r.remediation if english else tr.title(r.remediation),
              "references": " | ".join(r.references),
              "exception_owner": exc and exc.owner, "exception_expires": exc and exc.expires,
              "exception_state": exc and (exc.state if english or not exc.state
                                          else terms.exception_state(tr, exc.state)),
              "evidence_file": evidence.get("evidence_file") if isinstance(evidence, dict) else None,
              "finding_id": finding and finding.id,
              "finding_scope": finding and finding.scope_label,
              "finding_priority": finding and finding.priority,
              "finding_status": finding and (finding.status.value if english
                                             else terms.finding_status(tr, finding.status))}
    return neutralise_row(_IN_ORDER(values))


def render_csv(report: ReportView | Mapping[str, Any], separator: str = ",",
               language: str | None = None) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    view = ReportView.of(report)
    tr = Translator(language or view.language)
    writer.writerow([tr.term(_COLUMN, HEADERS[col]) for col in COLUMNS])
    of_result = {r.id: f for f in findings_of(view)
                 for r in (*f.deviations, *f.accepted, *f.not_assessed)}
    for result in view.results:
        writer.writerow(_row(result, of_result.get(result.id), tr))
    return buffer.getvalue().encode("utf-8-sig")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_csv(report, options.csv_separator, language_of(report, options))


FORMAT = OutputFormat(name="csv", file_name="report.csv", render=_render,
                      description="one row per result, for spreadsheets (UTF-8 with BOM)")
