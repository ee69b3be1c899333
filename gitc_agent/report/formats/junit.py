"""JUnit XML rendering: one test case per result, so CI systems and dashboards can show a run.

fail -> <failure>, error -> <error>, accepted and not_applicable -> <skipped> with the reason,
pass -> a plain test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from typing import Any

from gitc_agent.core.results import Status
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView, ResultView

# characters XML 1.0 cannot carry at all; evidence text may contain them
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_SKIPPED = (Status.ACCEPTED, Status.NOT_APPLICABLE)


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _details(r: ResultView) -> str:
    lines = [f"priority: {r.priority} (likelihood {r.likelihood}, impact {r.impact})"
             if r.priority else "", r.message, f"remediation: {r.remediation}",
             "references: " + "; ".join(r.references),
             f"follow-up: {r.follow_up}" if r.follow_up else ""]
    return "\n".join(line for line in lines if line)


def render_junit(report: ReportView | Mapping[str, Any]) -> bytes:
    view = ReportView.of(report)
    results = view.results
    counts = Counter(r.status for r in results)
    attrs = {"name": f"gitc-agent {view.run.policy.id}", "tests": str(len(results)),
             "failures": str(counts[Status.FAIL]), "errors": str(counts[Status.ERROR]),
             "skipped": str(sum(counts[s] for s in _SKIPPED))}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", {
        **attrs, "id": _text(view.run.id), "timestamp": _text(view.run.started_at),
        "hostname": _text(view.run.host)})
    for r in results:
        case = ET.SubElement(suite, "testcase", {"classname": _text(r.check),
                                                 "name": _text(r.subject)})
        message = _text(r.message)
        if r.status is Status.FAIL:
            el = ET.SubElement(case, "failure", {"message": message, "type": _text(r.priority)})
            el.text = _text(_details(r))
        elif r.status is Status.ERROR:
            el = ET.SubElement(case, "error", {"message": message, "type": "not-assessed"})
            el.text = _text(_details(r))
        elif r.status in _SKIPPED:
            ET.SubElement(case, "skipped", {"message": f"{r.status}: {message}"})
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_junit(report)


FORMAT = OutputFormat(name="junit", file_name="junit.xml", render=_render,
                      description="JUnit XML: one test case per result, for CI dashboards")
