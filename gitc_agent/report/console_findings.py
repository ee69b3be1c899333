"""The console's findings: the management summary, one line per finding, the heatmap, follow-up.

Two ways of printing, because a terminal and a pipe need different things. On a terminal, tables
wrap their text (`overflow="fold"`) rather than drop or cut a column, so at 80 columns the
follow-up keeps its subject column and the heatmap its labels. Into a pipe or a file, every item
is one plain line that is never wrapped or cut (`soft_wrap`), so `grep` finds a whole id or
subject on the line that names it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from gitc_agent.i18n import Translator, terms
from gitc_agent.model.printable import printable
from gitc_agent.report.finding_model import Finding, FindingFollowUp, FindingStatus, FollowUpRow
from gitc_agent.report.finding_report import heatmap as finding_heatmap
from gitc_agent.report.view import Band, Cell, ReportView

TOP_FINDINGS = 5
MAX_LISTED = 10  # accepted risks and not-assessed items in the summary; the rest are counted
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
_FOLLOW_STYLE = {FindingFollowUp.NEW: "bold red", FindingFollowUp.NOT_RESOLVED: "red",
                 FindingFollowUp.PARTLY_RESOLVED: "yellow", FindingFollowUp.RESOLVED: "green",
                 FindingFollowUp.RISK_ACCEPTED: "yellow", FindingFollowUp.NOT_REASSESSED: "magenta"}
_STATUS_STYLE = {FindingStatus.FINDING: "bold red", FindingStatus.ACCEPTED: "yellow",
                 FindingStatus.NOT_ASSESSED: "magenta", FindingStatus.NO_FINDING: "green"}


def _p(value: object) -> str:
    return printable(str(value))


def _color(value: str | None) -> str:
    return value if value and _COLOR.match(value) else ""


def say(console: Console, text: Text | str) -> None:
    """One line; in a pipe never wrapped or cut, on a terminal wrapped at word boundaries."""
    text = text if isinstance(text, Text) else Text(text)
    console.print(text, soft_wrap=not console.is_terminal)


def heading(console: Console, title: str) -> None:
    """A section title: a rule on a terminal, a whole plain line in a pipe (a rule cuts it)."""
    if console.is_terminal:
        console.print(Rule(title))
    else:
        say(console, Text(f"== {title} ==", style="bold"))


def label(view: ReportView, band_id: str | None) -> str:
    band = next((b for b in view.scoring.bands if b.id == band_id), None)
    return _p(band.label if band else band_id or "-")


def _band(view: ReportView, band_id: str | None) -> Band | None:
    return next((b for b in view.scoring.bands if b.id == band_id), None)


def ranked(view: ReportView, findings: Iterable[Finding]) -> list[Finding]:
    """Reported findings, highest priority first (then score), in the report's order."""
    rank = {b.id: i for i, b in enumerate(view.scoring.bands)}
    return sorted((f for f in findings if f.is_reported),
                  key=lambda f: (-rank.get(f.priority or "", -1), -(f.likelihood or 0),
                                 -(f.impact or 0)))


def finding_line(view: ReportView, f: Finding, tr: Translator | None = None) -> Text:
    tr = tr or Translator(view.language)
    band = _band(view, f.priority)
    status = terms.finding_status(tr, f.status)
    return Text.assemble(
        (f"{label(view, f.priority):<10}", f"bold {_color(band.color if band else None)}"), " ",
        (f"{f.likelihood}x{f.impact}", "bold"), " ", (f"{status:<8}", _STATUS_STYLE[f.status]),
        " ", (_p(f.check), "cyan"), "  ", (_p(terms.scope_label(tr, f)), "dim"), ": ",
        _p(terms.headline(tr, f)),
        (f" [{_p(terms.follow_up(tr, f.follow_up.status))}]", _FOLLOW_STYLE[f.follow_up.status])
        if f.follow_up else "")


def details(console: Console, f: Finding, tr: Translator) -> None:
    """The subjects under one finding: deviations, accepted ones, ones not assessed."""
    for r in (*f.deviations, *f.accepted, *f.not_assessed):
        tag = terms.status(tr, r.status)
        say(console, Text.assemble("    ", (tag.ljust(max(9, len(tag) + 1)), "bold"),
                                   (_p(r.subject), "dim")))
        say(console, Text("        " + _p(tr.message(r))))


