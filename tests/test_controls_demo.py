"""The demo's control log shows the audited pattern, and a real scan of a control-log export
gives the same verdicts end to end (collect, evaluate offline, a deleted evidence file)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import yaml

from gitc_agent import demo
from gitc_agent.cli import main
from tests.cli_run import gitc, latest_report
from tests.controls_exports import CLOSING_DAYS, demo_csv, demo_document, write_config

DEMO_FILE = demo.evidence_dir() / "controls.register@corp.vbz.example.json"
BEFORE, AFTER, PERIOD_8 = ("IC-01", "IC-02"), ("IC-03", "IC-04"), ("IC-08", "IC-09")


def test_demo_evidence_is_the_collected_demo_export(tmp_path: Path) -> None:
    """Regenerate with `python3 -m tests.controls_exports` when the generator changes."""
    shipped = json.loads(DEMO_FILE.read_text())
    fresh = demo_document(tmp_path)
    assert fresh["data"] == shipped["data"]
    policy = yaml.safe_load(demo.policy_path().read_text())
    assert policy["shared"]["control_closing_days"] == CLOSING_DAYS


def _governance(report: dict) -> dict[tuple[str, str], str]:
    return {(r["check"].rsplit(".", 1)[1], r["subject"]): r["status"]
            for r in report["results"] if r["check"].startswith("governance.control.")}


def test_demo_shows_the_audited_pattern(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 3  # file03, as before
    got = _governance(json.loads(next(tmp_path.rglob("report.json")).read_text()))
    assert not [k for k, v in got.items() if v == "error"]
    for month in range(1, 11):
        period = f"2026-{month:02d}"
        for control in BEFORE:  # recorded late, except in August
            expected = "pass" if month == 8 else "fail"
            assert got[("recorded_late", f"control:{control}@{period}")] == expected
            assert got[("executed_late", f"control:{control}@{period}")] == "pass"
        for control in AFTER:  # executed on time, recorded late
            assert got[("not_executed", f"control:{control}@{period}")] == "pass"
            assert got[("executed_late", f"control:{control}@{period}")] == "pass"
            assert got[("recorded_late", f"control:{control}@{period}")] == "fail"
    for control in PERIOD_8:  # not executed
        assert got[("not_executed", f"control:{control}@2026-08")] == "fail"
    # not yet due on 16 November: not_applicable, never pass
    for subject in ("control:IC-01@2026-11", "control:IC-03@2026-11", "control:IC-12@2026-12",
                    "control:IC-20@2026"):
        assert got[("not_executed", subject)] == "not_applicable"
    assert {k[1] for k, v in got.items() if k[0] == "no_review" and v == "fail"} == {
        "control:IC-01@2026-03", "control:IC-01@2026-06"}


def _config(tmp_path: Path) -> Path:
    return write_config(tmp_path, demo_csv(), timezone="Europe/Amsterdam")


def _own_policy(tmp_path: Path) -> Path:
    """The demo policy with only these checks, so other areas' checks cannot move the exit."""
    policy = yaml.safe_load(demo.policy_path().read_text())
    policy["checks"] = {k: v for k, v in policy["checks"].items()
                        if k.startswith("governance.control.")}
    policy["shared"] = {k: v for k, v in policy["shared"].items() if k.startswith("control_")}
    policy["exceptions"] = []
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, default=str))
    return path


def test_scan_collect_and_offline_evaluate_agree(tmp_path: Path) -> None:
    config, policy = _config(tmp_path), _own_policy(tmp_path)
    # a scan judges the export at the time it reads it (today), not at the demo's date
    scan = gitc("scan", "--policy", policy, "--config", config, "--out", tmp_path / "scan",
                "--quiet")
    assert scan.code == 1, scan.output  # findings, complete for what was collected
    scanned = _governance(latest_report(tmp_path / "scan"))
    assert scanned[("recorded_late", "control:IC-01@2026-03")] == "fail"
    assert scanned[("recorded_late", "control:IC-01@2026-08")] == "pass"
    assert not [k for k, v in scanned.items() if v == "error"]
    assert gitc("collect", "--config", config, "--out", tmp_path / "ev").code == 0
    offline = gitc("evaluate", "--policy", policy, "--evidence", tmp_path / "ev", "--out",
                   tmp_path / "eval", "--quiet")
    assert offline.code == 1, offline.output
    assert _governance(latest_report(tmp_path / "eval")) == scanned
    # the collection plan holds the log, so a deleted evidence file is an error offline
    plan = json.loads((tmp_path / "ev" / "plan.json").read_text())
    assert {"kind": "controls.register", "target": tmp_path.name} in plan["targets"]
    assert "controls.register" in plan["kinds"]

def test_demo_is_judged_at_its_collection_time_not_today() -> None:
    shipped = json.loads(DEMO_FILE.read_text())
    assert shipped["collected_at"].startswith(demo.AS_OF.isoformat())
    assert date.fromisoformat(shipped["collected_at"][:10]) < date(2026, 11, 26)  # IC-01 Nov due
