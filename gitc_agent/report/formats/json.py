"""report.json: the record itself, as built; every other format is a rendering of it."""

from __future__ import annotations

from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView
from gitc_agent.run.output import StreamedReport, report_bytes

STREAM_FROM = 20_000  # results: from here on report.json is made while it is written


def _render(report: ReportView, options: RenderOptions) -> bytes:
    """The bytes; for a large report a StreamedReport (the same bytes, made piece by piece as
    the run folder is written), so that 300 MB of text never sit in memory beside the report."""
    if len(report.results) >= STREAM_FROM:
        return StreamedReport(dict(report.document))  # type: ignore[return-value]
    return report_bytes(dict(report.document))


FORMAT = OutputFormat(name="json", file_name="report.json", render=_render,
                      description="the JSON report (contract gitc-agent/report/v1), always written")
