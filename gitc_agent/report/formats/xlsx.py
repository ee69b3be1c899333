"""The audit workbook (`--format xlsx`): the report as working papers an auditor files.

One sheet per question an auditor asks of the file: the summary, the findings (one row per
control and scope), every deviation, the population tested per finding (every result, passed
ones included: the HTML and PDF limit what they show, the workbook never does), the follow-up of
earlier findings, accepted risks, what was not assessed, the evidence files with their SHA-256,
and each sample drawn with `gitc-agent sample`. Written with XlsxWriter in constant_memory mode
(rows streamed to disk, so 200,000 results do not sit in memory as cells) and with fixed document
properties, so the same report renders to the same bytes and a re-rendered workbook still
matches the run's manifest.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import xlsxwriter

from gitc_agent.core.results import Status
from gitc_agent.i18n import N_, Translator, terms
from gitc_agent.report.finding_population import populations
from gitc_agent.report.findings import Finding, findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions, language_of
from gitc_agent.report.formats.xlsx_sheet import Sheet, When, as_date
from gitc_agent.report.report_hash import report_sha256
from gitc_agent.report.view import ReportView, ResultView

# sheet names and headers are English here and translated when written (N_ marks them)
SHEETS = (N_("Summary"), N_("Findings"), N_("Deviations"), N_("Population"), N_("Follow-up"),
          N_("Accepted risks"), N_("Not assessed"), N_("Evidence"))
FINDING_COLUMNS = (N_("Finding id"), N_("Check"), N_("Title"), N_("Scope"), N_("Status"),
                   N_("Priority"), N_("Likelihood"), N_("Impact"), N_("Population"),
                   N_("Population of"), N_("Completeness"), N_("Deviations"), N_("Accepted"),
                   N_("Not assessed"), N_("Passed"), N_("Not applicable"), N_("Finding"),
                   N_("Follow-up"), N_("Scoring"), N_("Remediation"), N_("References"))
# a deviation's remediation and references are its check's: on the Findings sheet, not repeated
# 200,000 times (the workbook of a large report is written in seconds, not minutes)
RESULT_COLUMNS = (N_("Finding id"), N_("Check"), N_("Scope"), N_("Subject"), N_("Status"),
                  N_("Priority"), N_("Likelihood"), N_("Impact"), N_("Message"),
                  N_("Evidence file"), N_("Result id"))
POPULATION_COLUMNS = (N_("Finding id"), N_("Check"), N_("Subject"), N_("Status"), N_("Result id"))
SAMPLE_COLUMNS = (N_("Order"), N_("Subject"), N_("Status"), N_("Sort key (SHA-256)"),
                  N_("Result id"), N_("Tested by"), N_("Tested on"), N_("Outcome"), N_("Notes"))
FOLLOW_UP_COLUMNS = (N_("Finding id"), N_("Check"), N_("Title"), N_("Scope"), N_("Follow-up"),
                     N_("Status then"), N_("Priority then"), N_("Status now"),
                     N_("Priority now"), N_("Deviations then"), N_("Deviations now"))
ACCEPTED_COLUMNS = (N_("Finding id"), N_("Check"), N_("Scope"), N_("Subject"), N_("Priority"),
                    N_("Owner"), N_("Expires"), N_("State"), N_("Reason"), N_("Result id"))
NOT_ASSESSED_COLUMNS = (N_("Finding id"), N_("Check"), N_("Scope"), N_("Subject"), N_("Why"),
                        N_("Result id"))
EVIDENCE_COLUMNS = (N_("File"), N_("SHA-256"), N_("Kind"), N_("Target"), N_("Collector"),
                    N_("Collected (UTC)"), N_("Status"))


def _bands(view: ReportView) -> dict[str, str]:
    return {b.id: b.label for b in view.scoring.bands}


def _summary(view: ReportView, findings: Sequence[Finding],
             tr: Translator) -> Iterator[tuple[Any, ...]]:
    run, bands = view.run, _bands(view)
    yield tr("Run id"), run.id
    yield tr("Mode"), run.mode
    yield tr("Started (UTC)"), When(run.started_at)
    yield tr("Finished (UTC)"), When(run.finished_at)
    yield tr("As of"), When(run.as_of)
    yield tr("Host"), run.host
    yield tr("Policy"), f"{run.policy.id} {run.policy.version}"
    yield tr("Policy SHA-256"), run.policy.sha256
    yield tr("report.json SHA-256"), report_sha256(view)
    yield tr("Complete"), (tr("yes") if view.summary.complete
                           else tr("no: some targets or checks could not be assessed"))
    yield tr("Controls and scopes tested"), len(findings)
    for label, count in _status_counts(findings):
        yield tr("Controls: {status}", status=terms.finding_status(tr, label)), count
    for band in reversed(view.scoring.bands):
        count = sum(1 for f in findings if f.is_reported and f.priority == band.id)
        yield tr("Findings with priority {priority}", priority=bands[band.id]), count
    for status in Status:
        yield (tr("Results: {status}", status=terms.status(tr, status)),
               view.summary.status.get(status, 0))
    if run.previous_report is not None:
        yield tr("Previous report"), run.previous_report.run_id
        yield tr("Previous report SHA-256"), run.previous_report.sha256


def _status_counts(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.status.value] = counts.get(f.status.value, 0) + 1
    return sorted(counts.items())


def _finding_row(f: Finding, bands: Mapping[str, str], example: ResultView | None,
                 tr: Translator) -> tuple[Any, ...]:
    pop = f.population
    return (f.id, f.check, tr.title(f.title), terms.scope_label(tr, f),
            terms.finding_status(tr, f.status),
            bands.get(f.priority or "", f.priority), f.likelihood, f.impact, pop.count,
            terms.population_noun(tr, pop.what), terms.completeness(tr, pop.completeness),
            len(f.deviations), len(f.accepted), len(f.not_assessed),
            f.passed, f.not_applicable, terms.headline(tr, f),
            terms.follow_up(tr, f.follow_up.status) if f.follow_up else None, f.scoring,
            tr.title(example.remediation) if example else None,
            " | ".join(example.references) if example else None)


def _result_row(f: Finding, r: ResultView, bands: Mapping[str, str],
                tr: Translator, scope: str, statuses: Mapping[Status, str]) -> tuple[Any, ...]:
    return (f.id, f.check, scope, r.subject, statuses[r.status],
            bands.get(r.priority or "", r.priority), r.likelihood, r.impact,
            r.message if tr.is_english else tr.message(r),
            r.evidence_fields.get("evidence_file"), r.id)


def _follow_up(findings: Sequence[Finding], bands: Mapping[str, str],
               tr: Translator) -> Iterator[tuple[Any, ...]]:
    for f in findings:
        fu = f.follow_up
        if fu is None:
            continue
        yield (f.id, f.check, tr.title(f.title), terms.scope_label(tr, f),
               terms.follow_up(tr, fu.status),
               fu.previous_status and terms.finding_status(tr, fu.previous_status),
               bands.get(fu.previous_priority or "", fu.previous_priority),
               terms.finding_status(tr, f.status),
               bands.get(f.priority or "", f.priority), fu.previous_deviations, len(f.deviations))


def _evidence(view: ReportView, tr: Translator) -> Iterator[tuple[Any, ...]]:
    run = view.document.get("run", {})
    files = run.get("evidence") if isinstance(run, Mapping) else None
    files = files if isinstance(files, list) else []
    targets = view.run.targets
    paired = len(targets) == len(files)
    for i, entry in enumerate(files):
        if not isinstance(entry, Mapping):
            continue
        t = targets[i] if paired else None
        yield (entry.get("file"), entry.get("sha256"), t and t.kind, t and t.target,
               t and t.collector, When(t.collected_at) if t else None, t and t.status)
    plan = run.get("plan") if isinstance(run, Mapping) else None
    if isinstance(plan, Mapping):
        yield (plan.get("file"), plan.get("sha256"), tr("collection plan"), None, None,
               When(plan.get("created_at")), None)


def _sample_sheet(book: Any, formats: dict[str, Any], index: int,
                  sample: Mapping[str, Any], tr: Translator) -> None:
    """One drawn sample: how it was drawn first (so the sheet re-performs alone), then the
    subjects with empty columns for the auditor's own testing."""
    name = tr("Sample {n} {check}", n=index, check=str(sample.get("check", "")))[:31]
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    keys = ("check", "scope", "seed", "method", "size", "size_basis", "population_size",
            "population_sha256", "drawn_at", "run_id", "report_sha256")
    preamble = [(key, When(sample.get(key)) if key == "drawn_at" else sample.get(key))
                for key in keys]
    sheet = Sheet(book, formats, name, [tr(h) for h in SAMPLE_COLUMNS], preamble)
    for item in sample.get("items") or ():
        if isinstance(item, Mapping):
            sheet.add((item.get("order"), item.get("subject"), item.get("status"),
                       item.get("key"), item.get("result_id")))
    sheet.finish()


