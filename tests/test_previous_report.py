"""The lean reader of a previous report (report/previous_report.py): the same follow-up as the
whole load, on the demo and on a chain of three runs, and the same refusal of bad files."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.errors import InputError
from gitc_agent.report import followup
from gitc_agent.report.followup import load_report
from gitc_agent.report.previous_report import load_previous, read_previous
from gitc_agent.run.output import report_bytes
from tests.cli_run import gitc

AD_FILE = "ad.password_policy@corp.vbz.example.json"
FINDING = ("fail", "accepted")


def _evaluate(evidence: Path, out: Path) -> Path:
    run = gitc("evaluate", "--lang", "en", "--policy", "adr-gitc", "--evidence", evidence,
               "--out", out, "--as-of", "2026-11-16", "--quiet")
    assert run.code in (1, 3), run.output
    return (out / "latest").resolve() / "report.json"


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Three runs into one folder: the demo; one finding fixed and one new; then the AD export
    gone, so the second run's AD findings are carried as not re-assessed."""
    base = tmp_path_factory.mktemp("chain")
    out = base / "out"
    ev = base / "ev"
    shutil.copytree(demo.evidence_dir(), ev)
    first = _evaluate(ev, out)
    doc = json.loads((ev / AD_FILE).read_text())
    doc["data"]["domain"]["history"] = 5  # a new finding
    doc["data"]["psos"] = [p for p in doc["data"]["psos"] if p["name"] != "PSO-Test-Migratie"]
    (ev / AD_FILE).write_text(json.dumps(doc, indent=2))
    second = _evaluate(ev, out)
    (ev / AD_FILE).unlink()
    third = _evaluate(ev, out)
    return [first, second, third]


def _follow(current: Path, previous: tuple[dict[str, Any], str]) -> dict[str, Any]:
    report = json.loads(current.read_text())
    followup.apply(report, copy.deepcopy(previous[0]), previous[1], "prev/report.json")
    return report


def test_lean_reads_only_the_findings_and_hashes_the_bytes(chain: list[Path]) -> None:
    for path in chain:
        whole, whole_sha = load_report(path)
        lean, lean_sha, was_lean = read_previous(path)
        assert was_lean and lean_sha == whole_sha == hashlib.sha256(path.read_bytes()).hexdigest()
        findings = [r for r in whole["results"] if r["status"] in FINDING]
        assert findings and len(whole["results"]) > len(findings)
        assert [r["id"] for r in lean["results"]] == [r["id"] for r in findings]
        assert all(set(r) == {"id", "check", "title", "subject", "status", "priority",
                              "evidence"} for r in lean["results"])
        for key in ("run", "findings", "follow_up", "trend", "summary", "coverage"):
            assert lean[key] == whole[key], key


@pytest.mark.parametrize("pair", [(0, 1), (1, 2), (2, 0), (0, 0)])
def test_same_follow_up_as_the_whole_load(chain: list[Path], pair: tuple[int, int]) -> None:
    previous, current = chain[pair[0]], chain[pair[1]]
    lean = _follow(current, load_previous(previous))
    whole = _follow(current, load_report(previous))
    assert lean == whole
    assert lean["follow_up"]["counts"] is not None


def test_the_chain_carries_what_was_not_reassessed(chain: list[Path]) -> None:
    third = json.loads(chain[2].read_text())
    carried = third["follow_up"]["not_reassessed"]
    assert carried and all(r["check"].startswith("ad.password") for r in carried)
    again = _follow(chain[0], load_previous(chain[2]))  # carried on: still open or resolved now
    ids = {r["id"] for r in carried}
    labels = {r["id"]: r["follow_up"] for r in again["results"] if r["id"] in ids}
    assert labels and set(labels.values()) <= {"open", "accepted", "resolved"}
    assert again == _follow(chain[0], load_report(chain[2]))
    assert len(third["trend"]) == 3 and again["trend"][:3] == third["trend"]


@pytest.mark.parametrize("layout", ["indented", "compact"])
def test_another_layout_is_read_whole(tmp_path: Path, chain: list[Path], layout: str) -> None:
    report = json.loads(chain[1].read_text())
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report, indent=2 if layout == "indented" else None))
    lean, sha, was_lean = read_previous(path)
    assert lean == report and sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert not was_lean  # read whole: the CLI does not keep it from --previous until follow-up


def test_nesting_within_the_limit_is_read_lean(tmp_path: Path, chain: list[Path]) -> None:
    """A result nested 94 deep (the limit is 100 from the document) is valid: still lean."""
    path = tmp_path / "report.json"
    path.write_text("".join(_edit_result(_lines(chain), lambda r: json.dumps(r)[:-1]
                                         + ', "x": ' + _nested(90) + "}")))
    whole, sha = load_report(path)
    lean, lean_sha = load_previous(path)
    assert lean_sha == sha and len(lean["results"]) < len(whole["results"])


# --- Bad files: refused as the whole load refuses them ------------------------------------------

def _lines(chain: list[Path]) -> list[str]:
    return chain[1].read_text().splitlines(keepends=True)


def _first_result(lines: list[str]) -> int:
    return next(i for i, line in enumerate(lines) if line.startswith('    {"id": '))


