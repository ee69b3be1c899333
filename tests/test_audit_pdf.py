"""The PDF report (`--format pdf`), read back with poppler: text, pages, footer, rendering."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.pdf import _DETAILS, render_pdf
from gitc_agent.report.view import ReportView
from tests.cli_run import gitc

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                reason="needs poppler-utils (tests/run.sh installs it)")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("pdf") / "out"
    result = gitc("demo", "--lang", "en", "--out", out, "--format", "pdf", "--quiet")
    assert result.code == 3, result.output
    folder = (out / "latest").resolve()
    return folder, json.loads((folder / "report.json").read_text())


def _text(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True,
                          timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match
    return int(match.group(1))


def test_a4_with_page_numbers_run_id_and_report_hash_on_every_page(run) -> None:
    folder, report = run
    pdf = folder / "report.pdf"
    assert "report.pdf" in json.loads((folder / "manifest.json").read_text())["files"]
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info), info
    pages = _pages(pdf)
    assert pages > 1
    report_sha = hashlib.sha256((folder / "report.json").read_bytes()).hexdigest()
    for page in (1, pages):
        text = re.sub(r"\s+", "", _text(pdf, "-f", str(page), "-l", str(page)))
        assert f"page{page}of{pages}" in text
        assert report["run"]["id"].replace("-", "") in text.replace("-", "")
        assert report_sha in text


def test_the_findings_and_totals_are_in_the_text(run) -> None:
    folder, report = run
    text = re.sub(r"\s+", " ", _text(folder / "report.pdf"))
    flat = text.replace(" ", "")
    view = ReportView.of(report)
    for finding in findings_of(view):
        if finding.is_reported:
            assert finding.title.replace(" ", "") in flat, finding.title
    failing = report["summary"]["status"]["fail"]
    assert str(failing) in text
    error = next(r for r in report["results"] if r["status"] == "error")
    assert error["subject"].replace(" ", "") in flat  # the not-assessed host: expanded, listed


def test_pages_render_and_are_not_blank(run, tmp_path: Path) -> None:
    folder, _ = run
    subprocess.run(["pdftoppm", "-r", "30", "-f", "1", "-l", "3", "-gray", str(folder / "report.pdf"),
                    str(tmp_path / "page")], check=True, timeout=120)
    images = sorted(tmp_path.glob("page-*.pgm"))
    assert len(images) == 3
    for image in images:
        data = image.read_bytes()
        header_end = data.index(b"255\n") + 4  # binary PGM: P5 width height 255
        pixels = data[header_end:]
        dark = sum(1 for p in pixels if p < 128)
        assert dark > len(pixels) * 0.005, f"{image.name} is (nearly) blank"


def test_collapsed_sections_are_opened() -> None:
    html = '<details><summary>a</summary>x</details><details class="c">y</details>' \
           '<details open>z</details><detailsx>'
    assert _DETAILS.sub("<details open", html) == (
        '<details open><summary>a</summary>x</details><details open class="c">y</details>'
        '<details open>z</details><detailsx>')


def test_re_rendering_gives_the_same_bytes_so_verify_passes(run, tmp_path: Path) -> None:
    folder, report = run
    assert render_pdf(ReportView.of(report)) == (folder / "report.pdf").read_bytes()
    copy = tmp_path / "out"
    shutil.copytree(folder.parent, copy, symlinks=True)
    (copy / folder.name / "report.pdf").unlink()
    assert gitc("report", copy / folder.name / "report.json", "--format", "pdf").code == 0
    done = gitc("verify", copy / folder.name)
    assert done.code == 0, done.output


def test_evidence_text_cannot_make_the_renderer_fetch_anything(run, tmp_path: Path) -> None:
    _, report = run
    hostile = json.loads(json.dumps(report))
    target = next(r for r in hostile["results"] if r["status"] == "fail")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-CONTENT")
    target["message"] = (f'<img src="file://{secret}"><link rel="stylesheet" href="file://{secret}">'
                         f'<iframe src="file://{secret}"></iframe>')
    pdf = tmp_path / "h.pdf"
    pdf.write_bytes(render_pdf(ReportView.of(hostile)))
    text = _text(pdf)
    assert "TOPSECRET-CONTENT" not in text
    assert "<img" in text.replace("\n", "")  # shown as text, not interpreted


def test_the_renderer_fetches_no_file_a_page_could_name(tmp_path: Path) -> None:
    from weasyprint import HTML

    from gitc_agent.report.formats.pdf_print import _no_fetcher

    css = tmp_path / "leak.css"
    css.write_text('body::before { content: "LEAKEDSTYLESHEET"; }')
    page = f'<link rel="stylesheet" href="file://{css}"><p>visible</p>'
    allowed = tmp_path / "allowed.pdf"
    allowed.write_bytes(HTML(string=page, base_url=None).write_pdf())
    assert "LEAKEDSTYLESHEET" in _text(allowed)  # the probe works: WeasyPrint would fetch it
    refused = tmp_path / "refused.pdf"
    refused.write_bytes(HTML(string=page, base_url=None, url_fetcher=_no_fetcher()).write_pdf())
    text = _text(refused)
    assert "visible" in text and "LEAKEDSTYLESHEET" not in text
