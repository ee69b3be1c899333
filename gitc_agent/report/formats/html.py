"""HTML rendering: one self-contained page (inline CSS, no scripts, no external assets).

Everything in a report can come from evidence, which is untrusted text, so the template is
rendered with autoescape on and the only value put into a style attribute (a band colour) is
checked to be a plain colour first.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

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


def _view(report: dict[str, Any]) -> dict[str, Any]:
    """What the template shows, derived from the report only (data flows one way)."""
    scoring, results = report["scoring"], report["results"]
    bands = [{**b, "color": _color(b.get("color"))} for b in scoring["priorities"]]
    by_id = {b["id"]: b for b in bands}
    findings = [r for r in results if r["status"] in ("fail", "accepted")]
    in_cell: dict[str, list[dict[str, Any]]] = {}
    for r in findings:
        if r.get("likelihood") and r.get("impact"):
            in_cell.setdefault(cell_anchor(r["likelihood"], r["impact"]), []).append(r)
    cells = {(c["likelihood"], c["impact"]): c for c in report["summary"]["heatmap"]}
    impacts = sorted(scoring["impact"], key=int)
    rows = []
    for lik in sorted(scoring["likelihood"], key=int, reverse=True):
        row = []
        for imp in impacts:
            cell = cells[(int(lik), int(imp))]
            row.append({**cell, "anchor": cell_anchor(int(lik), int(imp)),
                        "color": by_id.get(cell["priority"], {}).get("color", _FALLBACK),
                        "label": by_id.get(cell["priority"], {}).get("label", cell["priority"])})
        rows.append({"likelihood": lik, "label": scoring["likelihood"][lik], "cells": row})
    groups = [{"band": b, "results": [r for r in findings if r["priority"] == b["id"]]}
              for b in reversed(bands)]
    follow = report.get("follow_up") or {}
    return {
        "report": report, "run": report["run"], "summary": report["summary"], "bands": by_id,
        "band_list": bands, "impacts": [(i, scoring["impact"][i]) for i in impacts],
        "heatmap_rows": rows, "cell_findings": in_cell,
        "groups": [g for g in groups if g["results"]],
        "followed": [r for r in results if r.get("follow_up")],
        "resolved_gone": [r for r in follow.get("resolved", []) if r.get("now") == "gone"],
        "follow_up": follow,
        "accepted": [r for r in results if r["status"] == "accepted"],
        "errors": [r for r in results if r["status"] == "error"],
        "passed": [r for r in results if r["status"] in ("pass", "not_applicable")],
    }


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def render_html(report: dict[str, Any]) -> bytes:
    env = _env()
    env.filters["pretty"] = _pretty
    env.globals["cell_anchor"] = cell_anchor
    return env.get_template("report.html.j2").render(**_view(report)).encode("utf-8")
