"""Control-level findings: one per check and scope, with population, score and follow-up."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitc_agent.report import console, finding_followup, followup
from gitc_agent.report.finding_build import build_findings
from gitc_agent.report.findings import FindingStatus, findings_of, follow_up_rows
from gitc_agent.report.formats.junit import render_junit
from gitc_agent.report.view import ReportView
from tests.cli_run import gitc, latest_report


@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("findings") / "out"
    run = gitc("demo", "--lang", "en", "--out", out, "--quiet")
    assert run.code in (1, 3), run.output
    return latest_report(out)


def _by_check(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for f in report["findings"]:
        found.setdefault(f["check"], []).append(f)
    return found


def test_one_finding_per_check_and_scope_with_its_deviations(demo_report) -> None:
    results = {r["id"]: r for r in demo_report["results"]}
    by_check = _by_check(demo_report)
    # every result is the detail of exactly one finding of its own check
    owners: dict[str, str] = {}
    for f in demo_report["findings"]:
        for key, status in (("deviations", "fail"), ("accepted", "accepted"),
                            ("not_assessed", "error")):
            for rid in f[key]:
                assert results[rid]["status"] == status and results[rid]["check"] == f["check"]
                assert rid not in owners
                owners[rid] = f["id"]
    expected = {r["id"] for r in demo_report["results"] if r["status"] in ("fail", "accepted", "error")}
    assert set(owners) == expected
    # the Windows hosts are one scope per check, with the host count as its label
    [patch] = by_check["windows.patch.missing_updates"]
    assert patch["scope"] == "hosts:windows.host_state" and patch["scope_label"] == "4 Windows hosts"
    assert patch["counts"]["not_assessed"] == 1 and patch["population"]["completeness"] == "partial"
    # a domain check has the coverage record's population
    [members] = by_check["ad.privileged.unapproved_member"]
    record = next(c for c in demo_report["coverage"] if c["check"] == "ad.privileged.unapproved_member")
    assert members["scope"] == record["target"]
    assert members["population"]["count"] == record["subjects"] > len(members["deviations"]) > 0
    assert members["population"]["what"] == "memberships" and members["status"] == "finding"
    # every deviation of an accepted-only finding is covered by a valid exception
    [sod] = by_check["datafix.sod.execute_and_review"]
    assert sod["status"] == "accepted" and not sod["deviations"] and sod["accepted"]


def test_finding_ids_are_stable_and_never_a_result_id(demo_report, tmp_path: Path) -> None:
    run = gitc("demo", "--lang", "en", "--out", tmp_path / "again", "--quiet")
    assert run.code in (1, 3)
    again = latest_report(tmp_path / "again")
    assert [f["id"] for f in again["findings"]] == [f["id"] for f in demo_report["findings"]]
    assert not {f["id"] for f in demo_report["findings"]} & {r["id"] for r in demo_report["results"]}


def test_summary_and_heatmap_count_findings_not_subjects(demo_report) -> None:
    summary = demo_report["summary"]["findings"]
    reported = [f for f in demo_report["findings"] if f["status"] in ("finding", "accepted")]
    assert sum(c["findings"] + c["accepted"] for c in summary["heatmap"]) == len(reported)
    assert sum(summary["priority"].values()) == summary["status"]["finding"]
    # the demo's results outnumber its findings: the heatmap no longer counts subjects
    assert demo_report["summary"]["status"]["fail"] > summary["status"]["finding"]
    for f in reported:
        cell = next(c for c in summary["heatmap"]
                    if (c["likelihood"], c["impact"]) == (f["likelihood"], f["impact"]))
        assert cell["priority"] == f["priority"]


def _scored(report: dict[str, Any], check: str, **kw: Any) -> Any:
    view = ReportView.of(report)
    return next(f for f in build_findings(view, **kw) if f.check == check)


def test_scoring_raise_worst_and_check(demo_report) -> None:
    check = "ad.privileged.unapproved_member"
    worst = max((r for r in demo_report["results"] if r["check"] == check and r["status"] == "fail"),
                key=lambda r: (r["likelihood"], r["impact"]))
    low, high = (1, 1), (5, 5)
    raised = _scored(demo_report, check, defaults={check: low})
    assert (raised.likelihood, raised.impact) == (worst["likelihood"], worst["impact"])
    kept = _scored(demo_report, check, defaults={check: high})
    assert (kept.likelihood, kept.impact, kept.scoring) == (5, 5, "raise")
    fixed = _scored(demo_report, check, defaults={check: low}, methods={check: "check"})
    assert (fixed.likelihood, fixed.impact) == low and fixed.priority is not None
    as_worst = _scored(demo_report, check, defaults={check: high}, methods={check: "worst"})
    assert (as_worst.likelihood, as_worst.impact) == (worst["likelihood"], worst["impact"])


def test_a_report_without_findings_gets_them_derived(demo_report) -> None:
    old = copy.deepcopy(demo_report)
    del old["findings"]
    derived = {f.id: f for f in findings_of(old)}
    for f in demo_report["findings"]:
        assert derived[f["id"]].status.value == f["status"]
        assert [r.id for r in derived[f["id"]].deviations] == f["deviations"]


def _follow(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, dict[str, Any]]:
    _labels, rows = finding_followup.compare(previous, current["findings"])
    return {row["check"]: row for row in rows}


def test_follow_up_per_finding(demo_report) -> None:
    previous = copy.deepcopy(demo_report)
    current = copy.deepcopy(demo_report)
    results = {r["id"]: r for r in current["results"]}
    by_check = {f["check"]: f for f in current["findings"]}
    # partly resolved: one deviation fewer on a complete scope
    members = by_check["ad.privileged.unapproved_member"]
    gone = members["deviations"].pop()
    members["counts"]["deviations"] -= 1
    # resolved: no deviation left, the scope complete
    dormant = by_check["ad.accounts.dormant"]
    dormant.update(status="no_finding", deviations=[], priority=None,
                   counts={**dormant["counts"], "deviations": 0})
    # not re-assessed: the check is not in this run at all
    current["findings"] = [f for f in current["findings"]
                           if f["check"] != "ad.password.min_length"]
    rows = _follow(previous, current)
    assert rows["ad.privileged.unapproved_member"]["status"] == "partly_resolved"
    assert (rows["ad.privileged.unapproved_member"]["deviations_then"],
            rows["ad.privileged.unapproved_member"]["deviations_now"]) == (
        len(members["deviations"]) + 1, len(members["deviations"]))
    assert rows["ad.accounts.dormant"]["status"] == "resolved"
    assert rows["ad.password.min_length"]["status"] == "not_reassessed"
    assert rows["ad.password.min_length"]["priority_now"] is None
    assert rows["datafix.sod.execute_and_review"]["status"] == "risk_accepted"
    assert rows["windows.patch.kev_overdue"]["status"] == "not_resolved"
    # fewer deviations on a partly read scope is not "partly resolved"
    patch = next(f for f in current["findings"] if f["check"] == "windows.patch.update_age")
    patch["counts"]["deviations"] = 0
    patch["population"]["completeness"] = "partial"
    patch["status"] = "no_finding"
    assert _follow(previous, current)["windows.patch.update_age"]["status"] == "not_reassessed"
    assert results[gone]["status"] == "fail"


def test_evaluate_twice_writes_the_follow_up_and_the_trend(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for _ in range(2):
        assert gitc("demo", "--lang", "en", "--out", out, "--quiet", "--format", "html").code in (1, 3)
    report = latest_report(out)
    rows = follow_up_rows(report)
    assert rows and all(row.status.value in ("not_resolved", "risk_accepted") for row in rows)
    assert len(report["trend"]) == 2
    assert report["trend"][0]["priority"] == report["summary"]["findings"]["priority"]
    page = (out / "latest" / "report.html").read_text()
    assert '<section id="trend">' in page and "<svg" in page and "<script" not in page
    assert 'id="finding-follow-up-table"' in page
    diff = gitc("diff", out / "latest" / "report.json", out / "latest" / "report.json")
    assert diff.code == 0 and "not_resolved    ad.privileged.unapproved_member" in diff.stdout


def test_fail_on_is_judged_on_findings(demo_report, tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    from gitc_agent import demo

    name = "ad.password_policy@corp.vbz.example.json"
    (evidence / name).write_bytes((demo.evidence_dir() / name).read_bytes())
    base = ("evaluate", "--policy", "adr-gitc", "--evidence", evidence, "--as-of", "2026-11-16",
            "--quiet")
    run = gitc(*base, "--out", tmp_path / "a", "--fail-on", "hoog")
    report = latest_report(tmp_path / "a")
    highest = {f["priority"] for f in report["findings"] if f["status"] == "finding"}
    assert run.code == (1 if highest & {"hoog", "zeer-hoog"} else 0), run.output
    assert gitc(*base, "--out", tmp_path / "b", "--fail-on", "none").code == 0


def test_junit_has_one_case_per_finding(demo_report) -> None:
    import xml.etree.ElementTree as ET

    root = ET.fromstring(render_junit(demo_report))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(demo_report["findings"])
    statuses = demo_report["summary"]["findings"]["status"]
    assert len(root.findall("./testsuite/testcase/failure")) == statuses["finding"]
    assert len(root.findall("./testsuite/testcase/skipped")) == statuses["accepted"]
    failure = next(c for c in cases if c.get("classname") == "ad.privileged.unapproved_member")
    assert "memberships deviate" in failure.find("failure").get("message")


# --- the console at 80 columns and in a pipe ----------------------------------------------

def _terminal(report: dict[str, Any], **kw: Any) -> str:
    buffer = io.StringIO()
    out = Console(file=buffer, width=80, force_terminal=True, color_system=None)
    console.render(report, out, "run/report.json", **kw)
    return buffer.getvalue()


def test_console_on_an_80_column_terminal_wraps_instead_of_dropping(demo_report) -> None:
    previous = copy.deepcopy(demo_report)
    current = copy.deepcopy(demo_report)
    followup.apply(current, previous, "0" * 64, "../earlier/report.json")
    text = _terminal(current)
    assert "…" not in text  # nothing is cut with an ellipsis: labels and ids stay whole
    assert "Scope" in text and "Deviations" in text  # the follow-up keeps its columns
    assert "partly_resolved" in text or "not_resolved" in text
    assert all(len(line) <= 80 for line in text.splitlines())
    for label in ("zeer groot", "gemiddeld", "zeer klein"):
        assert label in text  # the heatmap's row labels, whole
    assert "Impact: 1 zeer licht" in text
    detail = _terminal(current, show_details=True)
    assert "Follow-up per subject (" not in text  # the table: with --details only
    table = detail[detail.index("Follow-up per subject ("):]
    assert "Subject" in table and "person:employee:" in table  # the subject column is kept
    assert all(len(line) <= 80 for line in detail.splitlines())


def test_console_in_a_pipe_prints_whole_lines(demo_report) -> None:
    buffer = io.StringIO()
    console.render(demo_report, Console(file=buffer, width=40, color_system=None), None,
                   show_details=True)
    lines = buffer.getvalue().splitlines()
    for r in demo_report["results"]:
        if r["status"] in ("fail", "accepted", "error"):
            assert any(r["subject"] in line for line in lines), r["subject"]
    for f in demo_report["findings"]:
        if f["status"] in ("finding", "accepted"):
            assert any(f["check"] in line and f["scope_label"] in line for line in lines)
    assert any(line.startswith("== Management summary") for line in lines)


def test_heatmap_toggle_counts_subjects(demo_report) -> None:
    buffer = io.StringIO()
    console.render(demo_report, Console(file=buffer, width=200, color_system=None), None,
                   heatmap_of="subjects")
    text = buffer.getvalue()
    assert "Heatmap of subjects" in text
    cell = max(demo_report["summary"]["heatmap"], key=lambda c: c["findings"])
    line = next(x for x in text.splitlines() if x.startswith(f"  likelihood {cell['likelihood']} "))
    assert f"impact {cell['impact']}: {cell['findings']}" in line


def test_checks_list_in_a_pipe_is_one_line_per_check() -> None:
    run = gitc("checks", "list")
    ids = [line.split()[0] for line in run.stdout.splitlines()
           if line.startswith("ad.privileged.")]
    assert "ad.privileged.unapproved_member" in ids and "ad.privileged.review_overdue" in ids


def test_report_json_findings_parse_back(demo_report) -> None:
    found = findings_of(json.loads(json.dumps(demo_report)))
    assert {f.status for f in found} >= {FindingStatus.FINDING, FindingStatus.ACCEPTED}
    assert all(f.headline() for f in found)


def test_policy_finding_scoring_is_read_and_checked(tmp_path: Path) -> None:
    from gitc_agent import demo
    from gitc_agent.core.policy import load_policy
    from gitc_agent.core.registry import discover
    from gitc_agent.report.finding_build import defaults_of

    text = demo.policy_path().read_text()
    marker = "  ad.privileged.unapproved_member:\n"
    assert marker in text
    good = tmp_path / "good.yaml"
    good.write_text(text.replace(marker, marker + "    finding_scoring: worst\n", 1))
    policy = load_policy(str(good), discover(use_entry_points=False))
    assert defaults_of(policy)[1] == {"ad.privileged.unapproved_member": "worst"}
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(marker, marker + "    finding_scoring: average\n", 1))
    run = gitc("policy", "validate", bad)
    assert run.code == 2 and "finding_scoring" in run.output and "bad.yaml" in run.output


def test_report_json_has_one_result_per_line_and_round_trips(demo_report) -> None:
    from gitc_agent.run.output import report_bytes

    data = report_bytes(demo_report)
    assert json.loads(data) == demo_report
    lines = data.decode().splitlines()
    for r in demo_report["results"][:20]:
        assert sum(f'"id": "{r["id"]}"' in line and r["check"] in line for line in lines) == 1
