"""The embedded demo shows the patch and monitoring findings without any server."""

from __future__ import annotations

import json
from pathlib import Path

from gitc_agent.cli import main


def test_demo_shows_patch_and_monitoring_findings(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    code = main(["demo", "--out", str(out), "--quiet"])
    assert code == 3  # one host's Windows Update search was denied: incomplete, never a pass
    report = out / "latest" / "report.json"
    results = {(r["check"], r["subject"]): r["status"]
               for r in json.loads(report.read_text())["results"]}
    assert results[("windows.patch.update_age", "host:app02.corp.vbz.example")] == "fail"
    assert results[("windows.patch.kev_overdue", "host:app02.corp.vbz.example")] == "fail"
    assert results[("windows.patch.missing_updates", "host:file03.corp.vbz.example")] == "error"
    assert results[("windows.monitoring.agent_running",
                    "host:ws-fin-014.corp.vbz.example#EDR")] == "fail"
    assert results[("windows.patch.reboot_pending", "host:ws-fin-014.corp.vbz.example")] == "fail"
    assert results[("host.patch.pending_updates", "host:gitc-adm01")] == "fail"
    assert results[("windows.patch.update_age", "host:dc01.corp.vbz.example")] == "pass"
