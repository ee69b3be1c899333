"""Every output format rendered from one demo run, checked for content against report.json."""

from __future__ import annotations

import csv
import html.parser
import io
import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path
from typing import Any

import pytest

from gitc_agent.model.cell_text import neutralise, neutralise_row
from gitc_agent.report.formats.csv import COLUMNS, render_csv
from gitc_agent.report.formats.html import DEVIATIONS_SHOWN, render_html
from gitc_agent.report.formats.oscal import render_oscal
from tests.cli_run import gitc


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("formats") / "out"
    result = gitc("demo", "--lang", "en", "--out", out, "--format", "all", "--quiet")
    assert result.code in (1, 3), result.output  # findings (and maybe a host not assessed)
    folder = (out / "latest").resolve()
    return folder, json.loads((folder / "report.json").read_text())


def test_every_format_is_in_the_run_folder_and_in_the_manifest(run) -> None:
    folder, _ = run
    manifest = json.loads((folder / "manifest.json").read_text())
    for name in ("report.json", "report.html", "report.csv", "oscal-assessment-results.json",
                 "junit.xml"):
        assert (folder / name).stat().st_size > 1000, name
        assert name in manifest["files"]
    assert any(f.startswith("evidence/") for f in manifest["files"])


# --- HTML, in a real browser -------------------------------------------------------------

