"""The PDF printed by a second process while a run renders the other formats (pdf_print): the
same bytes as printing it here, printing here when the second process cannot start or fails, the
outputs in the asked order, and no process left behind when the run stops meanwhile."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest

from gitc_agent.report.formats import RenderOptions, pdf, pdf_print, render_all
from gitc_agent.report.formats.pdf_print import PdfJob, print_pdf
from gitc_agent.report.formats.registry import discover
from gitc_agent.report.view import ReportView
from gitc_agent.run.interrupt import RunInterrupted
from tests import report_samples
from tests.fake_distribution import fake_distribution

STOPS = '''
from gitc_agent.report.formats.plugin import OutputFormat
from gitc_agent.run.interrupt import RunInterrupted


def _stopped(report, options):
    raise RunInterrupted("stopped by SIGTERM")


STOPPED = OutputFormat(name="stopped", file_name="stopped.txt", render=_stopped)
'''


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return report_samples.report()


@pytest.fixture(scope="module")
def page(sample: dict[str, Any]) -> tuple[str, str, bytes]:
    return pdf._page(ReportView.of(sample), None)


@pytest.fixture(scope="module")
def printed_here(page: tuple[str, str, bytes]) -> bytes:
    return print_pdf(*page)


def test_the_second_process_prints_the_bytes_printed_here(page, printed_here: bytes) -> None:
    job = PdfJob(*page)
    assert job.worker is not None
    data = job.result()
    assert job.worker is not None and job.worker.returncode == 0  # its PDF, not the fallback
    assert data.startswith(b"%PDF-") and data == printed_here


def test_no_interpreter_to_start_means_printing_here(page, printed_here: bytes,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    job = PdfJob(*page)
    assert job.worker is None
    assert job.result() == printed_here


def test_no_temporary_file_means_printing_here(page, printed_here: bytes,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(pdf_print.tempfile, "TemporaryFile", refused)
    job = PdfJob(*page)
    assert job.worker is None
    assert job.result() == printed_here


def test_a_second_process_that_fails_means_printing_here(page, printed_here: bytes,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_print, "MODULE", "gitc_agent.no_such_module")
    job = PdfJob(*page)
    worker = job.worker
    assert worker is not None
    assert job.result() == printed_here
    assert worker.returncode != 0 and job.worker is None


@pytest.fixture
def jobs(monkeypatch: pytest.MonkeyPatch) -> list[PdfJob]:
    """Every PdfJob the PDF format begins, as it begins it."""
    begun: list[PdfJob] = []

    class Recorded(PdfJob):
        def __init__(self, *args: Any):
            super().__init__(*args)
            begun.append(self)

    monkeypatch.setattr(pdf, "PdfJob", Recorded)
    return begun


def test_a_run_renders_the_pdf_beside_the_others_and_keeps_the_asked_order(
        sample: dict[str, Any], printed_here: bytes, jobs: list[PdfJob]) -> None:
    out = render_all(sample, ["html", "pdf", "json", "csv"], RenderOptions())
    assert list(out) == ["report.html", "report.pdf", "report.json", "report.csv"]
    assert len(jobs) == 1 and jobs[0].worker is not None and jobs[0].worker.returncode == 0
    assert out["report.pdf"] == printed_here  # its footer names the hash of report.json


def test_a_run_stopped_while_the_pdf_prints_leaves_no_process(
        sample: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        jobs: list[PdfJob]) -> None:
    site = fake_distribution(tmp_path / "site", "stopfmt", {"stop_renders": STOPS},
                             {"stopped": "stop_renders:STOPPED"})
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(RunInterrupted, match="SIGTERM"):
        render_all(sample, ["json", "pdf", "stopped"], RenderOptions(), discover())
    assert len(jobs) == 1 and jobs[0].worker is not None
    assert jobs[0].worker.returncode == -signal.SIGKILL  # ended while it printed, and reaped
    assert jobs[0].worker.pid not in {c.pid for c in psutil.Process().children(recursive=True)}
