"""The console view: management summary, findings, follow-up, the verdict (see console_findings)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from gitc_agent.core.results import Status
from gitc_agent.i18n import Translator, terms
from gitc_agent.model.printable import printable
from gitc_agent.report import console_findings, finding_followup
from gitc_agent.report.console_coverage import coverage_block
from gitc_agent.report.console_findings import say
from gitc_agent.report.finding_model import (
    Finding,
    FindingFollowUp,
    FindingStatus,
    parse_follow_up_rows,
    to_dict,
)
from gitc_agent.report.findings import findings_of, follow_up_rows
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
           run_folder: str | None = None, show_details: bool = False,
           heatmap_of: str = "findings", language: str | None = None) -> None:
    """Management summary first, then one line per finding (`show_details`: with its subjects,
    the coverage per check and the follow-up per result), the follow-up of earlier findings.
    `language`: the report's own unless given."""
    view = ReportView.of(report)
    tr = Translator(language or view.language)
    run, summary, bands = view.run, view.summary, _bands(view)
    say(console, Text.assemble(("gitc-agent", "bold"), f" {_p(view.tool_version)}  ",
                               tr("policy") + " ", (_p(run.policy.id), "bold"),
                               f" {_p(run.policy.version)}  ",
                               tr("as of {date}", date=_p(run.as_of))))
    for target in run.targets:
        say(console, Text("  " + tr("evidence: {kind} from {target} ({status}, {collected_at})",
                                    kind=_p(target.kind), target=_p(target.target),
                                    status=_p(terms.evidence_status(tr, target.status)),
                                    collected_at=_p(target.collected_at))))
    findings = findings_of(view)
    console_findings.summary(view, findings, console, heatmap_of, tr)
    console_findings.findings_block(view, findings, console, show_details, tr)
    if show_details:
        coverage_block(view, console, tr)
    follow = view.follow_up
    rows = follow_up_rows(view)
    if follow and follow.previous:
        console_findings.follow_up(view, rows, console,
                                   tr("Progress of earlier findings (run {run})",
                                      run=follow.previous.run_id), tr)
        if show_details:
            labels = {r.id: r.follow_up for r in view.results if r.follow_up}
            _follow_up_table(view, labels, follow.resolved, console,
                             title=tr("Follow-up per subject (changes)"), only_changes=True,
                             not_reassessed=follow.not_reassessed, tr=tr)
    counts = summary.status
    reported = [f for f in findings if f.is_reported]
    by_band = ", ".join(f"{_p(bands[b].label)} {n}" for b, n in
                        _finding_bands(view, reported).items() if n)
    accepted = sum(f.status is FindingStatus.ACCEPTED for f in reported)
    say(console, Text.assemble(
        (tr("{n} finding(s)", n=len(reported) - accepted), "bold"),
        f" ({by_band})" if by_band else "",
        tr(", {accepted} risk(s) accepted; in {failing} failing, {accepted_results} accepted, "
           "{passed} passed, {errors} not assessed, {not_applicable} not applicable result(s). ",
           accepted=accepted, failing=counts[Status.FAIL],
           accepted_results=counts[Status.ACCEPTED], passed=counts[Status.PASS],
           errors=counts[Status.ERROR], not_applicable=counts[Status.NOT_APPLICABLE]),
        (tr("Run complete."), "green") if summary.complete
        else (tr("Run INCOMPLETE: some checks could not look."), "magenta bold")))
    if follow and follow.previous:
        new = sum(1 for f in findings if f.follow_up and f.follow_up.status is FindingFollowUp.NEW)
        say(console, console_findings.follow_up_counts(rows, new, tr))
    if summary.follow_up:
        fu = summary.follow_up
        say(console, tr("Follow-up per subject: {new} new, {open} open, {resolved} resolved, "
                        "{accepted} accepted.", new=fu[FollowUp.NEW], open=fu[FollowUp.OPEN],
                        resolved=fu[FollowUp.RESOLVED], accepted=fu[FollowUp.ACCEPTED])
                     + (" " + tr("{n} not re-assessed (still open: this run could not look).",
                                 n=fu[FollowUp.NOT_REASSESSED])
                        if fu[FollowUp.NOT_REASSESSED] else ""))
    if run_folder:
        say(console, Text(tr("Report written to {folder}", folder=_p(run_folder))))


def render_finding_follow_up(old: Mapping[str, Any], new: Mapping[str, Any], console: Console,
                             title: str, language: str | None = None) -> None:
    """`diff`: each earlier finding of `old` then and now in `new`, and the count line."""
    view = ReportView.of(new)
    tr = Translator(language or view.language)
    findings = [to_dict(f) for f in findings_of(view)]
    labels, rows = finding_followup.compare(old, findings)
    parsed = parse_follow_up_rows(rows)
    console_findings.follow_up(view, parsed, console, title, tr)
    new_count = sum(1 for v in labels.values() if v and v["status"] == FindingFollowUp.NEW)
    say(console, console_findings.follow_up_counts(parsed, new_count, tr))


