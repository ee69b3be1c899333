"""The console's coverage block: per check one line with its population and completeness.

An auditor reads here what was tested before reading what failed: how many subjects on how many
targets, what the collector counted, and which targets were not (completely) assessed.
"""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from gitc_agent.i18n import Translator, terms
from gitc_agent.model.printable import printable
from gitc_agent.report.coverage import Completeness, PlanState
from gitc_agent.report.view import CoverageView, ReportView

_STYLE = {Completeness.COMPLETE: "green", Completeness.PARTIAL: "yellow",
          Completeness.NONE: "magenta"}
_WORST = (Completeness.NONE, Completeness.PARTIAL, Completeness.COMPLETE)
MAX_COUNTS = 4
MAX_NAMED = 3


def coverage_block(view: ReportView, console: Console, tr: Translator | None = None) -> None:
    if not view.coverage:
        return
    tr = tr or Translator(view.language)
    plan = view.run.plan
    console.print(Rule(tr("Coverage: what was tested")))
    if plan is None:
        console.print(Text(tr("plan: unknown (the evidence has no collection plan, so a target "
                              "that was never collected cannot be told from one that does not "
                              "exist)"), style="yellow"))
    by_check: dict[str, list[CoverageView]] = {}
    for record in view.coverage:
        by_check.setdefault(record.check, []).append(record)
    for check, records in by_check.items():
        console.print(_line(check, records, tr), soft_wrap=not console.is_terminal)  # grep-able


def _line(check: str, records: list[CoverageView], tr: Translator) -> Text:
    states = Counter(r.completeness for r in records)
    worst = next(c for c in _WORST if states[c])
    targets = [r for r in records if r.target is not None]
    detail = ""
    if len(states) > 1:
        detail = " (" + ", ".join(f"{states[c]} {terms.completeness(tr, c)}"
                                  for c in reversed(_WORST) if states[c])
        lacking = [printable(r.target or "?") for r in targets if r.completeness is not Completeness.COMPLETE]
        detail += ": " + ", ".join(lacking[:MAX_NAMED]) + (" ..." if len(lacking) > MAX_NAMED
                                                          else "") + ")"
    unplanned = sum(r.plan is PlanState.UNPLANNED for r in targets)
    if unplanned:
        detail += ", " + tr("{n} not in the plan", n=unplanned)
    where = (printable(targets[0].target or "?") if len(targets) == 1
             else tr("{n} targets", n=len(targets)))
    subjects = sum(r.subjects for r in records)
    text = Text.assemble((f"{terms.completeness(tr, worst):<9}", _STYLE[worst]),
                         (printable(check), "cyan"),
                         "  " + tr("{n} subject(s) on {where}", n=subjects, where=where) + detail)
    counts = _population(records)
    if counts:
        text.append(f"; {counts}", style="dim")
    if worst is Completeness.NONE and len(records) == 1 and records[0].reasons:
        text.append(f"; {printable(records[0].reasons[0])}", style="dim")
    return text


def _population(records: list[CoverageView]) -> str:
    """What the collector counted in the check's own evidence, summed over its targets (the
    HTML and JSON report have every count of every source)."""
    primary = next((s.kind for r in records for s in r.sources), None)
    totals: Counter[str] = Counter()
    for record in records:
        totals.update(record.population.get(primary or "", {}))
    return ", ".join(f"{printable(str(k))} {v}" for k, v in list(totals.items())[:MAX_COUNTS])
