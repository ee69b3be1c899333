"""The demo shows the vulnerability process as the audit found it: an overdue NCSC advisory, an
undecidable one, a stale source and a patch round without a validation ticket."""

from __future__ import annotations

import json
from pathlib import Path

from gitc_agent.cli import main


def test_demo_vulnerability_results(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert main(["demo", "--out", str(out), "--quiet"]) == 3
    report = json.loads((out / "latest" / "report.json").read_text())
    results = {(r["check"], r["subject"]): r for r in report["results"]
               if r["check"].startswith("vuln.")}

    def status(check: str, subject: str) -> str:
        return results[(f"vuln.{check}", subject)]["status"]

    overdue = results[("vuln.advisory.remediation_overdue",
                       "host:file03.corp.vbz.example/advisory:NCSC-2026-0412")]
    assert overdue["status"] == "fail"
    assert overdue["evidence"]["due"] == "2026-11-05" and overdue["evidence"]["class"] == "urgent"
    assert overdue["evidence"]["expected_fix"] == "version >= 25.01"
    assert status("advisory.remediation_overdue",
                  "host:dc01.corp.vbz.example/advisory:NCSC-2026-0377") == "pass"
    assert status("advisory.undecidable",
                  "host:ws-fin-014.corp.vbz.example/advisory:NCSC-2026-0398") == "error"
    assert status("advisory.undecidable",
                  "host:app02.corp.vbz.example/advisory:NCSC-2026-0355") == "pass"  # fix map
    assert status("source.current", "feed:microsoft") == "fail"
    assert status("source.current", "feed:ncsc-nl") == "pass"
    assert status("process.patch_round_validated", "patch-round:2026-10-13") == "fail"
    assert status("process.patch_round_validated", "patch-round:2026-09-08") == "pass"
    assert status("process.ticket_per_advisory", "advisory:NCSC-2026-0412") == "fail"
    assert status("process.ticket_per_advisory", "advisory:NCSC-2026-0377") == "pass"
    assert not [k for k in results if "NCSC-2026-0401" in k[1]]  # withdrawn
    assert not [k for k in results if "gitc-adm01" in k[1]]  # no advisory for its packages
