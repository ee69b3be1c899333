"""PDF rendering: the HTML report printed to A4 by WeasyPrint, for the audit file.

The PDF is made from the same page as report.html (one template, one truth) with a print
stylesheet of its own: A4 portrait, every collapsible section opened (paper cannot be clicked
open), and on every page the page number, the run id and the SHA-256 of report.json, so a
printed page can be traced to the record it came from. The HTML is autoescaped evidence text;
WeasyPrint is given no base URL and a URL fetcher that refuses everything, so nothing in a
report can make it read a file or the network (pdf_print). A run and `gitc-agent report`
(render_all) have it printed by a second process while they render the other formats;
`render_pdf` prints it in this process.
"""

from __future__ import annotations

import re

from gitc_agent.i18n import Translator
from gitc_agent.report.formats.html import Limits, render_html
from gitc_agent.report.formats.pdf_print import PdfJob, print_pdf
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions, language_of
from gitc_agent.report.report_hash import report_sha256
from gitc_agent.report.view import ReportView

# Closed <details> hide their content; the rendered HTML is autoescaped, so a literal
# `<details` can only come from the template itself.
_DETAILS = re.compile(r"<details(?![^>]*\sopen)(?=[\s>])")
_SAFE = re.compile(r"[^A-Za-z0-9 ._:-]")
# paper gets fewer subjects per finding and per table than the page (the workbook and CSV keep
# every one, and the PDF counts what it leaves out), evidence as one wrapped line of at most 200
# characters (report.json is the record of all of it), the coverage table without the controls
# tested completely (each finding names its population and evidence; report.html lists all), and the
# coverage sources without server details and hashes (the workbook's Evidence sheet has them):
# the demo went from 178 pages to a few tens, and a 200,000-result report prints as quickly
PDF_LIMITS = Limits(deviations=3, rows=25, coverage_sources=False, coverage_complete=False,
                    evidence="compact", evidence_chars=200)


def _css_string(text: str) -> str:
    """A CSS string literal of plain characters (run ids and hashes are; anything else is
    dropped rather than trusted inside the stylesheet)."""
    return '"' + _SAFE.sub("", text) + '"'


def print_css(report: ReportView, language: str | None = None) -> str:
    tr = Translator(language or report.language)
    footer = tr("run {run} · report.json sha256 {sha256}", run=report.run.id,
                sha256=report_sha256(report))
    page = (_css_string(tr("page") + " ") + " counter(page) " + _css_string(" " + tr("of") + " ")
            + " counter(pages)")
    return f"""
@page {{
  size: A4 portrait;
  margin: 16mm 14mm 20mm 14mm;
  @bottom-left {{ content: {_css_string(footer)}; font: 6.5pt sans-serif; color: #555; }}
  @bottom-right {{ content: {page};
                   font: 7pt sans-serif; color: #555; }}
}}
html {{ font-size: 9pt; }}
body {{ margin: 0; max-width: none; padding: 0; font: 9pt/1.35 sans-serif; }}
details, details > * {{ display: block !important; }}
details > summary {{ font-weight: 600; list-style: none; }}
a {{ color: inherit; text-decoration: none; }}
h2 {{ break-after: avoid; }}
tr, .finding {{ break-inside: avoid; }}
table {{ width: 100%; table-layout: fixed; }}
td, th, .subject, pre {{ overflow-wrap: break-word; word-break: normal !important; }}
pre {{ white-space: pre-wrap; font-size: 7pt; }}
.finding dl {{ display: block !important; }}
.finding dt {{ display: block; margin-top: .2em; }}
.finding dd {{ display: block; margin: 0 0 0 1.5em; }}
table.deviations th:nth-child(1) {{ width: 20%; }} table.deviations th:nth-child(2) {{ width: 8%; }}
table.deviations th:nth-child(3) {{ width: 32%; }} table.deviations th:nth-child(4) {{ width: 40%; }}
#coverage-table th:nth-child(1) {{ width: 15%; }} #coverage-table th:nth-child(2) {{ width: 13%; }}
#coverage-table th:nth-child(3) {{ width: 9%; }} #coverage-table th:nth-child(4) {{ width: 7%; }}
#coverage-table th:nth-child(5) {{ width: 16%; }} #coverage-table th:nth-child(6) {{ width: 22%; }}
#coverage-table th:nth-child(7) {{ width: 18%; }}
"""


def _page(report: ReportView, language: str | None) -> tuple[str, str, bytes]:
    """The print page, its stylesheet and the PDF's /ID: everything the PDF is made of."""
    html = _DETAILS.sub("<details open", render_html(report, language, PDF_LIMITS).decode("utf-8"))
    return html, print_css(report, language), _identifier(report)


def render_pdf(report: ReportView, language: str | None = None) -> bytes:
    return print_pdf(*_page(report, language))


def _identifier(report: ReportView) -> bytes:
    """A fixed PDF /ID from the report, so a re-rendered PDF is byte-identical."""
    return report_sha256(report)[:32].encode()


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_pdf(report, language_of(report, options))


def _begin(report: ReportView, options: RenderOptions) -> PdfJob:
    """The same PDF, printed by a second process while the run renders the other formats."""
    return PdfJob(*_page(report, language_of(report, options)))


FORMAT = OutputFormat(name="pdf", file_name="report.pdf", render=_render, begin=_begin,
                      description="the HTML report as an A4 PDF: every section expanded, page "
                                  "numbers, run id and report SHA-256 in the footer")