def _edit_result(lines: list[str], edit) -> list[str]:
    i = next(i for i, line in enumerate(lines) if line.startswith('    {"id": ')
             and '"status": "pass"' in line)
    body = lines[i].rstrip("\n")
    comma = body.endswith(",")
    item = json.loads(body[4:-1] if comma else body[4:])
    text = edit(item)
    lines[i] = "    " + text + ("," if comma else "") + "\n"
    return lines


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


CASES = {
    "truncated": lambda lines: lines[: len(lines) // 2],
    "truncated-mid-line": lambda lines: [*lines[:_first_result(lines) + 2],
                                         lines[_first_result(lines) + 2][:40]],
    "wrong-schema": lambda lines: [line.replace('"gitc-agent/report/v1"', '"other/v9"')
                                   for line in lines],
    "result-without-id": lambda lines: _edit_result(lines, lambda r: json.dumps(
        {k: v for k, v in r.items() if k != "id"})),
    "passing-result-bad-priority": lambda lines: _edit_result(lines, lambda r: json.dumps(
        {**r, "priority": "no-such-band"})),
    "passing-result-bad-status": lambda lines: _edit_result(lines, lambda r: json.dumps(
        {**r, "status": "great"})),
    "nested-99-in-a-result": lambda lines: _edit_result(lines, lambda r: json.dumps(
        r)[:-1] + ', "x": ' + _nested(99) + "}"),
    "nested-100000-in-a-result": lambda lines: _edit_result(lines, lambda r: json.dumps(
        r)[:-1] + ', "x": ' + _nested(100_000) + "}"),
    "surrogate-in-a-result": lambda lines: _edit_result(lines, lambda r: json.dumps(
        r)[:-1] + ', "x": "\\ud800"}'),
    "missing-comma": lambda lines: [line.replace("}},\n", "}}\n", 1) if line.startswith("    {")
                                    else line for line in lines],
    "text-after-the-end": lambda lines: [*lines, "{}\n"],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_report_refused_like_the_whole_load(tmp_path: Path, chain: list[Path],
                                                case: str) -> None:
    path = tmp_path / "report.json"
    path.write_text("".join(CASES[case](_lines(chain))))
    with pytest.raises(InputError) as whole:
        load_report(path)
    with pytest.raises(InputError) as lean:
        load_previous(path)
    assert str(lean.value) == str(whole.value)
    assert lean.value.file == str(path)


@pytest.mark.parametrize("section", ["summary", "run", "follow_up", "scoring", "trend"])
def test_section_of_the_wrong_type(tmp_path: Path, chain: list[Path], section: str) -> None:
    """Written in report.json's own layout (so read line by line up to it): a section that is
    not what follow-up reads gives the whole load's answer, the same error or the same
    follow-up."""
    report = json.loads(chain[2].read_text())
    report[section] = ["not", "an", "object"]
    path = tmp_path / "report.json"
    path.write_bytes(report_bytes(report))
    try:
        whole = load_report(path)
    except InputError as exc:
        with pytest.raises(InputError) as lean:
            load_previous(path)
        assert str(lean.value) == str(exc)
    else:
        assert _follow(chain[0], load_previous(path)) == _follow(chain[0], whole)


FINDINGS_EDITS = {
    "not-an-object": lambda f: "x",
    "counts-not-an-object": lambda f: {**f, "counts": "bad"},
    "no-id": lambda f: {k: v for k, v in f.items() if k != "id"},
    "deviations-not-a-number": lambda f: {**f, "counts": {"deviations": "many"}},
    "unknown-status": lambda f: {**f, "status": "fine"},
}


@pytest.mark.parametrize("case", sorted(FINDINGS_EDITS))
def test_a_hand_edited_finding_is_invalid_input_in_both_loaders(tmp_path: Path, chain: list[Path],
                                                                case: str) -> None:
    """What follow-up reads of the earlier findings is checked when the report is loaded: before,
    each of these ended the second run in a traceback."""
    report = json.loads(chain[2].read_text())
    report["findings"][0] = FINDINGS_EDITS[case](report["findings"][0])
    path = tmp_path / "report.json"
    path.write_bytes(report_bytes(report))
    with pytest.raises(InputError, match=r"report\.findings\[0\]") as whole:
        load_report(path)
    with pytest.raises(InputError) as lean:
        load_previous(path)
    assert str(lean.value) == str(whole.value) and whole.value.file == str(path)


def test_fifo_refused_without_waiting(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    os.mkfifo(path)
    with pytest.raises(InputError, match="FIFO"):
        load_previous(path)


def test_cli_previous_deeply_nested_result_is_exit_2(tmp_path: Path, chain: list[Path]) -> None:
    path = tmp_path / "report.json"
    path.write_text("".join(CASES["nested-100000-in-a-result"](_lines(chain))))
    out = tmp_path / "out"
    run = gitc("evaluate", "--policy", "adr-gitc", "--evidence", demo.evidence_dir(),
               "--out", out, "--previous", path, "--quiet")
    assert "Traceback" not in run.output, run.output
    assert run.code == 2 and str(path) in run.stderr, run.output
    assert not out.exists() or not [p for p in out.rglob("*") if p.name != ".gitc-agent.lock"]
