"""The trend over the report chain: open findings per priority per run, as an inline SVG chart.

Each report links to the previous one by its SHA-256 (followup.apply), and each carries the trend
up to itself in `trend[]`; a run adds its own point to its predecessor's list, so the chain is
read once per run and a renderer needs nothing but the report. The chart is SVG built from
numbers and checked colours only (no text from evidence, no scripts), escaped by Markup rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from gitc_agent.errors import InputError
from gitc_agent.report.finding_model import FindingStatus
from gitc_agent.report.findings import findings_of
from gitc_agent.report.view import ReportView

MAX_RUNS = 24  # two years of monthly runs
_W, _H, _PAD, _LEGEND = 640, 220, 36, 120


def point(report: Mapping[str, Any]) -> dict[str, Any]:
    """This report's point: open findings per band, and how many were reported in all."""
    summary = (report.get("summary") or {}).get("findings")
    if summary is None:  # a report that predates findings (or a fragment: then no counts)
        try:
            found = findings_of(report)
        except InputError:
            found = ()
        priority: dict[str, int] = {}
        for f in found:
            if f.status is FindingStatus.FINDING and f.priority:
                priority[f.priority] = priority.get(f.priority, 0) + 1
        reported = sum(f.is_reported for f in found)
    else:
        priority, reported = dict(summary["priority"]), summary["reported"]
    run = report.get("run") or {}
    return {"run_id": run.get("id"), "started_at": run.get("started_at"),
            "priority": priority, "findings": reported}


def add(report: dict[str, Any], previous: Mapping[str, Any] | None) -> None:
    """report["trend"]: the previous report's trend (or its own point) and this run's point."""
    chain: list[Any] = []
    if previous is not None:
        earlier = previous.get("trend")
        chain = list(earlier) if isinstance(earlier, list) else [point(previous)]
    report["trend"] = [*chain, point(report)][-MAX_RUNS:]


def trend_svg(report: ReportView) -> Markup | None:
    """A stacked bar per run (highest band on top); None with fewer than two runs."""
    runs = [p for p in report.document.get("trend") or [] if isinstance(p, Mapping)]
    if len(runs) < 2:
        return None
    bands = [b for b in report.scoring.bands]
    colors = {b.id: _color(b.color) for b in bands}
    totals = [sum(_int(v) for v in (p.get("priority") or {}).values()) for p in runs]
    top = max(max(totals), 1)
    step = (_W - _PAD - _LEGEND) / len(runs)
    bar = max(step * 0.6, 2)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" width="{_W}" height="{_H}" '
             f'viewBox="0 0 {_W} {_H}" role="img" aria-label="open findings per priority per run">',
             f'<line x1="{_PAD}" y1="{_H - _PAD}" x2="{_W - _LEGEND}" y2="{_H - _PAD}" '
             'stroke="#666"/>',
             f'<text x="4" y="{_PAD - 8}">{top}</text><text x="4" y="{_H - _PAD}">0</text>']
    plot = _H - 2 * _PAD
    for i, p in enumerate(runs):
        x = _PAD + i * step + (step - bar) / 2
        y = _H - _PAD
        counts = p.get("priority") or {}
        for band in bands:
            n = _int(counts.get(band.id))
            if not n:
                continue
            h = plot * n / top
            y -= h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                         f'fill="{colors[band.id]}"><title>{escape(band.label)}: {n}</title></rect>')
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{y - 3:.1f}" text-anchor="middle">'
                     f'{totals[i]}</text>')
        day = str(p.get("started_at") or "")[:10]
        parts.append(f'<text x="{x + bar / 2:.1f}" y="{_H - _PAD + 14}" text-anchor="middle">'
                     f'{escape(day)}</text>')
    for j, band in enumerate(reversed(bands)):
        ly = _PAD + j * 18
        parts.append(f'<rect x="{_W - _LEGEND + 12}" y="{ly}" width="12" height="12" '
                     f'fill="{colors[band.id]}"/><text x="{_W - _LEGEND + 30}" y="{ly + 11}">'
                     f'{escape(band.label)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _color(value: str | None) -> str:
    text = value or ""
    ok = len(text) in (4, 7) and text.startswith("#") and all(
        c in "0123456789abcdefABCDEF" for c in text[1:])
    return text if ok else "#757575"
