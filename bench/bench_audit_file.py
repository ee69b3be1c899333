"""Benchmark (not a unit test): the audit file of a large report, beside reference tools.

Run: python bench/bench_audit_file.py [results]. Builds the report bench_render.py builds (the
demo plus `results` failing account results, default 200,000), then times

- `--format xlsx` (XlsxWriter, constant_memory) beside openpyxl's write-only mode writing the
  same cells (the other maintained xlsx writer), and the workbook's peak memory;
- `--format pdf` (WeasyPrint from the HTML report) beside chromium headless printing the same
  HTML to PDF (when chromium is installed), with the page counts.

Figures depend on the machine's load: run it on an idle machine and compare side by side.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_render import _report

from gitc_agent.report.finding_population import populations
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.html import render_html
from gitc_agent.report.formats.pdf import render_pdf
from gitc_agent.report.formats.xlsx import render_xlsx
from gitc_agent.report.report_hash import report_sha256
from gitc_agent.report.view import ReportView


def _openpyxl_reference(view: ReportView) -> float:
    """The deviation and population rows written with openpyxl write-only: the same cells."""
    import openpyxl

    s = time.perf_counter()
    book = openpyxl.Workbook(write_only=True)
    deviations, population = book.create_sheet("Deviations"), book.create_sheet("Population")
    pops = populations(view)
    for f in findings_of(view):
        for r in f.deviations:
            deviations.append([f.id, f.check, f.scope_label, r.subject, r.status.value,
                               r.priority, r.likelihood, r.impact, r.message,
                               (r.evidence or {}).get("evidence_file"), r.id])
        for r in pops.get(f.id, ()):
            population.append([f.id, f.check, r.subject, r.status.value, r.id])
    book.save(io.BytesIO())
    return time.perf_counter() - s


def _pages(pdf: bytes) -> int:
    """Pages by poppler's pdfinfo (WeasyPrint compresses its page objects); 0 without it."""
    if shutil.which("pdfinfo") is None:
        return 0
    done = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=False)
    match = re.search(rb"^Pages:\s+(\d+)", done.stdout, re.M)
    return int(match.group(1)) if match else 0


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    extra = int(args[0]) if args else 200_000
    report = _report(extra)
    view = ReportView.of(report)
    s = time.perf_counter()
    findings_of(view), report_sha256(view), populations(view)
    print(f"report: {len(report['results'])} results, {len(findings_of(view))} findings; "
          f"findings, populations and report hash {time.perf_counter() - s:.2f} s")
    s = time.perf_counter()
    workbook = render_xlsx(view)
    print(f"  xlsx (XlsxWriter)        {time.perf_counter() - s:6.2f} s  {len(workbook) / 1e6:6.1f} MB")
    print(f"  reference openpyxl (write-only, the two big sheets only) "
          f"{_openpyxl_reference(view):6.2f} s")
    s = time.perf_counter()
    pdf = render_pdf(view)
    print(f"  pdf (WeasyPrint)         {time.perf_counter() - s:6.2f} s  {len(pdf) / 1e6:6.1f} MB, "
          f"{_pages(pdf)} pages")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium:
        with tempfile.TemporaryDirectory() as tmp:
            page = Path(tmp) / "report.html"
            page.write_bytes(render_html(view))
            out = Path(tmp) / "chromium.pdf"
            s = time.perf_counter()
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                            f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                            f"--print-to-pdf={out}", page.as_uri()], capture_output=True,
                           timeout=600, check=False)
            took = time.perf_counter() - s
            size = out.stat().st_size if out.exists() else 0
            pages = _pages(out.read_bytes()) if size else 0
            print(f"  reference chromium --print-to-pdf {took:6.2f} s  {size / 1e6:6.1f} MB, "
                  f"{pages} pages")


if __name__ == "__main__":
    main()
