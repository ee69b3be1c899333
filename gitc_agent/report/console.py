"""The console view: findings by priority, the heatmap, what was not assessed, the verdict."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

_STATUS_STYLE = {"fail": "bold red", "accepted": "yellow", "error": "magenta", "pass": "green",
                 "not_applicable": "dim"}


def _bands(report: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {b["id"]: b for b in report["scoring"]["priorities"]}


def render(report: dict[str, Any], console: Console, run_folder: str | None = None) -> None:
    run, summary, bands = report["run"], report["summary"], _bands(report)
    console.print(f"[bold]gitc-agent[/] {report['tool']['version']}  policy "
                  f"[bold]{run['policy']['id']}[/] {run['policy']['version']}  as of {run['as_of']}")
    for target in run["targets"]:
        console.print(f"  evidence: {target['kind']} from {target['target']} "
                      f"({target['status']}, {target['collected_at']})")
    findings = [r for r in report["results"] if r["status"] in ("fail", "accepted")]
    if findings:
        console.print(Rule("Findings by priority"))
        for r in findings:
            band = bands[r["priority"]]
            head = Text.assemble(
                (f"{band['label']:<10}", f"bold {band['color']}"), " ",
                (f"{r['likelihood']}x{r['impact']}", "bold"), " ",
                (f"{r['status']:<8}", _STATUS_STYLE[r["status"]]), " ",
                (r["check"], "cyan"))
            console.print(head)
            console.print(Padding(Text(r["subject"], style="dim"), (0, 0, 0, 4)))
            console.print(Padding(Text(r["message"]), (0, 0, 0, 4)))
    else:
        console.print("[green]No findings.[/]")
    console.print(heatmap(report))
    errors = [r for r in report["results"] if r["status"] == "error"]
    if errors:
        console.print(Rule("Not assessed: the run is incomplete", style="magenta"))
        for r in errors:
            console.print(Text.assemble(("error    ", "magenta"), (r["check"], "cyan"), "  ",
                                        (r["subject"], "dim")))
            console.print(Padding(Text(r["message"]), (0, 0, 0, 4)))
    follow = report.get("follow_up") or {}
    if follow.get("previous"):
        labels = {r["id"]: r["follow_up"] for r in report["results"] if r.get("follow_up")}
        render_follow_up(report, labels, follow.get("resolved", []), console,
                         title=f"Follow-up of run {follow['previous'].get('run_id')}",
                         only_changes=True)
    counts = summary["status"]
    by_band = ", ".join(f"{bands[b]['label']} {n}" for b, n in summary["priority"].items() if n)
    console.print(f"[bold]{counts['fail']} finding(s)[/]" + (f" ({by_band})" if by_band else "")
                  + f", {counts['accepted']} accepted, {counts['pass']} passed, "
                  f"{counts['error']} not assessed, {counts['not_applicable']} not applicable. "
                  + ("[green]Run complete.[/]" if summary["complete"]
                     else "[magenta bold]Run INCOMPLETE: some checks could not look.[/]"))
    if summary.get("follow_up"):
        fu = summary["follow_up"]
        console.print(f"Follow-up: {fu['new']} new, {fu['open']} open, {fu['resolved']} resolved, "
                      f"{fu['accepted']} accepted.")
    if run_folder:
        console.print(f"Report written to {run_folder}")


def heatmap(report: dict[str, Any]) -> Table:
    """Likelihood rows (high to low) by impact columns, each cell coloured by its priority."""
    scoring, bands = report["scoring"], _bands(report)
    impacts = sorted(scoring["impact"], key=int)
    table = Table(title="Heatmap: likelihood (kans) × impact (open findings, +accepted)",
                  show_lines=True)
    table.add_column("Likelihood ↓ / Impact →", no_wrap=True)
    for imp in impacts:
        table.add_column(f"{imp} {scoring['impact'][imp]}", justify="center")
    cells = {(c["likelihood"], c["impact"]): c for c in report["summary"]["heatmap"]}
    for lik in sorted(scoring["likelihood"], key=int, reverse=True):
        row = [f"{lik} {scoring['likelihood'][lik]}"]
        for imp in impacts:
            cell = cells[(int(lik), int(imp))]
            label = str(cell["findings"]) if cell["findings"] else "·"
            if cell["accepted"]:
                label += f" +{cell['accepted']}"
            color = bands[cell["priority"]]["color"]
            style = f"bold white on {color}" if cell["findings"] or cell["accepted"] else color
            row.append(Text(label, style=style))
        table.add_row(*row)
    return table


_FOLLOW_STYLE = {"new": "bold red", "open": "red", "resolved": "green", "accepted": "yellow"}


def render_follow_up(report: dict[str, Any], labels: dict[str, str],
                     resolved: list[dict[str, Any]], console: Console, title: str,
                     only_changes: bool = False) -> None:
    """The auditor's progress table; `only_changes` leaves out findings that are still open."""
    bands = _bands(report)
    by_id = {r["id"]: r for r in report["results"]}
    rows = [(label, by_id[rid]) for rid, label in labels.items() if label != "resolved"]
    if only_changes:
        rows = [(label, r) for label, r in rows if label != "open"]
    order = {"new": 0, "open": 1, "accepted": 2}
    rows.sort(key=lambda lr: (order[lr[0]], lr[1]["check"], lr[1]["subject"]))
    table = Table(title=title, expand=True)
    for col, kw in (("Follow-up", {"no_wrap": True}), ("Priority", {"no_wrap": True}),
                    ("Check", {"no_wrap": True}), ("Subject", {"overflow": "fold", "ratio": 2}),
                    ("Now", {"no_wrap": True})):
        table.add_column(col, **kw)
    for label, r in rows:
        table.add_row(Text(label, _FOLLOW_STYLE[label]), _band_label(bands, r.get("priority")),
                      r["check"], r["subject"], r["status"])
    for old in resolved:
        table.add_row(Text("resolved", _FOLLOW_STYLE["resolved"]),
                      _band_label(bands, old.get("priority")) + " (before)", old["check"],
                      old["subject"], "gone" if old["now"] == "gone" else old["now"])
    if table.row_count:
        console.print(table)
    if only_changes:  # the caller prints the counts in its summary
        return
    counts: dict[str, int] = {"new": 0, "open": 0, "accepted": 0}
    for label in labels.values():
        if label in counts:
            counts[label] += 1
    console.print(f"{counts['new']} new, {counts['open']} open, {len(resolved)} resolved, "
                  f"{counts['accepted']} accepted")


def _band_label(bands: dict[str, dict[str, str]], band_id: str | None) -> str:
    return bands[band_id]["label"] if band_id in bands else (band_id or "")
