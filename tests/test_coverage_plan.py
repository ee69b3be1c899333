"""The collection plan and the coverage record: evidence planned but missing is `error`, and every
check says per target what it tested and whether that was complete (issue 12, defect 9)."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitc_agent import demo
from gitc_agent.core.evidence import load_evidence
from gitc_agent.core.plan import PLAN_FILE, PLAN_SCHEMA, load_plan
from gitc_agent.errors import InputError
from gitc_agent.report import console
from gitc_agent.report.view import ReportView
from tests.cli_run import gitc, latest_report

DEMO_HOSTS = ("app02", "dc01", "file03", "ws-fin-014")
WINDOWS_CHECKS = {"windows.patch.update_age", "windows.patch.missing_updates",
                  "windows.patch.kev_overdue", "windows.patch.reboot_pending",
                  "windows.password.local_min_length", "windows.monitoring.agent_running"}
HOST_ADVISORY_CHECKS = {"vuln.advisory.remediation_overdue", "vuln.advisory.undecidable",
                        "vuln.process.ticket_per_advisory"}


def _host_file(name: str) -> str:
    return f"windows.host_state@{name}.corp.vbz.example.json"


def _demo_copy(folder: Path) -> Path:
    shutil.copytree(demo.evidence_dir(), folder)
    return folder


def _evaluate(evidence: Path, out: Path) -> tuple[int, dict[str, Any], str]:
    run = gitc("evaluate", "--lang", "en", "--evidence", evidence, "--out", out, "--as-of", "2026-11-16",
               "--policy", demo.policy_path(), "--format", "html")
    assert run.code in (0, 1, 3), run.output
    return run.code, latest_report(out), run.stdout


def _coverage(report: dict[str, Any], check: str, target: str) -> dict[str, Any]:
    return next(c for c in report["coverage"] if c["check"] == check and c["target"] == target)


def test_the_demo_evidence_carries_a_plan_that_is_not_evidence() -> None:
    plan = load_plan(demo.evidence_dir())
    assert plan is not None
    evidence, files = load_evidence(demo.evidence_dir())
    assert PLAN_FILE not in {f["file"] for f in files}
    assert plan.targets == {(d.kind, d.target) for d in evidence}
    assert json.loads((demo.evidence_dir() / PLAN_FILE).read_text())["schema"] == PLAN_SCHEMA


def test_a_deleted_host_file_is_an_error_for_that_host(tmp_path: Path) -> None:
    evidence = _demo_copy(tmp_path / "ev")
    (evidence / _host_file("dc01")).unlink()
    code, report, _ = _evaluate(evidence, tmp_path / "out")
    assert code == 3 and not report["summary"]["complete"]
    host = "dc01.corp.vbz.example"
    lost = [r for r in report["results"] if r["evidence"].get("planned_target") == host]
    # the advisory checks match this host's software too, so they lose it as well
    assert {r["check"] for r in lost} == WINDOWS_CHECKS | HOST_ADVISORY_CHECKS
    assert all(r["status"] == "error" and r["evidence"]["target"] == host
               and "missing from the evidence" in r["message"] for r in lost)
    not_assessed = {(n["check"], n["subject"]) for n in report["summary"]["not_assessed"]}
    assert {(r["check"], r["subject"]) for r in lost} <= not_assessed
    for check in WINDOWS_CHECKS:
        record = _coverage(report, check, host)
        assert record["completeness"] == "none" and record["plan"] == "planned"
        assert record["subjects"] == 0
        assert not [s for s in record["sources"] if s["kind"] == "windows.host_state"]
    assert _coverage(report, "windows.patch.reboot_pending",
                     "app02.corp.vbz.example")["completeness"] == "complete"


def test_deleting_the_one_unassessed_host_does_not_make_the_run_complete(tmp_path: Path) -> None:
    """Without a plan this run was complete (exit 1): the host that could not be read vanished."""
    evidence = _demo_copy(tmp_path / "ev")
    (evidence / _host_file("file03")).unlink()
    code, report, _ = _evaluate(evidence, tmp_path / "out")
    assert code == 3
    assert any(r["evidence"].get("planned_target") == "file03.corp.vbz.example"
               for r in report["results"] if r["status"] == "error")
    assert report["run"]["plan"]["sha256"] == load_plan(demo.evidence_dir()).sha256


def test_a_deleted_feed_leaves_every_host_of_its_check_unassessed(tmp_path: Path) -> None:
    evidence = _demo_copy(tmp_path / "ev")
    (evidence / "feed.cve_fix_map@cve-fix-map.json").unlink()
    code, report, _ = _evaluate(evidence, tmp_path / "out")
    assert code == 3
    kev = [r for r in report["results"] if r["check"] == "windows.patch.kev_overdue"]
    assert kev and all(r["status"] == "error" for r in kev)
    for name in DEMO_HOSTS:
        record = _coverage(report, "windows.patch.kev_overdue", f"{name}.corp.vbz.example")
        assert record["completeness"] == "none"


def test_without_a_plan_evidence_still_evaluates_and_says_the_plan_is_unknown(
        tmp_path: Path) -> None:
    evidence = _demo_copy(tmp_path / "ev")
    (evidence / PLAN_FILE).unlink()
    (evidence / _host_file("file03")).unlink()
    (evidence / _host_file("ws-fin-014")).unlink()  # its undecidable NCSC advisory is an error too
    code, report, stdout = _evaluate(evidence, tmp_path / "out")
    assert code == 1  # hand-made evidence keeps working ...
    assert report["run"]["plan"] is None  # ... but nobody can say the population was complete
    assert report["coverage"] and {c["plan"] for c in report["coverage"]} == {"unknown"}
    assert "plan: unknown" in stdout
    html = (tmp_path / "out" / "latest" / "report.html").read_text()
    assert "the evidence has no collection plan" in html
    assert not (tmp_path / "out" / "latest" / "evidence" / PLAN_FILE).exists()


def test_a_malformed_plan_is_invalid_input(tmp_path: Path) -> None:
    evidence = _demo_copy(tmp_path / "ev")
    (evidence / PLAN_FILE).write_text(json.dumps({"schema": PLAN_SCHEMA, "kinds": "x"}))
    with pytest.raises(InputError, match="kinds"):
        load_plan(evidence)
    run = gitc("evaluate", "--lang", "en", "--evidence", evidence, "--out", tmp_path / "out",
               "--policy", "adr-gitc")
    assert run.code == 2 and PLAN_FILE in run.stderr


def test_the_demo_coverage_record(tmp_path: Path) -> None:
    run = gitc("demo", "--lang", "en", "--out", tmp_path / "out", "--format", "html", "--details")
    assert run.code == 3, run.output
    report = latest_report(tmp_path / "out")
    checks = [c["check"] for c in report["coverage"]]
    policy_checks = list(dict.fromkeys(r["check"] for r in report["results"]))
    assert set(checks) == set(policy_checks)
    accounts = _coverage(report, "ad.accounts.dormant", "DC=corp,DC=vbz,DC=example")
    assert accounts["completeness"] == "complete" and accounts["plan"] == "planned"
    assert accounts["subjects"] == sum(accounts["results"].values())
    assert accounts["population"]["ad.accounts"]["users"] > 0
    source = accounts["sources"][0]
    assert source["server"].startswith("ldaps://") and source["base_dn"]
    shas = {f["file"]: f["sha256"] for f in report["run"]["evidence"]}
    assert source["sha256"] == shas[source["evidence_file"]]
    tickets = _coverage(report, "datafix.ticket.review", "corp.vbz.example")
    assert tickets["population"]["datafix.register"]["read"] > 0
    assert {s["kind"] for s in tickets["sources"]} >= {"datafix.register"}
    denied = _coverage(report, "windows.patch.missing_updates", "file03.corp.vbz.example")
    assert denied["completeness"] == "none" and denied["reasons"]
    partial = _coverage(report, "windows.patch.reboot_pending", "file03.corp.vbz.example")
    assert partial["completeness"] == "partial"  # its evidence has an error, though not this part
    assert "Coverage: what was tested" in run.stdout
    assert any(line.startswith("none") and "windows.patch.missing_updates" in line
               for line in run.stdout.splitlines())
    html = (tmp_path / "out" / "latest" / "report.html").read_text()
    assert 'id="coverage-table"' in html and 'class="cov-none"' in html
    manifest = json.loads((tmp_path / "out" / "latest" / "manifest.json").read_text())
    assert f"evidence/{PLAN_FILE}" in manifest["files"]
    assert gitc("verify", tmp_path / "out" / "latest").code == 0


def test_collect_writes_the_plan_and_evaluate_holds_the_evidence_to_it(tmp_path: Path) -> None:
    config = tmp_path / "gitc-agent.yaml"
    config.write_text("winrm:\n  transport: kerberos\n  hosts:\n"
                      "    - {name: ws01.corp.example, address: 127.0.0.1, port: 9}\n"
                      "    - {name: ws02.corp.example, address: 127.0.0.1, port: 9}\n")
    evidence = tmp_path / "ev"
    run = gitc("collect", "--config", config, "--out", evidence,
               env={"KRB5CCNAME": str(tmp_path / "no-cache")})
    assert run.code == 3, run.output  # neither host can be read here
    plan = load_plan(evidence)
    assert plan is not None and plan.targets == {("windows.host_state", "ws01.corp.example"),
                                                 ("windows.host_state", "ws02.corp.example")}
    (evidence / "windows.host_state@ws02.corp.example.json").unlink()
    run = gitc("evaluate", "--lang", "en", "--evidence", evidence, "--out", tmp_path / "out",
               "--policy", "adr-gitc")
    assert run.code == 3, run.output
    report = latest_report(tmp_path / "out")
    lost = [r for r in report["results"] if r["evidence"].get("planned_target")]
    assert lost and {r["evidence"]["target"] for r in lost} == {"ws02.corp.example"}
    assert (tmp_path / "out" / "latest" / "evidence" / PLAN_FILE).read_bytes() == \
        (evidence / PLAN_FILE).read_bytes()


def test_the_console_shows_one_coverage_line_per_check(tmp_path: Path) -> None:
    run = gitc("demo", "--lang", "en", "--out", tmp_path / "out", "--quiet")
    report = latest_report(tmp_path / "out")
    buffer = io.StringIO()
    console.render(report, Console(file=buffer, width=400, color_system=None), show_details=True)
    block = buffer.getvalue().split("Coverage: what was tested", 1)[1].splitlines()[1:]
    checks = list(dict.fromkeys(c["check"] for c in report["coverage"]))
    lines = [line for line in block if line.split()[:2] and line.split()[1] in checks]
    assert [line.split()[1] for line in lines] == checks
    kev = next(line for line in lines if " windows.patch.kev_overdue " in line)
    assert "on 4 targets" in kev and run.code == 3


@pytest.mark.parametrize(("edit", "where"), [
    (lambda c: c.update(completeness="mostly"), "report.coverage[0].completeness"),
    (lambda c: c.update(subjects="5"), "report.coverage[0].subjects"),
    (lambda c: c["population"].update(x={"rows": "many"}), "report.coverage[0].population.x"),
])
def test_a_malformed_coverage_record_names_what_is_wrong(tmp_path: Path, edit, where) -> None:
    gitc("demo", "--lang", "en", "--out", tmp_path / "out", "--quiet")
    report = latest_report(tmp_path / "out")
    assert ReportView.of(report).coverage[0].check == report["coverage"][0]["check"]
    edit(report["coverage"][0])
    with pytest.raises(InputError, match=where.replace(".", r"\.").replace("[", r"\[")):
        ReportView.of(report)
