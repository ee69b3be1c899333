"""Follow-up: a second run after one finding was fixed, one added and one accepted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from tests.cli_run import gitc

AD_FILE = "ad.password_policy@corp.vbz.example.json"
PSO = "CN={},CN=Password Settings Container,CN=System,DC=corp,DC=vbz,DC=example"
EXCEPTION = """exceptions:
  - check: ad.password.min_length
    subject: "pso:CN=PSO-Legacy-Kassasysteem,*"
    owner: "CISO"
    reason: "Till software cannot take longer passwords"
    expires: 2027-06-30
"""


def _evidence_copy(folder: Path) -> Path:
    shutil.copytree(demo.evidence_dir(), folder)
    return folder


def _edit_ad(folder: Path, edit) -> None:
    path = folder / AD_FILE
    doc = json.loads(path.read_text())
    edit(doc["data"])
    path.write_text(json.dumps(doc, indent=2))


def _evaluate(evidence: Path, out: Path, *extra: str | Path) -> dict[str, Any]:
    run = gitc("evaluate", "--lang", "en",
               "--evidence", evidence, "--out", out, "--as-of", "2026-11-16", *extra)
    assert run.code in (1, 3), run.output
    return json.loads((out / "latest" / "report.json").read_text())


def _runs(out: Path) -> list[Path]:
    """[first, second]: by `latest`, since two runs in one second sort either way by name."""
    newest = (out / "latest").resolve()
    older = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink()
             and not p.name.startswith(".") and p != newest]
    assert len(older) == 1
    return [older[0], newest]


def _by(report: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["check"], r["subject"]): r for r in report["results"]}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("followup")
    policy = base / "policy.yaml"
    shipped = Path(__import__("gitc_agent.policies", fromlist=["x"]).__file__).parent
    policy.write_text((shipped / "adr-gitc.yaml").read_text().replace("exceptions: []", EXCEPTION))
    out = base / "out"
    first = _evaluate(_evidence_copy(base / "ev1"), out, "--policy", "adr-gitc")
    ev2 = _evidence_copy(base / "ev2")

    def fix(data: dict[str, Any]) -> None:
        for pso in data["psos"]:
            if pso["name"] == "PSO-Serviceaccounts":
                pso["min_length"] = 14  # fixed
        data["psos"] = [p for p in data["psos"] if p["name"] != "PSO-Test-Migratie"]  # removed
        data["domain"]["history"] = 5  # a new finding

    _edit_ad(ev2, fix)
    second = _evaluate(ev2, out, "--policy", policy, "--format", "html")
    return out, first, second


def test_first_run_has_no_baseline(two_runs) -> None:
    _, first, _ = two_runs
    assert first["run"]["previous_report"] is None and first["summary"]["follow_up"] is None
    assert all(r["follow_up"] is None for r in first["results"])


def test_second_run_marks_new_open_resolved_and_accepted(two_runs) -> None:
    out, first, second = two_runs
    now = _by(second)
    fixed = now[("ad.password.min_length", "pso:" + PSO.format("PSO-Serviceaccounts"))]
    assert fixed["status"] == "pass" and fixed["follow_up"] == "resolved"
    new = now[("ad.password.settings", "domain:DC=corp,DC=vbz,DC=example#history")]
    assert new["status"] == "fail" and new["follow_up"] == "new"
    still = now[("ad.password.min_length", "domain:DC=corp,DC=vbz,DC=example")]
    assert still["follow_up"] == "open"
    accepted = now[("ad.password.min_length", "pso:" + PSO.format("PSO-Legacy-Kassasysteem"))]
    assert accepted["status"] == "accepted" and accepted["follow_up"] == "accepted"
    gone = [r for r in second["follow_up"]["resolved"] if r["now"] == "gone"]
    gone_subjects = {r["subject"] for r in gone}
    migratie = "pso:" + PSO.format("PSO-Test-Migratie")
    assert migratie in gone_subjects  # its min_length finding
    assert all(r["subject"].startswith(migratie) for r in gone)
    assert next(r for r in gone if r["subject"] == migratie)["priority"] == "laag"
    counts = second["summary"]["follow_up"]
    labels = [r["follow_up"] for r in second["results"]]
    assert counts["new"] == labels.count("new") == 1
    assert counts["accepted"] == 1 and counts["open"] == labels.count("open")
    assert counts["resolved"] == len(second["follow_up"]["resolved"]) == 1 + len(gone)
    first_fails = sum(r["status"] == "fail" for r in first["results"])
    assert counts["open"] + counts["resolved"] + counts["accepted"] == first_fails
    link = second["run"]["previous_report"]
    assert link["run_id"] == first["run"]["id"] and link["path"].startswith("../")
    html = (out / "latest" / "report.html").read_text()
    assert 'class="fu-new"' in html and "no longer reported" in html
    # the heatmap counts findings (one per check and scope), the follow-up compares them
    finding = next(f for f in second["findings"] if f["check"] == "ad.password.min_length")
    cell = f'id="heat-{finding["likelihood"]}-{finding["impact"]}"'
    assert cell in html and "</a>" in html.split(cell, 1)[1].split("</td>", 1)[0]
    before = next(f for f in first["findings"] if f["id"] == finding["id"])
    then = before["counts"]["deviations"] + before["counts"]["accepted"]
    now_ = finding["counts"]["deviations"] + finding["counts"]["accepted"]
    assert now_ < then and finding["population"]["completeness"] == "complete"
    assert finding["follow_up"]["status"] == "partly_resolved"
    row = next(r for r in second["follow_up"]["findings"] if r["id"] == finding["id"])
    assert (row["status"], row["deviations_then"], row["deviations_now"]) == (
        "partly_resolved", then, now_)
    assert 'class="ffu-partly_resolved"' in html


def test_diff_prints_the_same_as_a_table(two_runs) -> None:
    out, _, second = two_runs
    folders = _runs(out)
    run = gitc("diff", folders[0] / "report.json", folders[1] / "report.json")
    assert run.code == 0, run.output
    counts = second["summary"]["follow_up"]
    assert (f"{counts['new']} new, {counts['open']} open, {counts['resolved']} resolved, "
            f"{counts['accepted']} accepted") in run.stdout
    lines = run.stdout.splitlines()
    assert any("new" in line and "#history" in line for line in lines)
    assert any("resolved" in line and "PSO-Serviceaccounts" in line for line in lines)
    assert sum("resolved" in line for line in lines) >= counts["resolved"]


def test_explicit_previous_overrides_latest_and_bad_previous_is_invalid(two_runs,
                                                                       tmp_path: Path) -> None:
    out, first, _ = two_runs
    folders = _runs(out)
    other = tmp_path / "o"
    run = gitc("demo", "--lang", "en", "--out", other, "--previous", folders[0] / "report.json", "--quiet")
    assert run.code in (1, 3), run.output
    report = json.loads((other / "latest" / "report.json").read_text())
    assert report["run"]["previous_report"]["run_id"] == first["run"]["id"]
    assert report["run"]["previous_report"]["path"] == str((folders[0] / "report.json").resolve())
    (tmp_path / "bad.json").write_text("[]")
    bad = gitc("demo", "--lang", "en", "--out", tmp_path / "o2", "--previous", tmp_path / "bad.json")
    assert bad.code == 2 and not (tmp_path / "o2").exists()
