"""The demo's security events: the shipped evidence is what the collector makes of the generated
log-manager export, and the demo shows the impersonal interactive logon and the privileged
addition without approval as findings, with no error from the event checks."""

from __future__ import annotations

import json
from pathlib import Path

from gitc_agent import demo
from gitc_agent.cli import main
from tests import events_demo

CHECKS = ("ad.accounts.impersonal_interactive_logon", "ad.accounts.impersonal_logon_unexpected_host",
          "ad.privileged.change_without_approval", "ad.accounts.created_without_ticket",
          "monitoring.log_coverage")


def test_demo_events_evidence_is_the_collectors_output(tmp_path: Path) -> None:
    doc = events_demo.build(tmp_path)
    shipped = json.loads((demo.evidence_dir() / doc.filename).read_text(encoding="utf-8"))
    assert shipped == json.loads(json.dumps(doc.to_dict()))


def test_demo_shows_the_event_findings(tmp_path: Path) -> None:
    assert main(["demo", "--out", str(tmp_path), "--quiet"]) == 3
    report = json.loads(next(tmp_path.rglob("report.json")).read_text())
    mine = {(r["check"], r["subject"]): r["status"] for r in report["results"]
            if r["check"] in CHECKS}
    fails = {k for k, v in mine.items() if v == "fail"}
    assert fails == {
        ("ad.accounts.impersonal_interactive_logon", "account:svc-sql01"),  # RDP by a person
        ("ad.accounts.impersonal_interactive_logon", "account:func-receptie"),
        ("ad.accounts.impersonal_logon_unexpected_host", "account:svc-sql01"),
        ("ad.accounts.impersonal_logon_unexpected_host", "account:func-receptie"),
        ("ad.privileged.change_without_approval", "event:dc02.corp.vbz.example/1927"),
        ("ad.privileged.change_without_approval", "event:dc01.corp.vbz.example/660"),
        ("ad.accounts.created_without_ticket", "event:dc01.corp.vbz.example/1792"),
        ("monitoring.log_coverage", "host:dc02"),
    }
    assert not [k for k, v in mine.items() if v == "error"]
    assert mine[("ad.privileged.change_without_approval", "event:dc01.corp.vbz.example/447")] \
        == "pass"  # approved (granted the day before) through the nested Tier-0 group
    assert mine[("monitoring.log_coverage", "host:dc01")] == "pass"
