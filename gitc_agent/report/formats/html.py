"""HTML rendering: one self-contained page (inline CSS, no scripts, no external assets).

Everything in a report can come from evidence, which is untrusted text, so the template is
rendered with autoescape on and the only value put into a style attribute (a band colour) is
checked to be a plain colour first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, replace
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from gitc_agent.core.results import Status
from gitc_agent.report.coverage import Completeness, PlanState
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import FollowUp, ReportView, ResultView

_COLOR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[a-zA-Z]{3,20})$")
_FALLBACK = "#757575"


def _env() -> Environment:
    return Environment(loader=PackageLoader("gitc_agent.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def _color(value: str | None) -> str:
    return value if value and _COLOR.match(value) else _FALLBACK


def cell_anchor(likelihood: int, impact: int) -> str:
    return f"cell-{likelihood}-{impact}"


def _view(report: ReportView) -> dict[str, Any]:
    """What the template shows, derived from the report only (data flows one way)."""
    scoring, results = report.scoring, report.results
    bands = [replace(b, color=_color(b.color)) for b in scoring.bands]
    by_id = {b.id: b for b in bands}
    findings = report.findings
    in_cell: dict[str, list[ResultView]] = {}
    for r in findings:
        if r.likelihood and r.impact:
            in_cell.setdefault(cell_anchor(r.likelihood, r.impact), []).append(r)
    cells = {(c.likelihood, c.impact): c for c in report.summary.heatmap}
    impacts = sorted(scoring.impact)
    rows = []
    for lik in sorted(scoring.likelihood, reverse=True):
        row = []
        for imp in impacts:
            cell = cells[(lik, imp)]
            band = by_id.get(cell.priority)
            row.append({**asdict(cell), "anchor": cell_anchor(lik, imp),
                        "color": band.color if band else _FALLBACK,
                        "label": band.label if band else cell.priority})
        rows.append({"likelihood": lik, "label": scoring.likelihood[lik], "cells": row})
    groups = [{"band": b, "results": [r for r in findings if r.priority == b.id]}
              for b in reversed(bands)]
    follow = report.follow_up
    return {
        "report": report, "run": report.run, "summary": report.summary, "bands": by_id,
        "band_list": bands, "impacts": [(i, scoring.impact[i]) for i in impacts],
        "heatmap_rows": rows, "cell_findings": in_cell,
        "groups": [g for g in groups if g["results"]],
        "followed": [r for r in results
                     if r.follow_up and r.follow_up is not FollowUp.NOT_REASSESSED],
        "resolved_gone": [r for r in follow.resolved if r.now is None] if follow else [],
        "not_reassessed": follow.not_reassessed if follow else (),
        "follow_up": follow,
        "coverage": report.coverage, "plan": report.run.plan,
        "accepted_risks": report.with_status(Status.ACCEPTED),
        "errors": report.with_status(Status.ERROR),
        "passed": report.with_status(Status.PASS, Status.NOT_APPLICABLE),
    }


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def render_html(report: ReportView | Mapping[str, Any]) -> bytes:
    env = _env()
    env.filters["pretty"] = _pretty
    env.globals.update(cell_anchor=cell_anchor, Status=Status, FollowUp=FollowUp,
                       Completeness=Completeness, PlanState=PlanState)
    return env.get_template("report.html.j2").render(**_view(ReportView.of(report))).encode("utf-8")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_html(report)


FORMAT = OutputFormat(name="html", file_name="report.html", render=_render,
                      description="one self-contained page: heatmap, findings, follow-up")
