"""The SHA-256 of report.json as the run writes it, computed once per report view.

The PDF footer and the workbook's summary both name it, so a printed page or a filed workbook
can be traced to its record. Serialising a 200,000-result report takes seconds, hence the cache
(on the view, like its findings: the view stays frozen).
"""

from __future__ import annotations

import hashlib

from gitc_agent.report.view import ReportView
from gitc_agent.run.output import StreamedReport


def remember_sha256(view: ReportView, report_json: bytes) -> None:
    """The hash of report.json as the json format just rendered it, so that nothing serialises
    the report a second time (1.5 s at 200,000 results)."""
    if isinstance(report_json, bytes):  # a StreamedReport (large) is hashed only if needed
        object.__setattr__(view, "_report_sha256", hashlib.sha256(report_json).hexdigest())


def report_sha256(view: ReportView) -> str:
    cached = view.__dict__.get("_report_sha256")
    if cached is None:
        cached = StreamedReport(dict(view.document)).sha256()  # never the whole text at once
        object.__setattr__(view, "_report_sha256", cached)
    return cached
