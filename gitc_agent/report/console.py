"""The console view: findings by priority, the heatmap, what was not assessed, the verdict."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from gitc_agent.core.results import Status
from gitc_agent.model.printable import printable
from gitc_agent.report.console_coverage import coverage_block
from gitc_agent.report.view import (
    GONE,
    Band,
    FollowUp,
    NotReassessedView,
    ReportView,
    ResolvedView,
    parse_not_reassessed,
    parse_resolved,
)

_STATUS_STYLE = {Status.FAIL: "bold red", Status.ACCEPTED: "yellow", Status.ERROR: "magenta",
                 Status.PASS: "green", Status.NOT_APPLICABLE: "dim"}


def _bands(report: ReportView) -> dict[str, Band]:
    return {b.id: b for b in report.scoring.bands}


def _p(value: object) -> str:
    """Report text for the terminal: control characters escaped (see model.printable). Every
    value from the report goes into a Text, never into a markup string, so `[/bold]` in a DN or
    a label is shown, not interpreted."""
    return printable(str(value))


_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _color(value: str | None) -> str:
    """A band colour as a style only when it is one (a hand-edited report may hold anything)."""
    return value if value and _COLOR.match(value) else ""


def render(report: ReportView | Mapping[str, Any], console: Console,
           run_folder: str | None = None) -> None:
    view = ReportView.of(report)
    run, summary, bands = view.run, view.summary, _bands(view)
    console.print(Text.assemble(("gitc-agent", "bold"), f" {_p(view.tool_version)}  policy ",
                                (_p(run.policy.id), "bold"),
                                f" {_p(run.policy.version)}  as of {_p(run.as_of)}"))
    for target in run.targets:
        console.print(Text(f"  evidence: {_p(target.kind)} from {_p(target.target)} "
                           f"({_p(target.status)}, {_p(target.collected_at)})"))
    findings = view.findings
    if findings:
        console.print(Rule("Findings by priority"))
        for r in findings:
            band = bands[r.priority or ""]
            head = Text.assemble(
                (f"{_p(band.label):<10}", f"bold {_color(band.color)}"), " ",
                (f"{r.likelihood}x{r.impact}", "bold"), " ",
                (f"{r.status:<8}", _STATUS_STYLE[r.status]), " ",
                (_p(r.check), "cyan"))
            console.print(head)
            console.print(Padding(Text(_p(r.subject), style="dim"), (0, 0, 0, 4)))
            console.print(Padding(Text(_p(r.message)), (0, 0, 0, 4)))
    else:
        console.print("[green]No findings.[/]")
    console.print(heatmap(view))
    errors = view.with_status(Status.ERROR)
    if errors:
        console.print(Rule("Not assessed: the run is incomplete", style="magenta"))
        for r in errors:
            console.print(Text.assemble((f"{Status.ERROR:<9}", _STATUS_STYLE[Status.ERROR]),
                                        (_p(r.check), "cyan"), "  ", (_p(r.subject), "dim")))
            console.print(Padding(Text(_p(r.message)), (0, 0, 0, 4)))
    coverage_block(view, console)
    follow = view.follow_up
    if follow and follow.previous:
        labels = {r.id: r.follow_up for r in view.results if r.follow_up}
        _follow_up_table(view, labels, follow.resolved, console,
                         title=f"Follow-up of run {follow.previous.run_id}", only_changes=True,
                         not_reassessed=follow.not_reassessed)
    counts = summary.status
    by_band = ", ".join(f"{_p(bands[b].label)} {n}" for b, n in summary.priority.items() if n)
    console.print(Text.assemble(
        (f"{counts[Status.FAIL]} finding(s)", "bold"), f" ({by_band})" if by_band else "",
        f", {counts[Status.ACCEPTED]} accepted, {counts[Status.PASS]} passed, "
        f"{counts[Status.ERROR]} not assessed, {counts[Status.NOT_APPLICABLE]} not applicable. ",
        ("Run complete.", "green") if summary.complete
        else ("Run INCOMPLETE: some checks could not look.", "magenta bold")))
    if summary.follow_up:
        fu = summary.follow_up
        console.print(f"Follow-up: {fu[FollowUp.NEW]} new, {fu[FollowUp.OPEN]} open, "
                      f"{fu[FollowUp.RESOLVED]} resolved, {fu[FollowUp.ACCEPTED]} accepted."
                      + (f" {fu[FollowUp.NOT_REASSESSED]} not re-assessed (still open: this "
                         "run could not look)." if fu[FollowUp.NOT_REASSESSED] else ""))
    if run_folder:
        console.print(Text(f"Report written to {_p(run_folder)}"))


def heatmap(report: ReportView | Mapping[str, Any]) -> Table:
    """Likelihood rows (high to low) by impact columns, each cell coloured by its priority."""
    view = ReportView.of(report)
    scoring, bands = view.scoring, _bands(view)
    impacts = sorted(scoring.impact)
    table = Table(title="Heatmap: likelihood (kans) × impact (open findings, +accepted)",
                  show_lines=True)
    table.add_column("Likelihood ↓ / Impact →", no_wrap=True)
    for imp in impacts:
        table.add_column(Text(f"{imp} {_p(scoring.impact[imp])}"), justify="center")
    cells = {(c.likelihood, c.impact): c for c in view.summary.heatmap}
    for lik in sorted(scoring.likelihood, reverse=True):
        row: list[str | Text] = [Text(f"{lik} {_p(scoring.likelihood[lik])}")]
        for imp in impacts:
            cell = cells[(lik, imp)]
            label = str(cell.findings) if cell.findings else "·"
            if cell.accepted:
                label += f" +{cell.accepted}"
            color = _color(bands[cell.priority].color)
            style = f"bold white on {color}" if cell.findings or cell.accepted else color
            row.append(Text(label, style=style or ""))
        table.add_row(*row)
    return table


_FOLLOW_STYLE = {FollowUp.NEW: "bold red", FollowUp.OPEN: "red", FollowUp.RESOLVED: "green",
                 FollowUp.ACCEPTED: "yellow", FollowUp.NOT_REASSESSED: "magenta"}
_FOLLOW_ORDER = {FollowUp.NEW: 0, FollowUp.OPEN: 1, FollowUp.ACCEPTED: 2}


def render_follow_up(report: ReportView | Mapping[str, Any], labels: Mapping[str, str],
                     resolved: Sequence[Mapping[str, Any]], console: Console, title: str,
                     only_changes: bool = False,
                     not_reassessed: Sequence[Mapping[str, Any]] = ()) -> None:
    """The auditor's progress table (`diff`); labels, resolved and not re-assessed findings as
    followup.compare gives them."""
    _follow_up_table(ReportView.of(report), {rid: FollowUp(label) for rid, label in labels.items()},
                     parse_resolved(list(resolved)), console, title, only_changes,
                     parse_not_reassessed(list(not_reassessed)))


def _follow_up_table(report: ReportView, labels: Mapping[str, FollowUp],
                     resolved: Iterable[ResolvedView], console: Console, title: str,
                     only_changes: bool = False,
                     not_reassessed: Sequence[NotReassessedView] = ()) -> None:
    """`only_changes` leaves out findings that are still open (not re-assessed ones are shown:
    nobody looked at them)."""
    bands = _bands(report)
    by_id = {r.id: r for r in report.results}
    rows = [(label, by_id[rid]) for rid, label in labels.items() if label in _FOLLOW_ORDER]
    if only_changes:
        rows = [(label, r) for label, r in rows if label is not FollowUp.OPEN]
    rows.sort(key=lambda lr: (_FOLLOW_ORDER[lr[0]], lr[1].check, lr[1].subject))
    table = Table(title=Text(_p(title), style="table.title"), expand=True)
    for col, kw in (("Follow-up", {"no_wrap": True}), ("Priority", {"no_wrap": True}),
                    ("Check", {"no_wrap": True}), ("Subject", {"overflow": "fold", "ratio": 2}),
                    ("Now", {"no_wrap": True})):
        table.add_column(col, **kw)
    for label, r in rows:
        table.add_row(Text(label, _FOLLOW_STYLE[label]), Text(_band_label(bands, r.priority)),
                      Text(_p(r.check)), Text(_p(r.subject)), Text(r.status))
    resolved = list(resolved)
    for old in resolved:
        table.add_row(Text(FollowUp.RESOLVED, _FOLLOW_STYLE[FollowUp.RESOLVED]),
                      Text(_band_label(bands, old.priority) + " (before)"), Text(_p(old.check)),
                      Text(_p(old.subject)), Text(old.now or GONE))
    for old in not_reassessed:
        table.add_row(Text(FollowUp.NOT_REASSESSED, _FOLLOW_STYLE[FollowUp.NOT_REASSESSED]),
                      Text(_band_label(bands, old.priority) + " (before)"), Text(_p(old.check)),
                      Text(_p(old.subject)),
                      Text(f"{old.now or GONE}; last assessed {_p(old.last_assessed or '?')}"))
    if table.row_count:
        console.print(table)
    if only_changes:  # the caller prints the counts in its summary
        return
    counts = dict.fromkeys(_FOLLOW_ORDER, 0)
    for label in labels.values():
        if label in counts:
            counts[label] += 1
    console.print(f"{counts[FollowUp.NEW]} new, {counts[FollowUp.OPEN]} open, {len(resolved)} "
                  f"resolved, {counts[FollowUp.ACCEPTED]} accepted, {len(not_reassessed)} not "
                  "re-assessed (still open)")


def _band_label(bands: dict[str, Band], band_id: str | None) -> str:
    return _p(bands[band_id].label if band_id in bands else (band_id or ""))
