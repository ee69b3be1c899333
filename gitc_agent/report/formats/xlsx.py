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
from gitc_agent.report.finding_population import populations
from gitc_agent.report.findings import Finding, findings_of
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.formats.xlsx_sheet import Sheet, When, as_date
from gitc_agent.report.report_hash import report_sha256
from gitc_agent.report.view import ReportView, ResultView

SHEETS = ("Summary", "Findings", "Deviations", "Population", "Follow-up", "Accepted risks",
          "Not assessed", "Evidence")
FINDING_COLUMNS = ("Finding id", "Check", "Title", "Scope", "Status", "Priority", "Likelihood",
                   "Impact", "Population", "Population of", "Completeness", "Deviations",
                   "Accepted", "Not assessed", "Passed", "Not applicable", "Finding",
                   "Follow-up", "Scoring", "Remediation", "References")
# a deviation's remediation and references are its check's: on the Findings sheet, not repeated
# 200,000 times (the workbook of a large report is written in seconds, not minutes)
RESULT_COLUMNS = ("Finding id", "Check", "Scope", "Subject", "Status", "Priority", "Likelihood",
                  "Impact", "Message", "Evidence file", "Result id")
POPULATION_COLUMNS = ("Finding id", "Check", "Subject", "Status", "Result id")
SAMPLE_COLUMNS = ("Order", "Subject", "Status", "Sort key (SHA-256)", "Result id", "Tested by",
                  "Tested on", "Outcome", "Notes")


def _bands(view: ReportView) -> dict[str, str]:
    return {b.id: b.label for b in view.scoring.bands}


def _summary(view: ReportView, findings: Sequence[Finding]) -> Iterator[tuple[Any, ...]]:
    run, bands = view.run, _bands(view)
    yield "Run id", run.id
    yield "Mode", run.mode
    yield "Started (UTC)", When(run.started_at)
    yield "Finished (UTC)", When(run.finished_at)
    yield "As of", When(run.as_of)
    yield "Host", run.host
    yield "Policy", f"{run.policy.id} {run.policy.version}"
    yield "Policy SHA-256", run.policy.sha256
    yield "report.json SHA-256", report_sha256(view)
    yield "Complete", "yes" if view.summary.complete else "no: some targets or checks could not be assessed"
    yield "Controls and scopes tested", len(findings)
    for label, count in _status_counts(findings):
        yield f"Controls: {label}", count
    for band in reversed(view.scoring.bands):
        count = sum(1 for f in findings if f.is_reported and f.priority == band.id)
        yield f"Findings with priority {bands[band.id]}", count
    for status in Status:
        yield f"Results: {status.value}", view.summary.status.get(status, 0)
    if run.previous_report is not None:
        yield "Previous report", run.previous_report.run_id
        yield "Previous report SHA-256", run.previous_report.sha256