class _Cells(html.parser.HTMLParser):
    """Text of the heatmap cells (td id heat-L-I), the cell lists and every link target."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[str, str] = {}
        self.lists: dict[str, int] = {}
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self._cell: str | None = None
        self._list: str | None = None
        self.scripts = 0
        self.external: list[str] = []
        # table rows (their td texts) per <section id>: which section a result is shown in
        self.rows: dict[str, list[list[str]]] = {}
        self._section: str | None = None
        self._td = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "section":
            self._section = a.get("id")
            self.rows.setdefault(self._section or "", [])
        if tag == "tr" and self._section:
            self.rows[self._section].append([])
        if tag == "td" and self._section and self.rows[self._section]:
            self.rows[self._section][-1].append("")
            self._td = True
        if tag == "td" and (a.get("id") or "").startswith("heat-"):
            self._cell = a["id"]
            self.cells[self._cell or ""] = ""
        if tag == "div" and "cell-list" in (a.get("class") or ""):
            self._list = a["id"]
            self.lists[self._list or ""] = 0
        if tag == "li" and self._list:
            self.lists[self._list] += 1
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href"):
            if (a.get(key) or "").startswith(("http:", "https:", "//")):
                self.external.append(a[key] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._section = None
        if tag == "td":
            self._cell = None
            self._td = False
        if tag == "div":
            self._list = None

    def handle_data(self, data: str) -> None:
        if self._cell:
            self.cells[self._cell] += data
        if self._td and self._section:
            self.rows[self._section][-1][-1] += data


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "Debian package chromium is missing: bash tests/run.sh installs it as root"
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                           "--disable-background-networking", "--disable-component-update",
                           "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                           f"--user-data-dir={tmp_path / 'chromium-profile'}", *args],
                          capture_output=True, timeout=120, check=False)


def test_html_heatmap_in_the_browser_shows_the_report_counts(run, tmp_path: Path) -> None:
    folder, report = run
    url = (folder / "report.html").as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr.decode(errors="replace")[-2000:]
    page = _Cells()
    page.feed(dom.stdout.decode())
    cells = report["summary"]["findings"]["heatmap"]  # the heatmap plots findings
    assert len(page.cells) == len(cells) == 25
    for c in cells:
        text = page.cells[f"heat-{c['likelihood']}-{c['impact']}"].strip()
        expected = (f"{c['findings']}" + (f" +{c['accepted']}" if c["accepted"] else "")
                    if c["findings"] or c["accepted"] else "·")
        assert text == expected, (c, text)
        anchor = f"cell-{c['likelihood']}-{c['impact']}"
        if c["findings"] or c["accepted"]:
            assert f"#{anchor}" in page.hrefs and anchor in page.ids
            assert page.lists[anchor] == c["findings"] + c["accepted"]
    reported = [f for f in report["findings"] if f["status"] in ("finding", "accepted")]
    assert sum(c["findings"] + c["accepted"] for c in cells) == len(reported) > 0
    assert all(f"f-{f['id']}" in page.ids for f in reported)
    # each finding shows its deviations up to the limit (worst first) and says how many are left
    for f in reported:
        shown = (f["deviations"] + f["accepted"])[:DEVIATIONS_SHOWN]
        assert all(f"r-{rid}" in page.ids for rid in shown)
        total = len(f["deviations"]) + len(f["accepted"])
        left = f"{total - DEVIATIONS_SHOWN} more deviation(s) not shown here: all {total} are"
        assert (left in dom.stdout.decode()) == (total > DEVIATIONS_SHOWN)
    assert any(len(f["deviations"]) > DEVIATIONS_SHOWN for f in reported)  # the limit is tested
    assert page.scripts == 0 and page.external == []
    for section in ("summary", "findings", "follow-up", "accepted", "not-assessed"):
        assert section in page.ids
    # every error result is listed under "not assessed" (check, subject, why), and only there
    errors = sorted((r["check"], r["subject"], r["message"]) for r in report["results"]
                    if r["status"] == "error")
    assert errors, "the demo has a host that could not be assessed"
    shown = sorted(tuple(t.strip() for t in row) for row in page.rows["not-assessed"] if row)
    assert shown == errors
    tested = {(row[0].strip(), row[1].strip()) for row in page.rows["tested"] if row}
    assert not tested & {(c, s) for c, s, _ in errors}


def test_html_screenshot_is_a_real_picture(run, tmp_path: Path) -> None:
    folder, _ = run
    shot = tmp_path / "report.png"
    done = _chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1800",
                     "--hide-scrollbars", (folder / "report.html").as_uri())
    assert done.returncode == 0 and shot.is_file(), done.stderr.decode(errors="replace")[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1800)
    idat, pos = b"", 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8:pos + 8 + length]
        pos += 12 + length
    pixels = zlib.decompress(idat)
    assert len(set(pixels)) > 50, "the screenshot is (nearly) blank"
    assert len(data) > 20_000


def test_html_escapes_evidence_text(run) -> None:
    _, report = run
    evil = json.loads(json.dumps(report))
    r = next(r for r in evil["results"] if r["status"] == "fail")
    r["message"] = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    r["evidence"] = {"note": '"><script>alert(3)</script>'}
    evil["scoring"]["priorities"][0]["color"] = "red; background-image: url(http://x)"
    page = render_html(evil).decode()
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "url(http://x)" not in page


# --- CSV --------------------------------------------------------------------------------

def _csv_rows(data: bytes, separator: str) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""),
                               delimiter=separator))


@pytest.mark.parametrize("separator", [",", ";"])
def test_csv_round_trips_with_the_same_results(run, tmp_path: Path, separator: str) -> None:
    folder, report = run
    if separator == ",":
        data = (folder / "report.csv").read_bytes()
    else:
        done = gitc("report", folder / "report.json", "--format", "csv", "--csv-separator", ";",
                    "--out", tmp_path)
        assert done.code == 0, done.output
        data = (tmp_path / "report.csv").read_bytes()
        assert data.decode("utf-8-sig").splitlines()[0] == ";".join(COLUMNS)
    rows = _csv_rows(data, separator)
    assert len(rows) == len(report["results"])
    for row, r in zip(rows, report["results"], strict=True):
        assert (row["id"], row["check"], row["subject"], row["status"], row["priority"]) == \
            (r["id"], r["check"], r["subject"], r["status"], r["priority"] or "")
        assert row["message"] == neutralise(r["message"])


def test_csv_neutralises_spreadsheet_formulas(run) -> None:
    _, report = run
    evil = json.loads(json.dumps(report))
    evil["results"][0]["subject"] = "=HYPERLINK(\"http://x\",\"click\")"
    evil["results"][0]["message"] = "+cmd|' /C calc'!A0"
    evil["results"][1]["message"] = "@SUM(1+1)"
    evil["results"][2]["message"] = "-2+3"
    rows = _csv_rows(render_csv(evil, ";"), ";")
    assert rows[0]["subject"] == "'=HYPERLINK(\"http://x\",\"click\")"
    assert rows[0]["message"].startswith("'+")
    assert rows[1]["message"] == "'@SUM(1+1)" and rows[2]["message"] == "'-2+3"
    assert rows[3]["message"] == report["results"][3]["message"]


@pytest.mark.parametrize("row", [
    ["=1", "a"], ["a", "+1"], ["a", "b"], [None, -5, 3], [7, None, "@x"], ["x\x7f=y"],
    [" a", "\t=b"], [], ["\r1"], ["a\x7f", "b"], [True, 2.5, "ok"], ["é", "=é"]])
def test_a_row_is_neutralised_in_one_scan_as_its_cells_are_one_by_one(row: list[Any]) -> None:
    written = neutralise_row(row)  # csv.writer writes None as "" and anything else as str()
    assert ["" if v is None else str(v) for v in written] == [neutralise(v) for v in row]


# --- OSCAL ------------------------------------------------------------------------------

def test_oscal_validates_with_trestle_and_carries_the_results(run) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    folder, report = run
    doc = AssessmentResults.oscal_read(folder / "oscal-assessment-results.json")
    assert doc is not None
    result = doc.results[0]
    assert len(result.observations) == len(report["results"])
    assert len(result.findings) == len(report["findings"])  # one per check and scope
    observations = {o.uuid: next(p.value for p in o.props if p.name == "result-id")
                    for o in result.observations}
    by_id = {next(p.value for p in f.props if p.name == "finding-id"): f for f in result.findings}
    risks = {r.uuid: r for r in result.risks}
    for f in report["findings"]:
        finding = by_id[f["id"]]
        want = "satisfied" if f["status"] == "no_finding" else "not-satisfied"
        assert finding.target.status.state.value == want and finding.target.target_id == f["check"]
        related = {observations[o.observation_uuid] for o in finding.related_observations or []}
        assert related == set(f["deviations"] + f["accepted"] + f["not_assessed"])
        if f["status"] in ("finding", "accepted"):
            risk = risks[finding.related_risks[0].risk_uuid]
            facets = {x.name: x.value for x in risk.characterizations[0].facets}
            assert facets == {"likelihood": str(f["likelihood"]), "impact": str(f["impact"]),
                              "priority": f["priority"]}


def test_oscal_accepted_risk_is_a_deviation_with_owner_and_expiry(run) -> None:
    from trestle.oscal.assessment_results import AssessmentResults

    _, report = run
    changed = json.loads(json.dumps(report))
    r = next(r for r in changed["results"] if r["status"] == "fail")
    r["status"] = "accepted"
    r["exception"] = {"owner": "CISO", "reason": "legacy till", "expires": "2027-06-30",
                      "state": "valid"}
    doc = json.loads(render_oscal(changed))
    model = AssessmentResults.model_validate(doc["assessment-results"])
    risk = next(k for k in model.results[0].risks
                if any(p.value == r["id"] for p in k.props or []))
    assert risk.model_dump(mode="json", by_alias=True)["status"] == "deviation-approved"
    entry = risk.risk_log.entries[0]
    assert "CISO" in entry.description and entry.end.date().isoformat() == "2027-06-30"


# --- JUnit ------------------------------------------------------------------------------

def test_junit_has_one_case_per_finding_with_the_right_verdicts(run) -> None:
    folder, report = run
    root = ET.parse(folder / "junit.xml").getroot()
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(report["findings"])
    status = report["summary"]["findings"]["status"]
    assert len(root.findall("./testsuite/testcase/failure")) == status["finding"] > 0
    assert len(root.findall("./testsuite/testcase/error")) == status["not_assessed"]
    assert len(root.findall("./testsuite/testcase/skipped")) == status["accepted"]
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == str(status["finding"])
    results = {r["id"]: r for r in report["results"]}
    for case, f in zip(cases, report["findings"], strict=True):
        assert (case.get("classname"), case.get("name")) == (f["check"], f["scope_label"])
        if f["status"] == "finding":
            text = case.find("failure").text
            assert all(results[rid]["subject"] in text for rid in f["deviations"][:50])


def test_report_command_needs_a_format_and_a_report(tmp_path: Path, run) -> None:
    folder, _ = run
    assert gitc("report", folder / "report.json").code == 2
    (tmp_path / "x.json").write_text("{}")
    bad = gitc("report", tmp_path / "x.json", "--format", "html")
    assert bad.code == 2 and "not a gitc-agent report" in bad.stderr
    assert gitc("demo", "--lang", "en", "--out", tmp_path / "o", "--format", "docx").code == 2