def render_xlsx(report: ReportView | Mapping[str, Any],
                samples: Sequence[Mapping[str, Any]] = (), language: str | None = None) -> bytes:
    view = ReportView.of(report)
    tr = Translator(language or view.language)
    findings = findings_of(view)
    bands = _bands(view)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    created = as_date(view.run.finished_at or view.run.started_at)
    book.set_properties({"title": f"gitc-agent report {view.run.policy.id} {view.run.as_of}",
                         "author": "gitc-agent", "comments": f"run {view.run.id}",
                         **({"created": created} if isinstance(created, datetime) else {})})
    formats = {"header": book.add_format({"bold": True, "bg_color": "#E0E0E0", "border": 1}),
               "text": None,  # the default style: one attribute less per cell (speed)
               "date": book.add_format({"num_format": "yyyy-mm-dd", "align": "left"}),
               "stamp": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "align": "left"})}

    def sheet(name: str, headers: Sequence[str], rows: Any) -> None:
        s = Sheet(book, formats, tr(name), [tr(h) for h in headers])
        s.extend(rows)
        s.finish()

    sheet(SHEETS[0], (N_("Item"), N_("Value")), _summary(view, findings, tr))
    pops = populations(view)
    scopes = {f.id: terms.scope_label(tr, f) for f in findings}
    sheet(SHEETS[1], FINDING_COLUMNS,
          (_finding_row(f, bands, next(iter(pops.get(f.id, ())), None), tr) for f in findings))
    statuses = {s: terms.status(tr, s) for s in Status}  # 400,000 cells, five words
    sheet(SHEETS[2], RESULT_COLUMNS,
          (_result_row(f, r, bands, tr, scopes[f.id], statuses)
           for f in findings for r in f.deviations))
    sheet(SHEETS[3], POPULATION_COLUMNS,
          ((f.id, f.check, r.subject, statuses[r.status], r.id)
           for f in findings for r in pops.get(f.id, ())))
    sheet(SHEETS[4], FOLLOW_UP_COLUMNS, _follow_up(findings, bands, tr))
    sheet(SHEETS[5], ACCEPTED_COLUMNS,
          ((f.id, f.check, scopes[f.id], r.subject, bands.get(r.priority or "", r.priority),
            r.exception and r.exception.owner, When(r.exception and r.exception.expires),
            r.exception and r.exception.state and terms.exception_state(tr, r.exception.state),
            r.exception and r.exception.reason, r.id)
           for f in findings for r in f.accepted))
    sheet(SHEETS[6], NOT_ASSESSED_COLUMNS,
          ((f.id, f.check, scopes[f.id], r.subject, tr.message(r), r.id)
           for f in findings for r in f.not_assessed))
    sheet(SHEETS[7], EVIDENCE_COLUMNS, _evidence(view, tr))
    for index, sample in enumerate(samples, start=1):
        _sample_sheet(book, formats, index, sample, tr)
    book.close()
    return buffer.getvalue()


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_xlsx(report, options.samples, language_of(report, options))


FORMAT = OutputFormat(name="xlsx", file_name="report.xlsx", render=_render,
                      description="the audit workbook: summary, findings, deviations, population "
                                  "per finding, follow-up, accepted risks, not assessed, "
                                  "evidence files, samples")