def _status_counts(findings: Sequence[Finding]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for f in findings:
        counts[f.status.value] = counts.get(f.status.value, 0) + 1
    return sorted(counts.items())


def _finding_row(f: Finding, bands: Mapping[str, str],
                 example: ResultView | None) -> tuple[Any, ...]:
    pop = f.population
    return (f.id, f.check, f.title, f.scope_label, f.status.value,
            bands.get(f.priority or "", f.priority), f.likelihood, f.impact, pop.count, pop.what,
            pop.completeness.value, len(f.deviations), len(f.accepted), len(f.not_assessed),
            f.passed, f.not_applicable, f.headline(),
            f.follow_up.status.value if f.follow_up else None, f.scoring,
            example.remediation if example else None,
            " | ".join(example.references) if example else None)


def _result_row(f: Finding, r: ResultView, bands: Mapping[str, str]) -> tuple[Any, ...]:
    evidence = r.evidence if isinstance(r.evidence, Mapping) else {}
    return (f.id, f.check, f.scope_label, r.subject, r.status.value,
            bands.get(r.priority or "", r.priority), r.likelihood, r.impact, r.message,
            evidence.get("evidence_file"), r.id)


def _follow_up(findings: Sequence[Finding], bands: Mapping[str, str]) -> Iterator[tuple[Any, ...]]:
    for f in findings:
        fu = f.follow_up
        if fu is None:
            continue
        yield (f.id, f.check, f.title, f.scope_label, fu.status.value,
               fu.previous_status and fu.previous_status.value,
               bands.get(fu.previous_priority or "", fu.previous_priority), f.status.value,
               bands.get(f.priority or "", f.priority), fu.previous_deviations, len(f.deviations))


def _evidence(view: ReportView) -> Iterator[tuple[Any, ...]]:
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
        yield (plan.get("file"), plan.get("sha256"), "collection plan", None, None,
               When(plan.get("created_at")), None)


def _sample_sheet(book: Any, formats: dict[str, Any], index: int,
                  sample: Mapping[str, Any]) -> None:
    """One drawn sample: how it was drawn first (so the sheet re-performs alone), then the
    subjects with empty columns for the auditor's own testing."""
    name = f"Sample {index} {sample.get('check', '')!s}"[:31]
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    keys = ("check", "scope", "seed", "method", "size", "size_basis", "population_size",
            "population_sha256", "drawn_at", "run_id", "report_sha256")
    preamble = [(key, When(sample.get(key)) if key == "drawn_at" else sample.get(key))
                for key in keys]
    sheet = Sheet(book, formats, name, SAMPLE_COLUMNS, preamble)
    for item in sample.get("items") or ():
        if isinstance(item, Mapping):
            sheet.add((item.get("order"), item.get("subject"), item.get("status"),
                       item.get("key"), item.get("result_id")))
    sheet.finish()


def render_xlsx(report: ReportView | Mapping[str, Any],
                samples: Sequence[Mapping[str, Any]] = ()) -> bytes:
    view = ReportView.of(report)
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
        s = Sheet(book, formats, name, headers)
        s.extend(rows)
        s.finish()

    sheet("Summary", ("Item", "Value"), _summary(view, findings))
    pops = populations(view)
    sheet("Findings", FINDING_COLUMNS,
          (_finding_row(f, bands, next(iter(pops.get(f.id, ())), None)) for f in findings))
    sheet("Deviations", RESULT_COLUMNS,
          (_result_row(f, r, bands) for f in findings for r in f.deviations))
    sheet("Population", POPULATION_COLUMNS,
          ((f.id, f.check, r.subject, r.status.value, r.id)
           for f in findings for r in pops.get(f.id, ())))
    sheet("Follow-up", ("Finding id", "Check", "Title", "Scope", "Follow-up", "Status then",
                        "Priority then", "Status now", "Priority now", "Deviations then",
                        "Deviations now"), _follow_up(findings, bands))
    sheet("Accepted risks", ("Finding id", "Check", "Scope", "Subject", "Priority", "Owner",
                             "Expires", "State", "Reason", "Result id"),
          ((f.id, f.check, f.scope_label, r.subject, bands.get(r.priority or "", r.priority),
            r.exception and r.exception.owner, When(r.exception and r.exception.expires),
            r.exception and r.exception.state, r.exception and r.exception.reason, r.id)
           for f in findings for r in f.accepted))
    sheet("Not assessed", ("Finding id", "Check", "Scope", "Subject", "Why", "Result id"),
          ((f.id, f.check, f.scope_label, r.subject, r.message, r.id)
           for f in findings for r in f.not_assessed))
    sheet("Evidence", ("File", "SHA-256", "Kind", "Target", "Collector", "Collected (UTC)",
                       "Status"), _evidence(view))
    for index, sample in enumerate(samples, start=1):
        _sample_sheet(book, formats, index, sample)
    book.close()
    return buffer.getvalue()


def _render(report: ReportView, options: RenderOptions) -> bytes:
    return render_xlsx(report, options.samples)


FORMAT = OutputFormat(name="xlsx", file_name="report.xlsx", render=_render,
                      description="the audit workbook: summary, findings, deviations, population "
                                  "per finding, follow-up, accepted risks, not assessed, "
                                  "evidence files, samples")
