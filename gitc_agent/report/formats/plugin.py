"""The plugin API for output formats: one module declares a name, a file name and a renderer::

    from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
    from gitc_agent.report.view import ReportView

    def render(report: ReportView, options: RenderOptions) -> bytes:
        return "".join(f"{r.status}\\t{r.subject}\\n" for r in report.findings).encode()

    FORMAT = OutputFormat(name="tsv", file_name="findings.tsv", render=render)

and registers it under the entry-point group `gitc_agent.formats` (`tsv = my_pkg.tsv:FORMAT`).
A renderer sees the typed report only, so it cannot change the record (report.json) it renders.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitc_agent.report.view import ReportView

__all__ = ["OutputFormat", "RenderOptions", "ReportView"]

NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class RenderOptions:
    csv_separator: str = ","
    # samples drawn with `gitc-agent sample` (their sample-*.json records): the workbook adds
    # a sheet for each
    samples: tuple[Mapping[str, Any], ...] = ()
    # `report --lang`: render in this language instead of the one the report records
    language: str | None = None


Renderer = Callable[[ReportView, RenderOptions], bytes]


def language_of(report: ReportView, options: RenderOptions) -> str:
    """The language a format renders in: --lang, else the report's own."""
    return options.language or report.language


class Pending(Protocol):
    """A rendering under way beside the others (`OutputFormat.begin`)."""

    def result(self) -> bytes: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class OutputFormat:
    name: str  # what --format takes
    file_name: str  # written into the run folder
    render: Renderer
    description: str = ""
    source: str = field(default="built-in", compare=False)
    # built-in formats only: start the same rendering so it runs beside the formats rendered
    # after it (the PDF in a second process); a run takes its result() at the end
    begin: Callable[[ReportView, RenderOptions], Pending] | None = field(default=None,
                                                                         compare=False)
