"""JUnit XML rendering: one test case per result, so CI systems and dashboards can show a run.

fail -> <failure>, error -> <error>, accepted and not_applicable -> <skipped> with the reason,
pass -> a plain test case.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter
from typing import Any

# characters XML 1.0 cannot carry at all; evidence text may contain them
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    return _NOT_XML.sub("\ufffd", "" if value is None else str(value))


def _details(r: dict[str, Any]) -> str:
    lines = [f"priority: {r['priority']} (likelihood {r['likelihood']}, impact {r['impact']})"
             if r.get("priority") else "", r["message"], f"remediation: {r['remediation']}",
             "references: " + "; ".join(r.get("references") or []),
             f"follow-up: {r['follow_up']}" if r.get("follow_up") else ""]
    return "\n".join(line for line in lines if line)


def render_junit(report: dict[str, Any]) -> bytes:
    results = report["results"]
    counts = Counter(r["status"] for r in results)
    attrs = {"name": f"gitc-agent {report['run']['policy']['id']}", "tests": str(len(results)),
             "failures": str(counts["fail"]), "errors": str(counts["error"]),
             "skipped": str(counts["accepted"] + counts["not_applicable"])}
    suites = ET.Element("testsuites", attrs)
    suite = ET.SubElement(suites, "testsuite", {
        **attrs, "id": _text(report["run"]["id"]), "timestamp": _text(report["run"]["started_at"]),
        "hostname": _text(report["run"]["host"])})
    for r in results:
        case = ET.SubElement(suite, "testcase", {"classname": _text(r["check"]),
                                                 "name": _text(r["subject"])})
        status, message = r["status"], _text(r["message"])
        if status == "fail":
            el = ET.SubElement(case, "failure", {"message": message, "type": _text(r["priority"])})
            el.text = _text(_details(r))
        elif status == "error":
            el = ET.SubElement(case, "error", {"message": message, "type": "not-assessed"})
            el.text = _text(_details(r))
        elif status in ("accepted", "not_applicable"):
            ET.SubElement(case, "skipped", {"message": f"{status}: {message}"})
    ET.indent(suites)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True) + b"\n"
