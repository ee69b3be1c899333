"""`evaluate --evidence DIR --evidence DIR`: collections per site evaluated as one."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from tests.cli_run import gitc

AS_OF = demo.AS_OF.isoformat()


def _split(tmp_path: Path) -> tuple[Path, Path]:
    """The demo evidence as two collections: the directory and datafix site, and the rest;
    each with its own plan (the demo plan's part for its targets)."""
    source = demo.evidence_dir()
    plan = json.loads((source / "plan.json").read_text())
    a, b = tmp_path / "site-a", tmp_path / "site-b"
    for folder in (a, b):
        folder.mkdir()
    for path in sorted(source.glob("*.json")):
        if path.name != "plan.json":
            shutil.copy(path, a if path.name.startswith(("ad.", "datafix.")) else b)
    for folder in (a, b):
        kinds = {p.name.split("@")[0] for p in folder.glob("*.json")}
        mine = dict(plan, kinds=[k for k in plan["kinds"] if k in kinds],
                    targets=[t for t in plan["targets"] if t["kind"] in kinds])
        (folder / "plan.json").write_text(json.dumps(mine, indent=2))
    return a, b


def _evaluate(out: Path, *folders: Path) -> Any:
    args = [arg for f in folders for arg in ("--evidence", f)]
    return gitc("evaluate", "--policy", demo.policy_path(), "--as-of", AS_OF, "--out", out,
                "--quiet", "--lang", "en", *args)  # the errors in English, not the policy's nl


def _verdicts(report: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    return sorted((r["check"], r["subject"], r["status"], r["message"])
                  for r in report["results"])


def test_two_collections_judge_like_one(tmp_path: Path) -> None:
    a, b = _split(tmp_path)
    whole = _evaluate(tmp_path / "whole", demo.evidence_dir())
    both = _evaluate(tmp_path / "both", a, b)
    assert both.code == whole.code == 3, both.output
    one = json.loads((tmp_path / "whole" / "latest" / "report.json").read_text())
    two = json.loads((tmp_path / "both" / "latest" / "report.json").read_text())
    assert _verdicts(two) == _verdicts(one)
    folder = (tmp_path / "both" / "latest").resolve()
    labels = [c["label"] for c in two["run"]["collections"]]
    assert labels == ["1-site-a", "2-site-b"]
    for c, src in zip(two["run"]["collections"], (a, b), strict=True):
        assert c["plan"]["sha256"] == hashlib.sha256((src / "plan.json").read_bytes()).hexdigest()
        assert (folder / "evidence" / c["label"] / "plan.json").read_bytes() == \
            (src / "plan.json").read_bytes()
    for entry in two["run"]["evidence"]:  # each file kept byte for byte, cited by its path
        kept = folder / "evidence" / entry["file"]
        assert hashlib.sha256(kept.read_bytes()).hexdigest() == entry["sha256"]
        src = a if entry["file"].startswith("1-site-a/") else b
        assert kept.read_bytes() == (src / Path(entry["file"]).name).read_bytes()
    cited = {r["evidence"].get("evidence_file") for r in two["results"]} - {None, ""}
    assert cited and all((folder / "evidence" / f).is_file() for f in cited)
    assert two["run"]["plan"]["targets"] == one["run"]["plan"]["targets"]
    verified = gitc("verify", folder)
    assert verified.code == 0, verified.output


def test_a_target_collected_twice_is_refused(tmp_path: Path) -> None:
    a, b = _split(tmp_path)
    c = tmp_path / "site-c"
    c.mkdir()
    shutil.copy(a / "ad.accounts@corp.vbz.example.json", c)
    done = _evaluate(tmp_path / "out", a, b, c)
    assert done.code == 2
    assert "ad.accounts@" in done.stderr and "collected twice" in done.stderr
    assert str(a) in done.stderr and str(c) in done.stderr
    assert not (tmp_path / "out").exists()  # nothing written
    twice = _evaluate(tmp_path / "out", a, a)
    assert twice.code == 2 and "same folder twice" in twice.stderr


def test_a_planned_target_missing_from_its_collection_is_an_error(tmp_path: Path) -> None:
    a, b = _split(tmp_path)
    (a / "ad.password_policy@corp.vbz.example.json").unlink()
    done = _evaluate(tmp_path / "out", a, b)
    assert done.code == 3
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    mine = [r for r in report["results"] if r["check"] == "ad.password.min_length"]
    assert mine and all(r["status"] == "error" for r in mine)


@pytest.mark.parametrize("broken", ["not json", '{"schema": "other"}'])
def test_a_broken_file_in_any_collection_is_exit_2_naming_it(tmp_path: Path, broken: str) -> None:
    a, b = _split(tmp_path)
    (b / "zz.bad@x.json").write_text(broken)
    done = _evaluate(tmp_path / "out", a, b)
    assert done.code == 2 and "zz.bad@x.json" in done.stderr
    assert "Traceback" not in done.output
