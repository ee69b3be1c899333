"""Follow-up never calls a finding resolved that nobody looked at (issue 12, defect 10).

Resolved needs this run to have assessed the same check on the same target completely; a finding
on a target that could not be read (a wrong bind password), or of a check out of scope, is
`not_reassessed`: still open, with when it was last assessed, and carried to the next run.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from gitc_agent import demo
from gitc_agent.core.plan import PLAN_FILE
from gitc_agent.report import console
from tests import report_samples
from tests.cli_run import gitc

DOMAIN = "DC=corp,DC=vbz,DC=example"
AD_FILES = ("ad.accounts@corp.vbz.example.json", "ad.password_policy@corp.vbz.example.json")
PSO = "pso:CN={},CN=Password Settings Container,CN=System," + DOMAIN


def _copy(folder: Path) -> Path:
    shutil.copytree(demo.evidence_dir(), folder)
    return folder


def _edit(folder: Path, name: str, edit) -> None:
    path = folder / name
    doc = json.loads(path.read_text())
    edit(doc)
    path.write_text(json.dumps(doc, indent=2))


def _bind_refused(doc: dict[str, Any]) -> None:
    """What collect_ad writes when the bind password is wrong."""
    doc.update(data={}, status="error", errors=[
        {"part": "connection", "message": "invalidCredentials: 80090308: LdapErr: DSID-0C09044E"}])


def _evaluate(evidence: Path, out: Path, previous: Path | None) -> tuple[dict[str, Any], Path]:
    args: list[str | Path] = ["evaluate", "--evidence", evidence, "--out", out, "--as-of",
                              "2026-11-16", "--policy", demo.policy_path()]
    if previous is not None:
        args += ["--previous", previous]
    run = gitc(*args)
    assert run.code in (1, 3), run.output
    report_path = (out / "latest").resolve() / "report.json"
    return json.loads(report_path.read_text()), report_path


# ad.* checks judged on the security events: with the directory unreadable they still judge the
# register's accounts and the logged changes from the events, so those findings are re-assessed
EVENT_CHECKS = ("ad.accounts.impersonal_interactive_logon",
                "ad.accounts.impersonal_logon_unexpected_host",
                "ad.privileged.change_without_approval", "ad.accounts.created_without_ticket")


# ad.accounts.* checks judged against the HR export: their population (target) is the export
HR_CHECKS = ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
             "ad.accounts.joiner_without_request", "ad.accounts.moved_rights_kept")
HR_TARGET = "corp.vbz.example"


def _ad_findings(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["results"]
            if r["check"].startswith("ad.") and r["check"] not in EVENT_CHECKS
            and r["status"] in ("fail", "accepted")}


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], Path]:
    base = tmp_path_factory.mktemp("reassessed")
    first, path = _evaluate(_copy(base / "ev1"), base / "out1", None)
    assert len(_ad_findings(first)) > 10
    return base, first, path


def test_findings_on_an_unreadable_directory_are_not_reassessed(baseline) -> None:
    base, first, first_path = baseline
    evidence = _copy(base / "ev-refused")
    for name in AD_FILES:
        _edit(evidence, name, _bind_refused)
    second, second_path = _evaluate(evidence, base / "out2", first_path)
    before = _ad_findings(first)
    follow = second["follow_up"]
    assert not [r for r in follow["resolved"] if r["check"].startswith("ad.")]
    unassessed = {r["id"]: r for r in follow["not_reassessed"]}
    assert set(before) <= set(unassessed)
    for rid, old in before.items():
        entry = unassessed[rid]
        assert entry["last_assessed"] == first["run"]["started_at"]
        target = HR_TARGET if old["check"] in HR_CHECKS else DOMAIN
        assert entry["status_before"] == old["status"] and entry["target"] == target
        assert entry["now"] in ("gone", "error") and entry["reason"]
    assert second["summary"]["follow_up"]["not_reassessed"] == len(follow["not_reassessed"])
    assert second["summary"]["follow_up"]["resolved"] == len(follow["resolved"])
    still_error = [r for r in second["results"] if r["id"] in before]
    assert all(r["follow_up"] == "not_reassessed" for r in still_error)
    coverage = [c for c in second["coverage"]
                if c["check"].startswith("ad.") and c["check"] not in EVENT_CHECKS]
    assert coverage and all(c["completeness"] == "none" for c in coverage)

    # still unreadable a run later: still not re-assessed, last assessed in the first run
    third, _ = _evaluate(evidence, base / "out3", second_path)
    carried = {r["id"]: r for r in third["follow_up"]["not_reassessed"]}
    assert set(before) <= set(carried)
    assert {carried[rid]["last_assessed"] for rid in before} == {first["run"]["started_at"]}

    # readable again, one PSO removed: its findings are resolved, the others open again
    fixed = _copy(base / "ev-fixed")
    _edit(fixed, AD_FILES[1], lambda d: d["data"].update(psos=[
        p for p in d["data"]["psos"] if p["name"] != "PSO-Test-Migratie"]))
    fourth, _ = _evaluate(fixed, base / "out4", (base / "out3" / "latest").resolve()
                          / "report.json")
    gone = {r["subject"] for r in fourth["follow_up"]["resolved"] if r["now"] == "gone"}
    assert PSO.format("PSO-Test-Migratie") in gone
    labels = {r["id"]: r["follow_up"] for r in fourth["results"]}
    assert {labels[rid] for rid in before if rid in labels} <= {"open", "accepted"}
    assert not [r for r in fourth["follow_up"]["not_reassessed"] if r["check"].startswith("ad.")]


def test_a_pass_on_a_partly_read_target_is_not_resolved(baseline) -> None:
    base, _, first_path = baseline
    evidence = _copy(base / "ev-partial")

    def fix_one_but_lose_a_part(doc: dict[str, Any]) -> None:
        for pso in doc["data"]["psos"]:
            if pso["name"] == "PSO-Serviceaccounts":
                pso["min_length"] = 14
        doc["errors"].append({"part": "pso:CN=PSO-Hidden", "message": "insufficientAccessRights"})
        doc["status"] = "partial"

    _edit(evidence, AD_FILES[1], fix_one_but_lose_a_part)
    second, _ = _evaluate(evidence, base / "out-partial", first_path)
    subject = PSO.format("PSO-Serviceaccounts")
    now = next(r for r in second["results"]
               if r["check"] == "ad.password.min_length" and r["subject"] == subject)
    assert now["status"] == "pass" and now["follow_up"] == "not_reassessed"
    entry = next(r for r in second["follow_up"]["not_reassessed"] if r["id"] == now["id"])
    assert entry["now"] == "pass" and "partial" in entry["reason"]
    assert now["id"] not in {r["id"] for r in second["follow_up"]["resolved"]}


def test_findings_of_a_check_out_of_scope_are_not_reassessed(baseline) -> None:
    base, first, first_path = baseline
    evidence = _copy(base / "ev-no-windows")
    for path in evidence.glob("windows.host_state@*.json"):
        path.unlink()
    (evidence / PLAN_FILE).unlink()  # hand-made evidence: the windows checks are out of scope
    second, _ = _evaluate(evidence, base / "out-scope", first_path)
    before = {r["id"] for r in first["results"]
              if r["check"].startswith("windows.") and r["status"] == "fail"}
    assert before
    assert not before & {r["id"] for r in second["follow_up"]["resolved"]}
    assert before <= {r["id"] for r in second["follow_up"]["not_reassessed"]}


def test_a_complete_target_whose_subject_is_gone_is_resolved(baseline) -> None:
    base, first, first_path = baseline
    evidence = _copy(base / "ev-gone")
    _edit(evidence, AD_FILES[0], lambda d: d["data"].update(accounts=[
        a for a in d["data"]["accounts"] if not _is_dormant_finding(first, a)]))
    second, _ = _evaluate(evidence, base / "out-gone", first_path)
    dormant = {r["id"] for r in first["results"]
               if r["check"] == "ad.accounts.dormant" and r["status"] == "fail"}
    resolved = {r["id"]: r for r in second["follow_up"]["resolved"]}
    assert dormant and dormant <= set(resolved)
    assert {resolved[rid]["now"] for rid in dormant} == {"gone"}


def _is_dormant_finding(report: dict[str, Any], account: Any) -> bool:
    names = {r["subject"].removeprefix("account:") for r in report["results"]
             if r["check"] == "ad.accounts.dormant" and r["status"] == "fail"}
    return any(isinstance(v, str) and v in names for v in account) if isinstance(account, list) \
        else account.get("name") in names


def test_the_sample_report_shows_not_reassessed_in_console_and_html() -> None:
    sample = report_samples.report()
    entry = sample["follow_up"]["not_reassessed"]
    assert [e["subject"] for e in entry] == ["s:error"] and entry[0]["now"] == "error"
    assert entry[0]["last_assessed"] == "2025-12-01T00:00:00+00:00"
    buffer = io.StringIO()
    console.render(sample, Console(file=buffer, width=200, color_system=None), show_details=True)
    text = buffer.getvalue()
    assert "1 not re-assessed (still open" in text
    assert "not_reassessed" in text and "last assessed 2025-12-01" in text
    from gitc_agent.report.formats.html import render_html
    page = render_html(sample).decode()
    assert 'class="fu-not_reassessed"' in page and "last assessed 2025-12-01" in page
