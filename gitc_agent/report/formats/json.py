"""report.json: the record itself, as built; every other format is a rendering of it."""

from __future__ import annotations

from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView
from gitc_agent.run.output import report_bytes


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return report_bytes(dict(report.document))


FORMAT = OutputFormat(name="json", file_name="report.json", render=_render,
                      description="the JSON report (contract gitc-agent/report/v1), always written")
