"""JUnit XML rendering: one test case per finding (a check on a scope), as CI dashboards count them.

finding -> <failure> (its deviations listed, up to a limit, in the text), not assessed -> <error>,
accepted -> <skipped> with the owners and expiry dates, no finding -> a plain test case. A CI
system then shows "3 of 22 memberships deviate" once, not 3 failed tests; the subjects are in
the failure text, the CSV and the workbook.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Mapping
from typing import Any

from gitc_agent.report.finding_model import Finding, FindingStatus
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView

# characters XML 1.0 cannot carry at all; evidence text may contain them
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


MAX_LISTED = 50  # deviations named in a failure's text


def _details(f: Finding) -> str:
    lines = [f"{f.scope_label}: {f.headline()}",
             f"priority: {f.priority} (likelihood {f.likelihood}, impact {f.impact})"
             if f.priority else "",
             f"population: {f.population.count} {f.population.what} "
             f"({f.population.completeness.value})",
             f"follow-up: {f.follow_up.status.value}" if f.follow_up else ""]
    listed = [*f.deviations, *f.accepted, *f.not_assessed]
    lines += [f"{r.status}: {r.subject}: {r.message}" for r in listed[:MAX_LISTED]]
    if len(listed) > MAX_LISTED:
        lines.append(f"... and {len(listed) - MAX_LISTED} more (see report.csv)")
    return "\n".join(line for line in lines if line)


def render_junit(report: ReportView | Mapping[str, Any]) -> bytes:
    view = ReportView.of(report)
    findings = findings_of(view)
    counts = Counter(f.status for f in findings)
    attrs = {"name": f"gitc-agent {view.run.policy.id}", "tests": str(len(findings)),
             "failures": str(counts[FindingStatus.FINDING]),
             "errors": str(counts[FindingStatus.NOT_ASSESSED]),
             "skipped": str(counts[FindingStatus.ACCEPTED])}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", {
        **attrs, "id": _text(view.run.id), "timestamp": _text(view.run.started_at),
        "hostname": _text(view.run.host)})
    for f in findings:
        case = ET.SubElement(suite, "testcase", {"classname": _text(f.check),
                                                 "name": _text(f.scope_label)})
        message = _text(f.headline())
        if f.status is FindingStatus.FINDING:
            el = ET.SubElement(case, "failure", {"message": message, "type": _text(f.priority)})
            el.text = _text(_details(f))
        elif f.status is FindingStatus.NOT_ASSESSED:
            el = ET.SubElement(case, "error", {"message": message, "type": "not-assessed"})
            el.text = _text(_details(f))
        elif f.status is FindingStatus.ACCEPTED:
            owners = "; ".join(f"{e.owner} until {e.expires}" for e in f.exceptions)
            ET.SubElement(case, "skipped", {"message": _text(f"risk accepted ({owners}): "
                                                             f"{message}")})
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_junit(report)


FORMAT = OutputFormat(name="junit", file_name="junit.xml", render=_render,
                      description="JUnit XML: one test case per finding, for CI dashboards")