def summary(view: ReportView, findings: Sequence[Finding], console: Console,
            heatmap_of: str = "findings", tr: Translator | None = None) -> None:
    """The management summary: counts, heatmap, top findings, accepted risks, not assessed,
    coverage: what a reader of the audit file reads first."""
    tr = tr or Translator(view.language)
    heading(console, tr("Management summary"))
    top = ranked(view, findings)
    open_ = [f for f in top if f.status is FindingStatus.FINDING]
    accepted = [f for f in top if f.status is FindingStatus.ACCEPTED]
    by_band = {b.id: 0 for b in view.scoring.bands}
    for f in open_:
        by_band[f.priority or ""] = by_band.get(f.priority or "", 0) + 1
    counts = ", ".join(f"{label(view, b)} {n}" for b, n in reversed(by_band.items()) if n)
    unassessed = [f for f in findings if f.not_assessed]
    say(console, Text.assemble(
        (tr("{n} finding(s)", n=len(open_)), "bold"), f" ({counts})" if counts else "",
        tr(", {accepted} risk(s) accepted, {clean} control(s) without finding, {unassessed} not "
           "(completely) assessed. ", accepted=len(accepted), clean=len(findings) - len(top),
           unassessed=len(unassessed)),
        (tr("Run complete."), "green") if view.summary.complete
        else (tr("Run INCOMPLETE: some checks could not look."), "magenta bold")))
    heatmap(view, findings, console, heatmap_of, tr)
    if top:
        say(console, Text(tr("Top findings:"), style="bold"))
        for f in top[:TOP_FINDINGS]:
            say(console, Text.assemble("  ", finding_line(view, f, tr)))
    risks = [r for f in findings for r in f.accepted]
    if risks:
        say(console, Text(tr("Accepted risks:"), style="bold"))
        for r in risks[:MAX_LISTED]:
            exc = r.exception
            say(console, Text.assemble(
                "  ", (_p(r.check), "cyan"), "  ", (_p(r.subject), "dim"),
                "  " + tr("owner {owner}, until {expires}", owner=_p(exc.owner if exc else "?"),
                          expires=_p(exc.expires if exc else "?"))))
        if len(risks) > MAX_LISTED:
            say(console, "  " + tr("... and {n} more", n=len(risks) - MAX_LISTED))
    if unassessed:
        say(console, Text(tr("Not assessed:"), style="bold magenta"))
        items = [(f, r) for f in unassessed for r in f.not_assessed]
        for f, r in items[:MAX_LISTED]:
            say(console, Text.assemble("  ", (_p(f.check), "cyan"), "  ", (_p(r.subject), "dim"),
                                       ": ", _p(tr.message(r))))
        if len(items) > MAX_LISTED:
            say(console, "  " + tr("... and {n} more", n=len(items) - MAX_LISTED))
    states: dict[str, int] = {}
    for f in findings:
        states[f.population.completeness.value] = states.get(f.population.completeness.value, 0) + 1
    say(console, tr("Coverage: ") + ", ".join(
        tr("{n} control(s) {state}", n=n, state=terms.completeness(tr, state))
        for state, n in states.items())
        + tr("; {n} subjects tested.", n=sum(f.population.count for f in findings)))
    if view.coverage and view.run.plan is None:  # the reader must know completeness is unknown
        say(console, Text(tr("Coverage plan: unknown (the evidence has no collection plan, so a "
                             "target that was never collected cannot be told from one that "
                             "does not exist)"), style="yellow"))


def findings_block(view: ReportView, findings: Sequence[Finding], console: Console,
                   show_details: bool = False, tr: Translator | None = None) -> None:
    tr = tr or Translator(view.language)
    top = ranked(view, findings)
    if not top:
        say(console, Text(tr("No findings."), style="green"))
        return
    heading(console, tr("Findings by priority ({n})", n=len(top)))
    for f in top:
        say(console, finding_line(view, f, tr))
        if show_details:
            details(console, f, tr)
    if not show_details:
        say(console, Text(tr("(--details lists the subjects of each finding)"), style="dim"))


