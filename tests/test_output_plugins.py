"""Output formats as plugins, the typed report view, and statuses spelled once."""

from __future__ import annotations

import ast
import csv
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

import gitc_agent
from gitc_agent.core.results import FINDING_STATUSES, Status
from gitc_agent.errors import InputError
from gitc_agent.report import console
from gitc_agent.report.followup import load_report
from gitc_agent.report.formats import parse_formats, render_all
from gitc_agent.report.formats.plugin import RenderOptions
from gitc_agent.report.formats.registry import BUILTIN, discover
from gitc_agent.report.view import FollowUp, ReportView
from tests import report_samples
from tests.cli_run import gitc
from tests.fake_distribution import fake_distribution

PACKAGE = Path(gitc_agent.__file__).parent
ROOT = PACKAGE.parent

FAKE_TSV = '''
from gitc_agent.report.formats.plugin import OutputFormat, RenderOptions
from gitc_agent.report.view import ReportView


def render(report: ReportView, options: RenderOptions) -> bytes:
    return "".join(f"{r.status}\\t{r.subject}\\n" for r in report.findings).encode()


FORMAT = OutputFormat(name="tsv", file_name="findings.tsv", render=render)
'''
FAKE_BAD = '''
from gitc_agent.report.formats.plugin import OutputFormat


def _boom(report, options):
    raise RuntimeError("the printer is on fire")


THING = 3
ESCAPE = OutputFormat(name="escape", file_name="../escape.txt", render=lambda r, o: b"x")
RAISES = OutputFormat(name="raises", file_name="raises.txt", render=_boom)
TEXT = OutputFormat(name="text", file_name="text.txt", render=lambda r, o: "not bytes")
HTML = OutputFormat(name="html", file_name="other.html", render=lambda r, o: b"x")
'''
BAD_ENTRY_POINTS = {
    "broken": "fake_broken:FORMAT", "notaformat": "fake_bad:THING", "escape": "fake_bad:ESCAPE",
    "raises": "fake_bad:RAISES", "text": "fake_bad:TEXT", "html": "fake_bad:HTML",
    "misnamed": "fake_bad:RAISES", "all": "fake_tsv:FORMAT"}


def _distribution(folder: Path, entry_points: dict[str, str]) -> Path:
    """An installed distribution `fakefmt` on `folder`: modules plus dist-info metadata."""
    return fake_distribution(folder, "fakefmt", {
        "fake_tsv": FAKE_TSV, "fake_bad": FAKE_BAD,
        "fake_broken": 'raise ImportError("needs a library that is missing")\n'}, entry_points)


@pytest.fixture
def sample() -> dict[str, Any]:
    return report_samples.report()


@pytest.fixture
def saved(tmp_path: Path, sample: dict[str, Any]) -> Path:
    path = tmp_path / "run" / "report.json"
    path.parent.mkdir()
    path.write_text(json.dumps(sample, indent=2))
    return path


# --- one rule for findings, statuses as members --------------------------------------------

def test_a_finding_is_fail_or_accepted_and_plain_strings_match() -> None:
    assert {s for s in Status if s.is_finding} == FINDING_STATUSES == {Status.FAIL, Status.ACCEPTED}
    assert "fail" in FINDING_STATUSES and "accepted" in FINDING_STATUSES
    assert "pass" not in FINDING_STATUSES and "error" not in FINDING_STATUSES


def _status_words() -> set[str]:
    return {s.value for s in Status} | {f.value for f in FollowUp}


