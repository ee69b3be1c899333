"""The audit workbook (`--format xlsx`): read back with openpyxl, opened by LibreOffice headless."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gitc_agent.report.finding_population import populations
from gitc_agent.report.findings import findings_of
from gitc_agent.report.formats.xlsx import SHEETS, render_xlsx
from gitc_agent.report.view import ReportView
from tests.cli_run import gitc


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("xlsx") / "out"
    result = gitc("demo", "--lang", "en", "--out", out, "--format", "xlsx", "--quiet")
    assert result.code == 3, result.output
    folder = (out / "latest").resolve()
    return folder, json.loads((folder / "report.json").read_text())


def _rows(ws: Any) -> list[dict[str, Any]]:
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_every_sheet_has_a_frozen_filtered_header_and_fitting_widths(run) -> None:
    folder, _ = run
    manifest = json.loads((folder / "manifest.json").read_text())
    assert "report.xlsx" in manifest["files"]
    book = openpyxl.load_workbook(folder / "report.xlsx")
    assert book.sheetnames == list(SHEETS)
    for ws in book:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref == f"A1:{ws.cell(1, ws.max_column).column_letter}{ws.max_row}"
        for col in range(1, ws.max_column + 1):
            letter = ws.cell(1, col).column_letter
            header = str(ws.cell(1, col).value)
            assert ws.column_dimensions[letter].width >= len(header), (ws.title, header)
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate} is a formula"


def test_findings_deviations_and_population_match_the_report(run) -> None:
    folder, report = run
    view = ReportView.of(report)
    findings = findings_of(view)
    book = openpyxl.load_workbook(folder / "report.xlsx")
    rows = _rows(book["Findings"])
    assert [(r["Check"], r["Finding id"]) for r in rows] == [(f.check, f.id) for f in findings]
    for row, f in zip(rows, findings, strict=True):
        assert (row["Deviations"], row["Population"], row["Status"]) == (
            len(f.deviations), f.population.count, f.status.value)
    deviations = _rows(book["Deviations"])
    failing = sorted(r["id"] for r in report["results"] if r["status"] == "fail")
    assert sorted(r["Result id"] for r in deviations) == failing
    population = _rows(book["Population"])
    pops = populations(view)
    assert len(population) == sum(len(p) for p in pops.values()) == len(report["results"])
    pu = next(f for f in findings if f.check == "ad.privileged.unapproved_member")
    mine = {r["Subject"] for r in population if r["Finding id"] == pu.id}
    assert mine == {r["subject"] for r in report["results"]
                    if r["check"] == "ad.privileged.unapproved_member"}
    assert {r["Status"] for r in population if r["Finding id"] == pu.id} >= {"pass", "fail"}


def test_accepted_not_assessed_evidence_and_dates(run) -> None:
    folder, report = run
    book = openpyxl.load_workbook(folder / "report.xlsx")
    accepted = _rows(book["Accepted risks"])
    assert [r["Result id"] for r in accepted] == [
        r["id"] for r in report["results"] if r["status"] == "accepted"]
    assert all(isinstance(r["Expires"], datetime) for r in accepted)  # a date, not text
    errors = _rows(book["Not assessed"])
    assert {r["Subject"] for r in errors} == {
        r["subject"] for r in report["results"] if r["status"] == "error"}
    evidence = {r["File"]: r for r in _rows(book["Evidence"])}
    for entry in report["run"]["evidence"]:
        assert evidence[entry["file"]]["SHA-256"] == entry["sha256"]
        assert isinstance(evidence[entry["file"]]["Collected (UTC)"], datetime)
    summary = {r["Item"]: r["Value"] for r in _rows(book["Summary"])}
    assert summary["Run id"] == report["run"]["id"]
    assert summary["As of"].date() == date.fromisoformat(report["run"]["as_of"])


def test_formula_injection_and_control_characters_stay_text(run) -> None:
    _, report = run
    hostile = json.loads(json.dumps(report))
    target = next(r for r in hostile["results"] if r["status"] == "fail")
    target["message"] = '=HYPERLINK("http://evil.example","x")'
    target["evidence"]["evidence_file"] = "@SUM(1+1)\x00\x07 bell"
    target["subject"] = "+cmd|' /C calc'!A0"
    book = openpyxl.load_workbook(_write(hostile))
    row = next(r for r in _rows(book["Deviations"]) if r["Result id"] == target["id"])
    assert row["Message"] == "'" + target["message"]
    assert row["Subject"] == "'" + target["subject"]
    assert row["Evidence file"].startswith("'@SUM")


def _write(report: dict[str, Any]) -> Path:
    import tempfile
    path = Path(tempfile.mkdtemp()) / "hostile.xlsx"
    path.write_bytes(render_xlsx(report))
    return path


def test_the_same_report_renders_the_same_bytes(run) -> None:
    folder, report = run
    assert render_xlsx(report) == (folder / "report.xlsx").read_bytes()


def test_report_command_re_renders_it_and_verify_still_passes(run, tmp_path: Path) -> None:
    folder, _ = run
    copy = tmp_path / "out"
    shutil.copytree(folder.parent, copy, symlinks=True)
    run_copy = copy / folder.name
    (run_copy / "report.xlsx").unlink()
    assert gitc("report", run_copy / "report.json", "--format", "xlsx").code == 0
    done = gitc("verify", run_copy)
    assert done.code == 0, done.output


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs libreoffice-calc (tests/run.sh)")
def test_libreoffice_opens_every_sheet(run, tmp_path: Path) -> None:
    folder, report = run
    out = tmp_path / "csv"
    filt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile",
                           "--headless", "--convert-to", filt, "--outdir", str(out),
                           str(folder / "report.xlsx")], capture_output=True, text=True,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    for sheet in SHEETS:
        assert (out / f"report-{sheet}.csv").is_file(), (sheet, sorted(out.iterdir()))
    with open(out / "report-Deviations.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["Result id"] for r in rows) == sorted(
        r["id"] for r in report["results"] if r["status"] == "fail")
    with open(out / "report-Summary.csv", encoding="utf-8", newline="") as handle:
        summary = {r["Item"]: r["Value"] for r in csv.DictReader(handle)}
    assert summary["As of"].startswith(report["run"]["as_of"])  # shown as a date, not a number
