"""HTML rendering: one self-contained page (inline CSS, no scripts, no external assets).

The management summary comes first, then the heatmap of findings, the trend, and each finding
with its population and its deviations up to DEVIATIONS_SHOWN (the page says how many more the
workbook and CSV hold): a report of 200,000 results stays a page a browser and a PDF can take.

Everything in a report can come from evidence, which is untrusted text, so the template is
rendered with autoescape on and the only value put into a style attribute (a band colour) is
checked to be a plain colour first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from gitc_agent.core.results import Status
from gitc_agent.i18n import Translator, terms
from gitc_agent.report.coverage import Completeness, PlanState
from gitc_agent.report.finding_model import Finding, FindingStatus
from gitc_agent.report.finding_report import heatmap
from gitc_agent.report.findings import findings_of, follow_up_rows
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions, language_of
from gitc_agent.report.trend import trend_svg
from gitc_agent.report.view import FollowUp, ReportView, ResultView

_COLOR = re.compile(r"^(#[0-9A-Fa-f]{3,8}|[a-zA-Z]{3,20})$")
_FALLBACK = "#757575"
DEVIATIONS_SHOWN = 10  # per finding; the workbook and the CSV have every one
ROW_LIMIT = 200  # rows of the per-subject tables; the CSV has every one
TOP_FINDINGS = 5


@dataclass(frozen=True)
class Limits:
    """How much of a large report a page shows; what it leaves out it counts and names the
    workbook and CSV for (they keep every result). The PDF takes smaller limits than the HTML:
    an auditor files tens of pages, not hundreds, and WeasyPrint lays out about a line a ms."""

    deviations: int = DEVIATIONS_SHOWN  # per finding
    rows: int = ROW_LIMIT  # per per-subject table (passed, not assessed, follow-up, accepted)
    coverage_sources: bool = True  # each source's server, filter and evidence hash
    coverage_complete: bool = True  # list the completely tested controls in the coverage table
    evidence: str = "pretty"  # "pretty": indented JSON; "compact": one line that wraps
    evidence_chars: int = 0  # a result's evidence cut to this many characters and "…" (0: all)


HTML_LIMITS = Limits()


def _env() -> Environment:
    return Environment(loader=PackageLoader("gitc_agent.report", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True),
                       trim_blocks=True, lstrip_blocks=True)


def _color(value: str | None) -> str:
    return value if value and _COLOR.match(value) else _FALLBACK


def cell_anchor(likelihood: int, impact: int) -> str:
    return f"cell-{likelihood}-{impact}"


def _view(report: ReportView, limits: Limits = HTML_LIMITS) -> dict[str, Any]:
    """What the template shows, derived from the report only (data flows one way)."""
    scoring, results = report.scoring, report.results
    bands = [replace(b, color=_color(b.color)) for b in scoring.bands]
    by_id = {b.id: b for b in bands}
    findings = findings_of(report)
    reported = [f for f in findings if f.is_reported]
    in_cell: dict[str, list[Finding]] = {}
    for f in reported:
        if f.likelihood and f.impact:
            in_cell.setdefault(cell_anchor(f.likelihood, f.impact), []).append(f)
    cells = {(c["likelihood"], c["impact"]): c for c in heatmap(findings, scoring, report)}
    impacts = sorted(scoring.impact)
    rows = []
    for lik in sorted(scoring.likelihood, reverse=True):
        row = []
        for imp in impacts:
            cell = cells[(lik, imp)]
            band = by_id.get(cell["priority"])
            row.append({**cell, "anchor": cell_anchor(lik, imp),
                        "color": band.color if band else _FALLBACK,
                        "label": band.label if band else cell["priority"]})
        rows.append({"likelihood": lik, "label": scoring.likelihood[lik], "cells": row})
    first = {}
    for r in results:
        first.setdefault(r.check, r)
    ranked = _ranked(reported, scoring)
    groups = [{"band": b, "findings": [_item(f, first.get(f.check), limits.deviations)
                                       for f in ranked
                                       if f.priority == b.id]} for b in reversed(bands)]
    follow = report.follow_up
    errors = report.with_status(Status.ERROR)
    return {
        "report": report, "run": report.run, "summary": report.summary, "bands": by_id,
        "band_list": bands, "impacts": [(i, scoring.impact[i]) for i in impacts],
        "heatmap_rows": rows, "cell_findings": in_cell,
        "groups": [g for g in groups if g["findings"]],
        "top_findings": ranked[:TOP_FINDINGS], "finding_counts": _counts(findings, reported),
        "finding_follow_rows": follow_up_rows(report),
        "finding_follow_counts": (report.document.get("summary") or {}).get("findings", {})
        .get("follow_up"),
        "coverage_counts": _coverage_counts(findings),
        "subjects_tested": sum(f.population.count for f in findings),
        "unassessed_checks": len({r.check for r in errors}),
        "trend_svg": trend_svg(report), "row_limit": limits.rows,
        "coverage_sources": limits.coverage_sources,
        "coverage_rows": [c for c in report.coverage
                          if limits.coverage_complete or c.completeness is not Completeness.COMPLETE],
        "coverage_left_out": 0 if limits.coverage_complete else sum(
            1 for c in report.coverage if c.completeness is Completeness.COMPLETE),
        "followed": [r for r in results
                     if r.follow_up and r.follow_up is not FollowUp.NOT_REASSESSED],
        "resolved_gone": [r for r in follow.resolved if r.now is None] if follow else [],
        "not_reassessed": follow.not_reassessed if follow else (),
        "follow_up": follow,
        "coverage": report.coverage, "plan": report.run.plan,
        "accepted_risks": report.with_status(Status.ACCEPTED),
        "errors": errors,
        "passed": report.with_status(Status.PASS, Status.NOT_APPLICABLE),
    }


def _ranked(findings: list[Finding], scoring: Any) -> list[Finding]:
    rank = {b.id: i for i, b in enumerate(scoring.bands)}
    return sorted(findings, key=lambda f: (-rank.get(f.priority or "", -1), -(f.likelihood or 0),
                                           -(f.impact or 0)))


def _item(f: Finding, example: ResultView | None,
          shown: int = DEVIATIONS_SHOWN) -> dict[str, Any]:
    """A finding with the deviations the page shows (the worst first, up to the limit)."""
    everything = (*f.deviations, *f.accepted)
    return {"finding": f, "shown": everything[:shown],
            "left_out": max(0, len(everything) - shown), "total": len(everything),
            "references": example.references if example else (),
            "remediation": example.remediation if example else ""}


def _counts(findings: tuple[Finding, ...], reported: list[Finding]) -> dict[str, Any]:
    open_ = [f for f in reported if f.status is FindingStatus.FINDING]
    priority: dict[str, int] = {}
    for f in open_:
        priority[f.priority or ""] = priority.get(f.priority or "", 0) + 1
    return {"priority": priority, "open": len(open_), "accepted": len(reported) - len(open_),
            "clean": len(findings) - len(reported),
            "unassessed": sum(1 for f in findings if f.not_assessed)}


def _coverage_counts(findings: tuple[Finding, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.population.completeness.value] = counts.get(f.population.completeness.value, 0) + 1
    return counts


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _compact(value: Any) -> str:
    """Evidence on paper: one line per result that wraps, not a line per key."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _evidence_filter(limits: Limits) -> Any:
    shape = _compact if limits.evidence == "compact" else _pretty
    if not limits.evidence_chars:
        return shape

    def cut(value: Any) -> str:
        text = shape(value)
        return text if len(text) <= limits.evidence_chars else text[:limits.evidence_chars] + " …"
    return cut


def render_html(report: ReportView | Mapping[str, Any], language: str | None = None,
                limits: Limits = HTML_LIMITS) -> bytes:
    """`language`: the report's own unless given (`report --lang`); `limits`: how much of a
    large report the page shows (the PDF passes smaller ones)."""
    env = _env()
    env.filters["pretty"] = _evidence_filter(limits)
    view = ReportView.of(report)
    env.globals.update(cell_anchor=cell_anchor, Status=Status, FollowUp=FollowUp,
                       Completeness=Completeness, PlanState=PlanState,
                       **terms.template_globals(Translator(language or view.language)))
    return env.get_template("report.html.j2").render(**_view(view, limits)).encode("utf-8")


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_html(report, language_of(report, options))


FORMAT = OutputFormat(name="html", file_name="report.html", render=_render,
                      description="one self-contained page: heatmap, findings, follow-up")