def _literal_uses(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants a renderer branches or looks up on: compared, tested for membership,
    used as a subscript, or as the keys of a dict keyed by status words (a style table)."""
    found: list[tuple[int, str]] = []

    def consts(node: ast.AST | None) -> list[ast.Constant]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [node]
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            return [c for elt in node.elts for c in consts(elt)]
        return []

    for node in ast.walk(tree):
        nodes: list[ast.Constant] = []
        if isinstance(node, ast.Compare):
            nodes = [c for n in (node.left, *node.comparators) for c in consts(n)]
        elif isinstance(node, ast.Dict):
            keys = [c for k in node.keys for c in consts(k)]
            nodes = keys if keys and all(k.value in _status_words() for k in keys) else []
        elif isinstance(node, ast.Subscript):
            nodes = consts(node.slice)
        found.extend((c.lineno, c.value) for c in nodes)
    return found


def test_renderers_spell_no_status_or_follow_up_literal() -> None:
    words = _status_words()
    # view.py maps the contract's field names and values to members: the one place that reads them
    parsers = {"view.py", "view_parse.py"}
    offenders = []
    for path in sorted((PACKAGE / "report").rglob("*.py")):
        if path.name in parsers:
            continue
        tree = ast.parse(path.read_text())
        offenders += [f"{path.relative_to(ROOT)}:{line}: {value!r}"
                      for line, value in _literal_uses(tree) if value in words]
    template = (PACKAGE / "report" / "templates" / "report.html.j2").read_text()
    for expr in re.findall(r"\{[{%](.*?)[%}]\}", template, re.DOTALL):
        for word in words:
            if re.search(rf"\b(status|follow_up)\.{word}\b|['\"]{word}['\"]", expr):
                offenders.append(f"report.html.j2: {word!r} in {expr.strip()!r}")
    assert not offenders, "\n".join(offenders)


def test_what_a_finding_is_is_said_only_in_core_results() -> None:
    def is_finding_pair(node: ast.AST) -> bool:
        if not isinstance(node, ast.Tuple | ast.List | ast.Set):
            return False
        names = {e.attr for e in node.elts if isinstance(e, ast.Attribute)}
        strings = {e.value for e in node.elts if isinstance(e, ast.Constant)}
        return {"FAIL", "ACCEPTED"} <= names or {"fail", "accepted"} <= strings

    offenders = []
    for path in sorted([*PACKAGE.rglob("*.py"), *(ROOT / "checks").rglob("*.py")]):
        if path == PACKAGE / "core" / "results.py":
            continue
        tree = ast.parse(path.read_text())
        offenders += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(tree)
                      if is_finding_pair(n)]
    assert not offenders, offenders


# --- every status in every format ----------------------------------------------------------

def test_every_builtin_format_renders_every_status(sample: dict[str, Any]) -> None:
    names = parse_formats(["all"], discover(use_entry_points=False))
    assert names == list(BUILTIN)
    out = render_all(sample, names, RenderOptions(";"), discover(use_entry_points=False))
    assert set(out) >= {"report.json", "report.html", "report.csv",
                        "oscal-assessment-results.json", "junit.xml"}
    assert json.loads(out["report.json"]) == sample
    statuses = {r["subject"]: r["status"] for r in sample["results"]}
    assert set(statuses.values()) == {s.value for s in Status}

    rows = list(csv.DictReader(io.StringIO(out["report.csv"].decode("utf-8-sig")), delimiter=";"))
    assert {row["subject"]: row["status"] for row in rows} == statuses
    assert {row["follow_up"] for row in rows} == {f.value for f in FollowUp} | {""}

    # JUnit and OSCAL follow the findings: here one per check (each has one subject on target t)
    cases = ET.fromstring(out["junit.xml"]).findall("./testsuite/testcase")
    verdict = {c.get("classname"): (c[0].tag if len(c) else "pass") for c in cases}
    assert verdict == {"x.fail": "failure", "x.open": "failure", "x.accepted": "skipped",
                       "x.error": "error", "x.pass": "pass", "x.not_applicable": "pass",
                       "x.gone": "pass"}

    oscal = json.loads(out["oscal-assessment-results.json"])["assessment-results"]["results"][0]
    states = {f["target"]["target-id"]: f["target"]["status"]["state"] for f in oscal["findings"]}
    checks = {r["check"]: r["status"] for r in sample["results"]}
    assert states == {c: "not-satisfied" if st in ("fail", "accepted", "error") else "satisfied"
                      for c, st in checks.items()}
    assert len(oscal["observations"]) == len(sample["results"])
    assert len(oscal["risks"]) == 4  # a risk per reported finding, and the accepted subject's own

    page = out["report.html"].decode()
    for status in set(Status) - {Status.ERROR}:
        assert f'class="status-{status}"' in page, status
    assert re.search(r'id="not-assessed">.*<td>x\.error</td>', page, re.DOTALL)
    assert "Follow-up of the previous report per subject: 1 new, 1 still open, 2 resolved, " \
        "1 accepted." in page
    assert "Progress of earlier findings: 2 resolved, 0 partly resolved, 1 not resolved, " \
        "0 risk accepted, 1 not re-assessed; 1 new." in page
    assert "no longer reported" in page  # the accepted risk whose subject is gone


def test_console_shows_every_status_and_the_follow_up(sample: dict[str, Any]) -> None:
    buffer = io.StringIO()
    out = Console(file=buffer, width=160, color_system=None)
    console.render(sample, out, "run/report.json")
    text = buffer.getvalue()
    assert "2 finding(s) (High 2), 1 risk(s) accepted; in 2 failing, 1 accepted, 2 passed, " \
        "1 not assessed, 1 not applicable result(s)" in text
    assert "Follow-up per subject: 1 new, 1 open, 2 resolved, 1 accepted." in text
    assert "Progress of earlier findings: 2 resolved, 0 partly resolved, 1 not resolved" in text
    assert re.search(r"^resolved +x\.gone +t +priority High -> -", text, re.MULTILINE)
    assert "  x.error  s:error: error message for s:error" in text  # not assessed, by subject
    console.render(sample, out, "run/report.json", show_details=True)
    assert re.search(r"resolved .*x\.gone .*gone", buffer.getvalue())  # per subject: --details


def test_a_view_renders_the_same_as_its_dict(sample: dict[str, Any]) -> None:
    registry = discover(use_entry_points=False)
    view = ReportView.of(sample)
    assert ReportView.of(view) is view
    names = parse_formats(["all"], registry)
    assert render_all(view, names, RenderOptions(), registry) == \
        render_all(sample, names, RenderOptions(), registry)


# --- a malformed saved report is invalid input, not a traceback ----------------------------

@pytest.mark.parametrize(("edit", "where"), [
    (lambda r: r["results"][0].update(status="bogus"), "report.results[0].status"),
    (lambda r: r["results"][1].update(message=5), "report.results[1].message"),
    (lambda r: r["results"][2].update(follow_up="maybe"), "report.results[2].follow_up"),
    (lambda r: r["summary"].update(heatmap="x"), "report.summary.heatmap"),
    (lambda r: r["scoring"].pop("priorities"), "report.scoring.priorities"),
    (lambda r: r["scoring"]["impact"].update(big="x"), "report.scoring.impact"),
    (lambda r: r["follow_up"]["resolved"][0].update(now="later"), "resolved[0].now"),
])
def test_a_malformed_report_names_what_is_wrong(saved: Path, edit, where: str) -> None:
    report = json.loads(saved.read_text())
    edit(report)
    saved.write_text(json.dumps(report))
    with pytest.raises(InputError) as caught:
        load_report(saved)
    assert where in caught.value.message and caught.value.file == str(saved)
    with pytest.raises(InputError):
        render_all(report, ["html"], RenderOptions(), discover(use_entry_points=False))


def test_report_command_on_a_malformed_report_exits_2_with_the_field(saved: Path) -> None:
    report = json.loads(saved.read_text())
    report["results"][3]["status"] = "skipped"
    saved.write_text(json.dumps(report))
    done = gitc("report", saved, "--format", "html")
    assert done.code == 2, done.output
    assert "report.results[3].status must be one of fail, pass" in done.stderr
    assert "Traceback" not in done.stderr and not (saved.parent / "report.html").exists()


# --- plugins ------------------------------------------------------------------------------

def test_entry_point_format_renders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    sample: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site", {"tsv": "fake_tsv:FORMAT"})))
    registry = discover()
    assert registry.names() == [*BUILTIN, "tsv"]
    assert parse_formats(["tsv"], registry) == ["json", "tsv"]
    assert parse_formats(["all"], registry) == [*BUILTIN, "tsv"]
    out = render_all(sample, ["json", "tsv"], RenderOptions(), registry)
    assert out["findings.tsv"] == b"fail\ts:fail\nfail\ts:open\naccepted\ts:accepted\n"
    assert registry.get("tsv").source == "entry point tsv (fake_tsv:FORMAT)"
    assert not registry.problems


def test_broken_format_plugins_are_reported_and_the_rest_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site", BAD_ENTRY_POINTS)))
    registry = discover()
    assert registry.names() == [*BUILTIN, "broken", "escape", "misnamed", "notaformat", "raises",
                                "text"]
    names = parse_formats(["all"], registry)
    assert names == [*BUILTIN, "raises", "text"]
    out = render_all(sample, names, RenderOptions(), registry)
    assert set(out) == {"report.json", "report.html", "report.csv",
                        "oscal-assessment-results.json", "junit.xml", "report.xlsx", "report.pdf"}
    assert b"other.html" not in out["report.html"] and out["report.json"]
    problems = {p.source.split()[2]: p.message for p in registry.problems}
    assert problems == {
        "all": "a format name is lower-case letters, digits, - and _ (and not 'all')",
        "html": "format name 'html' is already defined by html (built in); ignored",
        "broken": "load failed: ImportError: needs a library that is missing",
        "escape": "file name '../escape.txt' is not a plain file name",
        "misnamed": "declares format 'raises', not 'misnamed'",
        "notaformat": "defines no OutputFormat",
        "raises": "render failed: RuntimeError: the printer is on fire",
        "text": "render returned str, not bytes",
    }
    assert parse_formats(["broken", "csv"], registry) == ["json", "csv"]
    with pytest.raises(InputError, match="unknown --format 'docx'"):
        parse_formats(["docx"], registry)


def test_cli_renders_a_plugin_and_survives_a_broken_one(tmp_path: Path, saved: Path) -> None:
    site = _distribution(tmp_path / "site", {"tsv": "fake_tsv:FORMAT", **BAD_ENTRY_POINTS})
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    done = gitc("report", saved, "--format", "all", "--out", tmp_path / "out", env=env)
    assert done.code == 0, done.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["findings.tsv", "junit.xml", "oscal-assessment-results.json",
                       "report.csv", "report.html", "report.pdf", "report.xlsx"]
    assert "output format entry point broken (fake_broken:FORMAT): load failed: ImportError: " \
           "needs a library that is missing; that format is not written" in done.stderr
    assert "render failed: RuntimeError: the printer is on fire" in done.stderr
    assert "Traceback" not in done.stderr
    bad = gitc("report", saved, "--format", "docx", "--out", tmp_path / "o2", env=env)
    assert bad.code == 2 and "choose from json, html, csv, oscal, junit, xlsx, pdf, broken" \
        in bad.stderr


def test_a_json_only_run_does_not_import_jinja(saved: Path) -> None:
    code = (
        "import sys, json, pathlib\n"
        "from gitc_agent.report.formats import RenderOptions, parse_formats, render_all\n"
        f"report = json.loads(pathlib.Path({str(saved)!r}).read_text())\n"
        "out = render_all(report, parse_formats([]), RenderOptions())\n"
        "assert list(out) == ['report.json'], out.keys()\n"
        "assert 'jinja2' not in sys.modules, 'json only, yet Jinja2 was imported'\n"
        "render_all(report, parse_formats(['html']), RenderOptions())\n"
        "assert 'jinja2' in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr


def test_setup_cfg_declares_the_builtin_table() -> None:
    text = (ROOT / "setup.cfg").read_text()
    section = text.split("gitc_agent.formats =", 1)[1]
    declared = dict(re.findall(r"^\s+(\w+) = (\S+)$", section.split("\n\n")[0], re.MULTILINE))
    assert declared == BUILTIN
