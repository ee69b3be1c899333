"""`gitc-agent sample`: a re-performable sample, recorded in the run and its manifest."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from gitc_agent.core.sampling import SamplingModel, draw, population_hash
from tests.cli_run import gitc

CHECK = "ad.privileged.unapproved_member"


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "out"
    assert gitc("demo", "--lang", "en", "--out", out, "--format", "xlsx", "--quiet").code == 3
    return out


@pytest.fixture
def run(demo_run: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo run folder for each test (samples change it)."""
    copy = tmp_path / "out"
    shutil.copytree(demo_run, copy, symlinks=True)
    return (copy / "latest").resolve()


def _subjects(folder: Path, check: str = CHECK) -> list[str]:
    report = json.loads((folder / "report.json").read_text())
    return [r["subject"] for r in report["results"] if r["check"] == check]


def _record(folder: Path, check: str = CHECK) -> dict[str, Any]:
    return json.loads((folder / f"sample-{check}.json").read_text())


def test_the_draw_is_sha256_order_of_seed_and_subject() -> None:
    subjects = [f"account:user{i}" for i in range(50)]
    expected = sorted(subjects, key=lambda s: hashlib.sha256(f"s1\n{s}".encode()).hexdigest())
    assert [d.subject for d in draw(subjects, "s1", 7)] == expected[:7]
    assert [d.subject for d in draw(reversed(subjects), "s1", 7)] == expected[:7]  # order-free
    assert [d.subject for d in draw(subjects, "s2", 7)] != expected[:7]
    assert len(draw(subjects, "s1", 500)) == 50
    digest = hashlib.sha256("".join(f"{s}\n" for s in sorted(subjects)).encode()).hexdigest()
    assert population_hash(subjects) == digest
    assert population_hash([*subjects, "account:one-more"]) != digest


def test_sample_is_written_recorded_and_in_the_manifest(run: Path) -> None:
    done = gitc("sample", run, "--check", CHECK, "--size", "5", "--seed", "audit-2026")
    assert done.code == 0, done.output
    record = _record(run)
    population = _subjects(run)
    assert record["population_size"] == len(population)
    assert record["population_sha256"] == population_hash(population)
    assert [i["subject"] for i in record["items"]] == [d.subject for d in
                                                      draw(population, "audit-2026", 5)]
    assert record["seed"] == "audit-2026" and record["method"].startswith("sha256-order/v1")
    with open(run / f"sample-{CHECK}.csv", encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["subject"] for r in rows] == [i["subject"] for i in record["items"]]
    manifest = json.loads((run / "manifest.json").read_text())
    for name in (f"sample-{CHECK}.csv", f"sample-{CHECK}.json", "report.xlsx"):
        assert manifest["files"][name] == hashlib.sha256((run / name).read_bytes()).hexdigest()
    verified = gitc("verify", run)
    assert verified.code == 0, verified.output
    book = openpyxl.load_workbook(run / "report.xlsx")
    sheet = book[book.sheetnames[-1]]
    assert sheet.title.startswith("Sample 1")
    values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert record["population_sha256"] in values and "audit-2026" in values
    assert all(i["subject"] in values for i in record["items"])
    assert record["population_sha256"] in done.stdout.replace("\n", "")


def test_same_seed_same_sample_and_no_silent_replacement(run: Path) -> None:
    assert gitc("sample", run, "--check", CHECK, "--size", "5", "--seed", "a").code == 0
    first = _record(run)
    again = gitc("sample", run, "--check", CHECK, "--size", "5", "--seed", "a")
    assert again.code == 0 and "same sample" in again.stdout
    assert _record(run) == first
    other = gitc("sample", run, "--check", CHECK, "--size", "5", "--seed", "b")
    assert other.code == 2 and "not replaced" in other.stderr
    assert _record(run) == first
    assert gitc("report", run / "report.json", "--format", "xlsx").code == 0  # keeps the sheet
    assert gitc("verify", run).code == 0


def test_a_different_population_is_said_so(run: Path, demo_run: Path, tmp_path: Path) -> None:
    """The same seed on another run of the same population gives the same sample; a population
    with one subject more is said to differ, with the subject named."""
    assert gitc("sample", run, "--check", CHECK, "--size", "5", "--seed", "a").code == 0
    earlier = json.loads((run / f"sample-{CHECK}.json").read_text())
    smaller = dict(earlier, population=earlier["population"][:-1],
                   population_size=earlier["population_size"] - 1,
                   population_sha256=population_hash(earlier["population"][:-1]))
    (tmp_path / "earlier.json").write_text(json.dumps(earlier))
    (tmp_path / "smaller.json").write_text(json.dumps(smaller))
    new_out = tmp_path / "new"
    assert gitc("demo", "--lang", "en", "--out", new_out, "--quiet").code == 3
    same = gitc("sample", new_out / "latest", "--check", CHECK, "--size", "5", "--seed", "a",
                "--like", tmp_path / "earlier.json")
    assert same.code == 0, same.output
    assert "same population" in same.stdout and "the sample is the same" in same.stdout
    assert json.loads((new_out / "latest" / f"sample-{CHECK}.json").read_text())["items"] == \
        earlier["items"]
    again = tmp_path / "again"
    assert gitc("demo", "--lang", "en", "--out", again, "--quiet").code == 3
    differs = gitc("sample", again / "latest", "--check", CHECK, "--size", "5", "--seed", "a",
                   "--like", tmp_path / "smaller.json")
    assert differs.code == 0, differs.output
    text = " ".join(differs.stdout.split())
    assert "population differs" in text and "1 added" in text
    assert f"added: {earlier['population'][-1]}" in text


