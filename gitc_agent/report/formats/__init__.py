"""The output formats: each a rendering of the one JSON report into one file of the run folder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitc_agent.errors import InputError
from gitc_agent.run.output import report_bytes

FILES = {"json": "report.json", "html": "report.html", "csv": "report.csv",
         "oscal": "oscal-assessment-results.json", "junit": "junit.xml"}
SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "|": "|"}


@dataclass(frozen=True)
class RenderOptions:
    csv_separator: str = ","


def parse_formats(values: Iterable[str] | None) -> list[str]:
    """`--format html --format csv,junit` -> ['json', 'html', 'csv', 'junit']; json always."""
    wanted = ["json"]
    for value in values or ():
        for name in value.split(","):
            name = name.strip().lower()
            if name == "all":
                wanted.extend(FILES)
            elif name not in FILES:
                raise InputError(f"unknown --format {name!r} (choose from {', '.join(FILES)}, all)")
            else:
                wanted.append(name)
    return list(dict.fromkeys(wanted))


def parse_separator(value: str) -> str:
    if value not in SEPARATORS:
        raise InputError(f"--csv-separator {value!r} is not one of: , ; tab |")
    return SEPARATORS[value]


def render(report: dict[str, Any], fmt: str, options: RenderOptions) -> bytes:
    # imported here so that a run that only writes JSON never loads Jinja2
    if fmt == "json":
        return report_bytes(report)
    if fmt == "html":
        from gitc_agent.report.formats.html import render_html
        return render_html(report)
    if fmt == "csv":
        from gitc_agent.report.formats.csv import render_csv
        return render_csv(report, options.csv_separator)
    if fmt == "oscal":
        from gitc_agent.report.formats.oscal import render_oscal
        return render_oscal(report)
    if fmt == "junit":
        from gitc_agent.report.formats.junit import render_junit
        return render_junit(report)
    raise InputError(f"unknown format {fmt!r}")


def render_all(report: dict[str, Any], formats: Iterable[str],
               options: RenderOptions) -> dict[str, bytes]:
    """File name -> content for every requested format."""
    return {FILES[fmt]: render(report, fmt, options) for fmt in formats}
