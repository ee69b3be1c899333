"""datafix.ticket.approval_timing when the audit the log comes from is not on: `error`, never
pass. A statement made before approval may simply be missing from a log that records nothing, so
a ticket that looks approved in time is not assessed; what the register and log do show as late
still fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status
from tests.datafix_exports import Lab, generate
from tests.pgaudit_logs import write_csvlog
from tests.test_pgaudit_log import ON, evaluated_with_instance

REGISTRY = discover(use_entry_points=False)
CHECK = "datafix.ticket.approval_timing"


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Lab:
    lab = generate(tmp_path_factory.mktemp("pgt"), tickets=600, app_lines=1500, seed=7)
    write_csvlog(lab, lab.folder / "postgresql.csv")
    return lab


def timing(lab: Lab, tmp: Path, audit: dict | None, instance: bool = True) -> dict:
    return {r.subject: r for r in evaluated_with_instance(lab, tmp, audit, instance)
            if r.check == CHECK}


@pytest.mark.parametrize("audit", [
    {**ON, "loaded": False}, {**ON, "log_classes": ["ddl", "role"]},
    {**ON, "overrides": [{"role": "*", "database": "KASSA", "setting": "pgaudit.log",
                          "value": "none"}]},
    None,  # the server's evidence was not collected
], ids=["not-loaded", "no-write", "database-override", "not-collected"])
def test_approval_timing_is_error_when_the_audit_is_not_on(lab: Lab, tmp_path: Path,
                                                          audit: dict | None) -> None:
    on = timing(lab, tmp_path, ON)
    off = timing(lab, tmp_path, audit)
    assert "export:datafix.audit_log" not in on
    assert sum(r.status is Status.PASS for r in on.values()) > 100
    head = off["export:datafix.audit_log"]
    assert head.status is Status.ERROR and "pg-kassa" in head.message
    assert not any(r.status is Status.PASS for r in off.values())
    late = {s for s, r in on.items() if r.status is Status.FAIL}
    assert late and late == {s for s, r in off.items() if r.status is Status.FAIL}
    was_pass = next(s for s, r in on.items() if r.status is Status.PASS)
    assert off[was_pass].status is Status.ERROR
    assert "not a pass" in off[was_pass].message
    assert off[was_pass].message_template is not None


def test_without_an_instance_the_timing_is_judged_as_before(lab: Lab, tmp_path: Path) -> None:
    on = timing(lab, tmp_path, ON)
    plain = timing(lab, tmp_path, None, instance=False)
    assert {s: r.status for s, r in plain.items()} == {s: r.status for s, r in on.items()}
