"""The demo's HR export and joiner requests: the shipped evidence is what the collector reads
from the generated exports, and the demo shows the leaver and the joiner finding."""

from __future__ import annotations

import json
from pathlib import Path

from gitc_agent import demo
from gitc_agent.cli import main
from tests.hr_exports import demo_documents

CHECKS = ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
          "ad.accounts.joiner_without_request", "ad.accounts.moved_rights_kept")


def test_demo_evidence_is_the_collected_demo_export(tmp_path: Path) -> None:
    """Regenerate with `python3 -m tests.hr_exports` when the generator changes."""
    for fresh in demo_documents(tmp_path):
        shipped = json.loads((demo.evidence_dir() / f"{fresh['kind']}@{fresh['target']}.json")
                             .read_text())
        assert fresh["data"] == shipped["data"], fresh["kind"]
        assert shipped["collected_at"].startswith(demo.AS_OF.isoformat())
    plan = json.loads((demo.evidence_dir() / "plan.json").read_text())
    for kind in ("hr.persons", "hr.requests"):
        assert {"kind": kind, "target": "corp.vbz.example"} in plan["targets"]


def test_demo_shows_the_leaver_joiner_and_moved_findings(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 3  # file03, as before
    report = json.loads(next(tmp_path.rglob("report.json")).read_text())
    mine = [r for r in report["results"] if r["check"] in CHECKS]
    assert not [r for r in mine if r["status"] == "error"]
    failing = {(r["check"], r["subject"]) for r in mine if r["status"] == "fail"}
    assert failing == {("ad.accounts.leaver_enabled", "person:employee:104206"),
                       ("ad.accounts.joiner_without_request", "account:t.vanes"),
                       ("ad.accounts.moved_rights_kept", "person:employee:104216")}
    moved = next(r for r in mine if r["check"] == "ad.accounts.moved_rights_kept"
                 and r["subject"] == "person:employee:104216")
    assert "j.willems → GG-App-Kassa-Beheer" in moved["evidence"]["kept"]
    leaver = next(r for r in mine if r["subject"] == "person:employee:104206")
    assert leaver["evidence"]["enabled"] == ["o.dekker"]  # adm-odekker was disabled
    assert "2026-11-13" in leaver["message"]  # and o.dekker was used after the end date
    findings = {f["check"]: f for f in report["findings"] if f["check"] in CHECKS}
    assert findings["ad.accounts.leaver_enabled"]["status"] == "finding"
    assert findings["ad.accounts.no_hr_record"]["status"] == "no_finding"
    coverage = {c["check"]: c for c in report["coverage"] if c["check"] in CHECKS}
    assert all(c["completeness"] == "complete" for c in coverage.values())
    assert coverage["ad.accounts.leaver_enabled"]["population"]["hr.persons"]["rejected"] == 1
