"""The speed-ups of the renderers change nothing a reader gets (bench/bench_render.py has the
figures): the workbook's rows written as XML are XlsxWriter's own bytes, OSCAL's uuids and
values are what uuid5 and the regular expression gave, the PDF leaves out more than the HTML
but counts what it leaves out, and the workbook and CSV keep every deviation."""

from __future__ import annotations

import copy
import csv
import gc
import hashlib
import io
import json
import re
import shutil
import subprocess
import uuid
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter

from gitc_agent.report.formats import RenderOptions, oscal, render_all, xlsx, xlsx_rows, xlsx_sheet
from gitc_agent.report.formats.html import DEVIATIONS_SHOWN, ROW_LIMIT, render_html
from gitc_agent.report.formats.pdf import PDF_LIMITS
from gitc_agent.report.formats.xlsx_sheet import Sheet, When
from gitc_agent.report.report_hash import report_sha256
from gitc_agent.report.view import ReportView
from gitc_agent.run.output import report_bytes
from tests.cli_run import gitc

EXTRA = 40  # failing results added to one finding: more than the HTML and the PDF show


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo's report with EXTRA more deviations under its first reported finding (and an
    awkward message in each), so every limit is crossed."""
    out = tmp_path_factory.mktemp("scale") / "out"
    result = gitc("demo", "--out", out, "--quiet")
    assert result.code == 3, result.output
    doc = json.loads((out / "latest" / "report.json").read_text())
    finding = next(f for f in doc["findings"] if f["status"] == "finding")
    model = next(r for r in doc["results"] if r["id"] == finding["deviations"][0])
    for i in range(EXTRA):
        extra = copy.deepcopy(model)
        extra["id"] = hashlib.sha256(f"extra{i}".encode()).hexdigest()[:20]
        extra["subject"] = f"{model['subject']}-extra{i:03d}"
        extra["message"] = f" =cmd|' &<b> _x0041_ \x07 tab\there {i} "
        extra.pop("message_template", None)
        extra.pop("message_params", None)
        doc["results"].append(extra)
        finding["deviations"].append(extra["id"])
    doc["summary"]["status"]["fail"] += EXTRA
    return doc


@pytest.fixture(scope="module")
def big_finding(report: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in report["findings"] if f["status"] == "finding")


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_rows_written_as_xml_are_the_bytes_xlsxwriter_writes_cell_by_cell(
        report: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    view = ReportView.of(report)
    fast = xlsx.render_xlsx(view)
    monkeypatch.setattr(xlsx_sheet, "supports", lambda ws: False)
    slow = xlsx.render_xlsx(view)
    fast_parts, slow_parts = _members(fast), _members(slow)
    assert fast_parts.keys() == slow_parts.keys()
    for name in fast_parts:
        assert fast_parts[name] == slow_parts[name], name
    assert b"_x005F_x0041_" in fast_parts["xl/worksheets/sheet3.xml"]  # escaped as Excel does


def _one_sheet(rows: list[tuple[Any, ...]], headers: tuple[str, ...] = ("a", "b", "c", "d")
               ) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"created": datetime(2026, 11, 16)})  # the same bytes twice
    formats = {"header": book.add_format({"bold": True}), "text": None,
               "date": book.add_format({"num_format": "yyyy-mm-dd"}),
               "stamp": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})}
    sheet = Sheet(book, formats, "S", headers, preamble=[("seed", 7)])
    sheet.extend(rows)
    sheet.finish()
    book.close()
    return buffer.getvalue()


def test_every_kind_of_cell_comes_out_the_same_either_way(
        monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [("plain", 1, 2.5, True), (None, None, None, None), (" lead", "trail ", "\n", ""),
            ("\x00\x1f\ufffe", "_xABCD_", "a&b<c>d\"e'", "=1+1"),
            (When("2026-11-16"), When("2026-11-16T07:30:12+00:00"), When("not a date"), None),
            ("x" * 40_000, -3, 10**15, False), ("é ü × ≥ 日本", float("1e-7"), None, "end")]
    fast = _one_sheet(rows)
    monkeypatch.setattr(xlsx_sheet, "supports", lambda ws: False)
    slow = _one_sheet(rows)
    assert _members(fast) == _members(slow)
    ws = openpyxl.load_workbook(io.BytesIO(fast))["S"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[0][:2] == ["seed", 7]
    assert values[3] == ["plain", 1, 2.5, True]
    assert values[6][3] == "'=1+1"  # the formula guard applies on the fast path too
    assert values[7][:2] == [datetime(2026, 11, 16), datetime(2026, 11, 16, 7, 30, 12)]
    assert values[7][2] == "not a date"
    assert len(values[8][0]) <= 32767 and values[8][0].endswith("holds]")


def test_rows_written_a_block_at_a_time_are_the_bytes_written_cell_by_cell(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of plain texts and ints (written column by column), blocks with a text that needs
    the formula guard, an escape, white space kept or a line break, and blocks with an empty
    cell or a date (row by row): every sheet the same bytes as XlsxWriter's own."""
    monkeypatch.setattr(xlsx_sheet, "BLOCK_ROWS", 8)
    blocks: list[int] = []
    write_block = xlsx_rows.RowWriter.write_block

    def counted(self: Any, first: int, columns: Any) -> None:
        blocks.append(first)
        write_block(self, first, columns)

    monkeypatch.setattr(xlsx_rows.RowWriter, "write_block", counted)
    # one oddity per block of 8 rows (0-7, 8-15, ...): inside it, at its start, at its end
    odd = {3: " lead", 8: " first", 23: "last ", 24: "@first", 35: "=1+1", 41: "a&b<c>",
           52: "_x0041_", 58: "line one\nline two", 67: "mid ", 74: "\x07bell", 81: "\u00a0nbsp",
           90: "-5", 100: "tab\there", 101: "é ü × ≥ 日本"}
    rows = [(f"finding-{i // 20}", "ad.accounts.dormant", odd.get(i, f"account:user{i:04d}"),
             i % 5 + 1, None if i == 110 else "fail",
             When("2026-11-16") if i == 111 else "x" * (i % 9)) for i in range(112)]
    fast = _one_sheet(rows, headers=("a", "b", "c", "d", "e", "f"))
    assert blocks  # the column-by-column way was taken
    monkeypatch.setattr(xlsx_sheet, "supports", lambda ws: False)
    slow = _one_sheet(rows, headers=("a", "b", "c", "d", "e", "f"))
    assert _members(fast) == _members(slow)
    ws = openpyxl.load_workbook(io.BytesIO(fast))["S"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert values[3 + 35][2] == "'=1+1" and values[3 + 90][2] == "'-5"
    assert values[3 + 24][2] == "'@first" and values[3 + 23][2] == "last "
    assert values[3 + 58][2] == "line one\nline two" and values[3 + 8][2] == " first"
    assert values[3 + 100][2] == "tab\there" and values[3 + 41][2] == "a&b<c>"
    assert values[3 + 0] == ["finding-0", "ad.accounts.dormant", "account:user0000", 1, "fail", ""]
    assert values[3 + 110][4] is None and values[3 + 111][5] == datetime(2026, 11, 16)


def test_oscal_uuids_and_values_are_what_uuid5_and_the_regex_gave() -> None:
    namespace = uuid.UUID("5f0c6b0e-2f4a-4c55-9a53-6d1c3f5a2b10")
    for parts in [("run", "abc", "observation"), ("é", ""), ("x" * 500,)]:
        assert oscal._uuid(*parts) == str(uuid.uuid5(namespace, "\x00".join(parts)))
    for text in [None, "", " ", "a", " a", "a ", "a  b", "a\tb", "a\nb", "\u00a0x", "x\u00a0",
                 "a\u2028b", 42, "é  ü"]:
        expected = re.sub(r"\s+", " ", "" if text is None else str(text)).strip() or "-"
        assert oscal._value(text) == expected, repr(text)


def test_oscal_is_the_compact_json_it_was(report: dict[str, Any]) -> None:
    data = oscal.render_oscal(report)
    doc = json.loads(data)
    assert data == (json.dumps(doc, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


def _left_out_counts(html: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(
        r"(\d+) more deviation\(s\) not shown here: all (\d+) are in the workbook", html)]


def test_the_pdf_shows_fewer_deviations_than_the_html_and_counts_the_rest(
        report: dict[str, Any], big_finding: dict[str, Any]) -> None:
    total = len(big_finding["deviations"]) + len(big_finding["accepted"])
    html = render_html(report, "en").decode()
    paper = render_html(report, "en", PDF_LIMITS).decode()
    assert PDF_LIMITS.deviations < DEVIATIONS_SHOWN and PDF_LIMITS.rows < ROW_LIMIT
    assert (total - DEVIATIONS_SHOWN, total) in _left_out_counts(html)
    assert (total - PDF_LIMITS.deviations, total) in _left_out_counts(paper)
    shown = [rid for rid in (big_finding["deviations"] + big_finding["accepted"])
             if f'id="r-{rid}"' in paper]
    assert len(shown) == PDF_LIMITS.deviations
    # the coverage table on paper names how many complete controls it leaves to the HTML
    complete = sum(1 for c in report["coverage"] if c["completeness"] == "complete")
    assert f"{complete} completely tested control(s) not listed here" in paper
    assert "completely tested control(s) not listed" not in html
    assert html.count('<tr class="cov-') == len(report["coverage"])
    assert paper.count('<tr class="cov-') == len(report["coverage"]) - complete


def test_the_workbook_and_csv_keep_every_deviation(report: dict[str, Any],
                                                   big_finding: dict[str, Any]) -> None:
    out = render_all(report, ["xlsx", "csv"], RenderOptions(language="en"))
    book = openpyxl.load_workbook(io.BytesIO(out["report.xlsx"]), read_only=True)
    rows = list(book["Deviations"].iter_rows(values_only=True))
    ids = {r[-1] for r in rows[1:] if r[0] == big_finding["id"]}
    assert ids == set(big_finding["deviations"])
    table = list(csv.DictReader(io.StringIO(out["report.csv"].decode("utf-8-sig"))))
    assert {r["id"] for r in table if r["finding_id"] == big_finding["id"]} >= ids
    assert len(table) == len(report["results"])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_pdf_says_what_it_left_out(report: dict[str, Any], big_finding: dict[str, Any],
                                       tmp_path: Path) -> None:
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(render_all(report, ["pdf"], RenderOptions(language="en"))["report.pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True, timeout=120).stdout
    total = len(big_finding["deviations"]) + len(big_finding["accepted"])
    assert re.search(rf"{total - PDF_LIMITS.deviations} more deviation\(s\) not shown here:\s+all"
                     rf"\s+{total}\s+are in the workbook", text)


def test_rendering_pauses_the_collector_and_turns_it_back_on(report: dict[str, Any]) -> None:
    assert gc.isenabled()
    render_all(report, ["junit"], RenderOptions())
    assert gc.isenabled()
    gc.disable()
    try:
        render_all(report, ["junit"], RenderOptions())
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()


def test_the_hash_of_the_rendered_report_json_is_the_one_the_pdf_and_workbook_name(
        report: dict[str, Any]) -> None:
    view = ReportView.of(report)
    out = render_all(view, ["json"], RenderOptions())
    assert report_sha256(view) == hashlib.sha256(out["report.json"]).hexdigest()
    assert report_sha256(view) == hashlib.sha256(report_bytes(dict(report))).hexdigest()