def heatmap(view: ReportView, findings: Sequence[Finding], console: Console,
            of: str = "findings", tr: Translator | None = None) -> None:
    """The matrix with findings (or, `of="subjects"`, deviating results) in each cell."""
    tr = tr or Translator(view.language)
    scoring = view.scoring
    typed = view.summary.heatmap if of == "subjects" else [
        Cell(**c) for c in finding_heatmap(findings, scoring, view)]
    cells = {(c.likelihood, c.impact): (c.findings, c.accepted, c.priority) for c in typed}
    impacts = sorted(scoring.impact)
    title = (tr("Heatmap of subjects: likelihood (kans) × impact (open, +accepted)")
             if of == "subjects" else
             tr("Heatmap of findings: likelihood (kans) × impact (open, +accepted)"))
    if not console.is_terminal:
        say(console, title)
        for lik in sorted(scoring.likelihood, reverse=True):
            marks = [_mark(*cells[(lik, imp)][:2]) for imp in impacts]
            say(console, "  " + tr("likelihood {level} {label}:", level=lik,
                                   label=_p(scoring.likelihood[lik])) + " "
                + "  ".join(tr("impact {level}: {mark}", level=imp, mark=m)
                            for imp, m in zip(impacts, marks, strict=True)))
        return
    table = Table(title=title, show_lines=True)
    table.add_column(tr("Likelihood ↓ / Impact →"), no_wrap=True)
    for imp in impacts:
        table.add_column(str(imp), justify="center", min_width=5)
    bands = {b.id: b for b in scoring.bands}
    for lik in sorted(scoring.likelihood, reverse=True):
        row: list[Text] = [Text(f"{lik} {_p(scoring.likelihood[lik])}")]
        for imp in impacts:
            count, accepted, band_id = cells[(lik, imp)]
            color = _color(bands[band_id].color if band_id in bands else None)
            style = f"bold white on {color}" if (count or accepted) and color else color
            row.append(Text(_mark(count, accepted), style=style or ""))
        table.add_row(*row)
    console.print(table)
    say(console, Text(tr("Impact: ") + ", ".join(f"{i} {_p(scoring.impact[i])}" for i in impacts),
                      style="dim"))


def _mark(count: int, accepted: int) -> str:
    text = str(count) if count else "·"
    return text + (f" +{accepted}" if accepted else "")


def follow_up(view: ReportView, rows: Sequence[FollowUpRow], console: Console, title: str,
              tr: Translator | None = None) -> None:
    """The auditor's "progress of earlier findings": then and now per earlier finding."""
    if not rows:
        return
    tr = tr or Translator(view.language)
    heading(console, _p(title))
    if not console.is_terminal:
        for row in rows:
            say(console, Text.assemble(
                (f"{terms.follow_up(tr, row.status):<16}", _FOLLOW_STYLE[row.status]),
                (_p(row.check), "cyan"), "  ", _p(row.scope_label), "  ",
                tr("priority {then} -> {now}, deviations {deviations_then} -> {deviations_now}",
                   then=label(view, row.priority_then),
                   now=label(view, row.priority_now) if row.priority_now else "-",
                   deviations_then=_n(row.deviations_then),
                   deviations_now=_n(row.deviations_now))))
        return
    table = Table(expand=True, caption=tr("Priority and deviations: then → now"))
    table.add_column(tr("Status"), no_wrap=True, min_width=15)  # partly_resolved, whole
    for col, ratio in ((tr("Check"), 4), (tr("Scope"), 3)):
        table.add_column(col, overflow="fold", ratio=ratio)
    table.add_column(tr("Priority"), overflow="fold", ratio=2)
    table.add_column(tr("Deviations"), no_wrap=True)  # "13 → 12": short, a header kept whole
    for row in rows:
        table.add_row(Text(terms.follow_up(tr, row.status), _FOLLOW_STYLE[row.status]),
                      Text(_p(row.check)), Text(_p(row.scope_label)),
                      Text(f"{label(view, row.priority_then)} → "
                           f"{label(view, row.priority_now) if row.priority_now else '-'}"),
                      Text(f"{_n(row.deviations_then)} → {_n(row.deviations_now)}"))
    console.print(table)


def follow_up_counts(rows: Sequence[FollowUpRow], new: int, tr: Translator | None = None) -> str:
    tr = tr or Translator()
    counts = {s: 0 for s in FindingFollowUp}
    for row in rows:
        counts[row.status] += 1
    return tr("Progress of earlier findings: {resolved} resolved, {partly} partly resolved, "
              "{not_resolved} not resolved, {accepted} risk accepted, {not_reassessed} not "
              "re-assessed; {new} new.", resolved=counts[FindingFollowUp.RESOLVED],
              partly=counts[FindingFollowUp.PARTLY_RESOLVED],
              not_resolved=counts[FindingFollowUp.NOT_RESOLVED],
              accepted=counts[FindingFollowUp.RISK_ACCEPTED],
              not_reassessed=counts[FindingFollowUp.NOT_REASSESSED], new=new)


def _n(value: int | None) -> str:
    return "-" if value is None else str(value)