def test_a_signed_run_is_re_signed_or_left_alone(tmp_path: Path) -> None:
    keys = tmp_path / "keys"
    assert gitc("keygen", "--out", keys).code == 0
    out = tmp_path / "out"
    key = keys / "gitc-agent-signing.key"
    assert gitc("demo", "--lang", "en", "--out", out, "--sign", key, "--quiet").code == 3
    folder = (out / "latest").resolve()
    before = (folder / "manifest.json").read_bytes()
    refused = gitc("sample", folder, "--check", CHECK, "--size", "3", "--seed", "x")
    assert refused.code == 2 and "--sign" in refused.stderr
    assert (folder / "manifest.json").read_bytes() == before
    assert not list(folder.glob("sample-*"))
    done = gitc("sample", folder, "--check", CHECK, "--size", "3", "--seed", "x", "--sign", key)
    assert done.code == 0, done.output
    verified = gitc("verify", folder, "--key", keys / "gitc-agent-signing.pub")
    assert verified.code == 0, verified.output


def test_a_tampered_run_gets_no_sample(run: Path) -> None:
    report = run / "report.json"
    report.write_bytes(report.read_bytes().replace(b'"mode": "demo"', b'"mode": "demO"'))
    done = gitc("sample", run, "--check", CHECK, "--size", "3", "--seed", "x")
    assert done.code == 2 and "report.json" in done.stderr and "verify" in done.stderr
    assert not list(run.glob("sample-*"))


def test_policy_sizes_by_control_frequency(run: Path, tmp_path: Path) -> None:
    """The run's own policy (the demo's: privileged memberships are a quarterly control, 2),
    or another one given with --policy."""
    own = gitc("sample", run, "--check", CHECK, "--policy-sizes", "--seed", "q")
    assert own.code == 0, own.output
    assert _record(run)["size"] == 2 and "quarterly" in _record(run)["size_basis"]
    policy = Path(json.loads((run / "report.json").read_text())["run"]["policy"]["source"])
    text = policy.read_text()
    assert f"    {CHECK}: quarterly" in text and "monthly: 5," in text
    mine = tmp_path / "policy.yaml"
    check = "ad.privileged.review_overdue"
    mine.write_text(text.replace(f"    {check}: quarterly", f"    {check}: monthly")
                    .replace("monthly: 5,", "monthly: 4,"))
    assert gitc("policy", "validate", mine).code == 0
    done = gitc("sample", run, "--check", check, "--policy-sizes", "--policy", mine,
                "--seed", "q")
    assert done.code == 0, done.output
    assert _record(run, check)["size_basis"].endswith("monthly control, sample size 4")
    other = gitc("sample", run, "--check", "ad.accounts.dormant", "--policy-sizes", "--policy",
                 mine, "--seed", "q")
    assert other.code == 2 and "no control frequency" in other.stderr
    mine.write_text(text.replace(f"    {CHECK}: quarterly", f"    {CHECK}: hourly"))
    invalid = gitc("policy", "validate", mine)
    assert invalid.code == 2 and "policy.yaml" in invalid.stderr


def test_default_sizes_follow_the_norm_table() -> None:
    model = SamplingModel(frequency={"a": "yearly", "b": "several_a_day", "c": "monthly"})
    assert [model.size_for(c)[0] for c in "abc"] == [1, 60, 5]
    assert model.size_for("d") is None


def test_unknown_check_and_bad_input_are_exit_2(run: Path) -> None:
    unknown = gitc("sample", run, "--check", "no.such.check", "--size", "3", "--seed", "x")
    assert unknown.code == 2 and "no finding of that check" in unknown.stderr
    no_size = gitc("sample", run, "--check", CHECK, "--seed", "x")
    assert no_size.code == 2
    empty = gitc("sample", run, "--check", CHECK, "--size", "3", "--seed", " ")
    assert empty.code == 2 and "seed" in empty.stderr
    assert "Traceback" not in unknown.output + no_size.output + empty.output


def test_sample_csv_cells_are_formula_guarded() -> None:
    from gitc_agent.report.sample_run import sample_csv
    data = sample_csv({"items": [{"order": 1, "subject": "=cmd|'/C calc'!A0", "status": "pass",
                                  "key": "k", "result_id": "r", "message": "@x"}]})
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1][1] == "'=cmd|'/C calc'!A0" and rows[1][5] == "'@x"