def _finding_bands(view: ReportView, reported: list[Finding]) -> dict[str, int]:
    """Open findings per band, highest first."""
    counts = {b.id: 0 for b in reversed(view.scoring.bands)}
    for f in reported:
        if f.status is FindingStatus.FINDING and f.priority in counts:
            counts[f.priority] += 1
    return counts


def heatmap(report: ReportView | Mapping[str, Any], language: str | None = None) -> Table:
    """Likelihood rows (high to low) by impact columns, each cell coloured by its priority."""
    view = ReportView.of(report)
    tr = Translator(language or view.language)
    scoring, bands = view.scoring, _bands(view)
    impacts = sorted(scoring.impact)
    table = Table(title=tr("Heatmap: likelihood (kans) × impact (open findings, +accepted)"),
                  show_lines=True)
    table.add_column(tr("Likelihood ↓ / Impact →"), no_wrap=True)
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
                     not_reassessed: Sequence[Mapping[str, Any]] = (),
                     language: str | None = None) -> None:
    """The auditor's progress table (`diff`); labels, resolved and not re-assessed findings as
    followup.compare gives them."""
    view = ReportView.of(report)
    _follow_up_table(view, {rid: FollowUp(label) for rid, label in labels.items()},
                     parse_resolved(list(resolved)), console, title, only_changes,
                     parse_not_reassessed(list(not_reassessed)),
                     Translator(language or view.language))


def _follow_up_table(report: ReportView, labels: Mapping[str, FollowUp],
                     resolved: Iterable[ResolvedView], console: Console, title: str,
                     only_changes: bool = False,
                     not_reassessed: Sequence[NotReassessedView] = (),
                     tr: Translator | None = None) -> None:
    """`only_changes` leaves out findings that are still open (not re-assessed ones are shown:
    nobody looked at them)."""
    tr = tr or Translator(report.language)
    bands = _bands(report)
    by_id = {r.id: r for r in report.results}
    rows = [(label, by_id[rid]) for rid, label in labels.items() if label in _FOLLOW_ORDER]
    if only_changes:
        rows = [(label, r) for label, r in rows if label is not FollowUp.OPEN]
    rows.sort(key=lambda lr: (_FOLLOW_ORDER[lr[0]], lr[1].check, lr[1].subject))
    resolved = list(resolved)
    fu, st = (lambda v: terms.follow_up(tr, v)), (lambda v: terms.status(tr, v))

    def before(band_id: str | None) -> Text:
        return Text(tr("{priority} (before)", priority=_band_label(bands, band_id)))

    cells = [(Text(fu(label), _FOLLOW_STYLE[label]), Text(_band_label(bands, r.priority)),
              Text(_p(r.check)), Text(_p(r.subject)), Text(st(r.status))) for label, r in rows]
    cells += [(Text(fu(FollowUp.RESOLVED), _FOLLOW_STYLE[FollowUp.RESOLVED]),
               before(old.priority),
               Text(_p(old.check)), Text(_p(old.subject)),
               Text(st(old.now) if old.now else fu(GONE))) for old in resolved]
    cells += [(Text(fu(FollowUp.NOT_REASSESSED), _FOLLOW_STYLE[FollowUp.NOT_REASSESSED]),
               before(old.priority),
               Text(_p(old.check)), Text(_p(old.subject)),
               Text(tr("{now}; last assessed {date}", now=st(old.now) if old.now else fu(GONE),
                       date=_p(old.last_assessed or "?"))))
              for old in not_reassessed]
    if cells and not console.is_terminal:  # a pipe: one whole line per subject, never cut
        say(console, Text(_p(title), style="table.title"))
        for row in cells:
            say(console, Text("  ").join(row))
    elif cells:  # a terminal: columns wrap their text (fold), none is dropped
        table = Table(title=Text(_p(title), style="table.title"), expand=True)
        for col, ratio in ((tr("Follow-up"), 1), (tr("Priority"), 1), (tr("Check"), 2),
                           (tr("Subject"), 3), (tr("Now"), 1)):
            table.add_column(col, overflow="fold", ratio=ratio, min_width=6)
        for row in cells:
            table.add_row(*row)
        console.print(table)
    if only_changes:  # the caller prints the counts in its summary
        return
    counts = dict.fromkeys(_FOLLOW_ORDER, 0)
    for label in labels.values():
        if label in counts:
            counts[label] += 1
    console.print(tr("{new} new, {open} open, {resolved} resolved, {accepted} accepted, "
                     "{not_reassessed} not re-assessed (still open)", new=counts[FollowUp.NEW],
                     open=counts[FollowUp.OPEN], resolved=len(resolved),
                     accepted=counts[FollowUp.ACCEPTED], not_reassessed=len(not_reassessed)))


def _band_label(bands: dict[str, Band], band_id: str | None) -> str:
    return _p(bands[band_id].label if band_id in bands else (band_id or ""))
