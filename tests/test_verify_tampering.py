"""Tampering that changes no hashed byte: whole runs renamed, swapped, copied or deleted, `latest`
re-pointed, things added to a run folder. Each must make `verify --key` fail and say what.

The chain is real: three signed demo runs written by the CLI into one output folder, run 3
chained to run 2 chained to run 1. Runs written in one second share a stamp, so the runs are
told apart by following the chain from `latest`, never by sorting names.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from gitc_agent.errors import InputError
from gitc_agent.run.output import write_run
from tests.cli_run import Run, gitc

Chain = tuple[Path, Path, list[Path]]  # public key, output folder, [run 1, run 2, run 3]


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("tamper")
    assert gitc("keygen", "--out", base / "keys").code == 0
    out = base / "out"
    for _ in range(3):
        run = gitc("demo", "--out", out, "--quiet", "--sign", base / "keys" / "gitc-agent-signing.key")
        assert run.code in (1, 3), run.output
    return base / "keys" / "gitc-agent-signing.pub", out


@pytest.fixture
def chain(signed: tuple[Path, Path], tmp_path: Path) -> Chain:
    """A private copy of the three-run output folder, oldest run first."""
    key, out = signed
    target = tmp_path / "out"
    shutil.copytree(out, target, symlinks=True)
    runs = [(target / "latest").resolve()]
    for _ in range(2):
        link = json.loads((runs[0] / "report.json").read_text())["run"]["previous_report"]
        runs.insert(0, (runs[0] / link["path"]).resolve().parent)
    assert len(set(runs)) == 3
    return key, target, runs


def _verify(target: Path, key: Path, *extra: str) -> Run:
    run = gitc("verify", target, "--key", key, *extra)
    run.stdout = run.stdout.replace("\n", "")  # long paths wrap on the console
    return run


def _point_latest(out: Path, run: Path) -> None:
    (out / "latest").unlink()
    (out / "latest").symlink_to(run.name)


def _swap(a: Path, b: Path) -> None:
    a.rename(a.with_name("swap"))
    b.rename(a)
    a.with_name("swap").rename(b)


def test_the_untouched_chain_verifies(chain: Chain) -> None:
    key, out, runs = chain
    for target in (out / "latest", out / "latest" / "report.json", runs[2]):
        run = _verify(target, key)
        assert run.code == 0, run.output
        assert "OK: 3 run(s) verified" in run.stdout and "note:" not in run.stdout
    assert _verify(out / "latest", key, "--strict").code == 0  # accepted, and the default now


def _swap_newest_two(out: Path, runs: list[Path]) -> list[str]:
    _swap(runs[1], runs[2])
    return [f"{runs[2]}: the folder name does not match the run it holds",
            f"{runs[1]}: run folder not in the chain of latest"]


def _swap_oldest_two(out: Path, runs: list[Path]) -> list[str]:
    _swap(runs[0], runs[1])
    return [f"{runs[1]}: the folder name does not match the run it holds"]


def _copy_run_under_newest_name(out: Path, runs: list[Path]) -> list[str]:
    shutil.rmtree(runs[2])
    shutil.copytree(runs[1], runs[2], symlinks=True)
    return [f"{runs[2]}: the folder name does not match the run it holds"]


def _copy_run_under_a_new_name(out: Path, runs: list[Path]) -> list[str]:
    """Run 2's folder copied under a newer name made with run 2's own id, `latest` on it."""
    fake = out / ("29991231T235959Z-" + runs[1].name[-8:])
    shutil.copytree(runs[1], fake, symlinks=True)
    _point_latest(out, fake)
    return [f"{runs[2]}: run folder not in the chain of latest"]


def _delete_newest_latest_to_oldest(out: Path, runs: list[Path]) -> list[str]:
    shutil.rmtree(runs[2])
    _point_latest(out, runs[0])
    return [f"{runs[1]}: run folder not in the chain of latest ({runs[0].name})"]


def _latest_pointed_back(out: Path, runs: list[Path]) -> list[str]:
    _point_latest(out, runs[1])
    return [f"{runs[2]}: run folder not in the chain of latest ({runs[1].name} <- {runs[0].name})"]


def _latest_replaced_by_a_copy(out: Path, runs: list[Path]) -> list[str]:
    (out / "latest").unlink()
    shutil.copytree(runs[1], out / "latest", symlinks=True)
    return [f"{out / 'latest'}: not a symlink to a run folder",
            f"{runs[2]}: run folder not in the chain of latest"]


def _delete_middle_run(out: Path, runs: list[Path]) -> list[str]:
    shutil.rmtree(runs[1])
    return [f"{runs[1]}: missing: run {runs[2].name} chains to ../{runs[1].name}/report.json",
            "so a run was deleted from the chain"]


def _delete_oldest_run(out: Path, runs: list[Path]) -> list[str]:
    shutil.rmtree(runs[0])
    return [f"{runs[0]}: missing: run {runs[1].name} chains to ../{runs[0].name}/report.json"]


def _delete_middle_report(out: Path, runs: list[Path]) -> list[str]:
    (runs[1] / "report.json").unlink()
    return [f"{runs[1] / 'report.json'}: missing: run {runs[2].name} chains to",
            "the report was deleted from its run"]


def _delete_oldest_report(out: Path, runs: list[Path]) -> list[str]:
    (runs[0] / "report.json").unlink()
    return [f"{runs[0] / 'report.json'}: missing: run {runs[1].name} chains to"]


def _add_file(out: Path, runs: list[Path]) -> list[str]:
    (runs[1] / "evidence" / "extra.json").write_text("{}")
    return [f"FAILED: {runs[1] / 'evidence' / 'extra.json'}: file not covered by the manifest"]


def _add_folder(out: Path, runs: list[Path]) -> list[str]:
    (runs[2] / "notes").mkdir()
    (runs[2] / "notes" / "a.txt").write_text("x")
    return [f"FAILED: {runs[2] / 'notes'}: folder not covered by the manifest"]


def _add_symlink(out: Path, runs: list[Path]) -> list[str]:
    (runs[2] / "evidence" / "x.json").symlink_to(runs[2] / "report.json")
    return [f"FAILED: {runs[2] / 'evidence' / 'x.json'}: symlink inside a run folder"]


TAMPERING: dict[str, Callable[[Path, list[Path]], list[str]]] = {
    "swap the newest two run folders": _swap_newest_two,
    "swap the oldest two run folders": _swap_oldest_two,
    "copy run 2 under run 3's name": _copy_run_under_newest_name,
    "copy run 2 under a new name, latest on it": _copy_run_under_a_new_name,
    "delete the newest run, latest to the oldest": _delete_newest_latest_to_oldest,
    "point latest back at run 2": _latest_pointed_back,
    "replace latest by a copy of run 2": _latest_replaced_by_a_copy,
    "delete the middle run": _delete_middle_run,
    "delete the oldest run": _delete_oldest_run,
    "delete the middle report.json": _delete_middle_report,
    "delete the oldest report.json": _delete_oldest_report,
    "add a file to an earlier run": _add_file,
    "add a folder to a run": _add_folder,
    "add a symlink to a run": _add_symlink,
}


@pytest.mark.parametrize("operation", TAMPERING)
def test_tampering_fails_and_is_named(chain: Chain, operation: str) -> None:
    key, out, runs = chain
    expected = TAMPERING[operation](out, runs)
    run = _verify(out / "latest", key)
    assert run.code == 1, run.output
    assert "verification FAILED" in run.stdout
    for text in expected:
        assert text in run.stdout, run.stdout


def test_allow_additions_makes_added_files_notes_but_never_symlinks(chain: Chain) -> None:
    key, out, runs = chain
    _add_file(out, runs)
    _add_folder(out, runs)
    run = _verify(out / "latest", key, "--allow-additions")
    assert run.code == 0, run.output
    assert f"note: {runs[1] / 'evidence' / 'extra.json'}: file not covered" in run.stdout
    assert f"note: {runs[2] / 'notes'}: folder not covered" in run.stdout
    assert _verify(out / "latest", key, "--allow-additions", "--strict").code == 1
    _add_symlink(out, runs)
    run = _verify(out / "latest", key, "--allow-additions")
    assert run.code == 1 and "symlink inside a run folder" in run.stdout, run.output


@pytest.mark.parametrize("what", ["a listed evidence file", "the evidence folder"])
def test_a_symlink_in_place_of_a_listed_entry_fails(chain: Chain, what: str) -> None:
    """Even one pointing at identical bytes: verify never follows a link."""
    key, out, runs = chain
    evidence = runs[2] / "evidence"
    victim = sorted(evidence.iterdir())[0] if what == "a listed evidence file" else evidence
    (out.parent / "copy").mkdir()
    moved = out.parent / "copy" / victim.name
    victim.rename(moved)
    victim.symlink_to(moved)
    run = _verify(runs[2], key)
    assert run.code == 1, run.output
    assert f"{victim}: symlink inside a run folder" in run.stdout


def test_allow_pruned_accepts_only_a_run_removed_from_the_start(chain: Chain) -> None:
    """Retention removes the oldest runs whole: that is a note with --allow-pruned. A gap, or a
    report deleted from a run that is still there, fails all the same."""
    key, out, runs = chain
    shutil.rmtree(runs[0])
    run = _verify(out / "latest", key, "--allow-pruned")
    assert run.code == 0, run.output
    assert f"note: {runs[1].name}: run {runs[1].name} chains to" in run.stdout
    (runs[1] / "report.json").unlink()
    assert _verify(out / "latest", key, "--allow-pruned").code == 1


def test_allow_pruned_still_fails_on_a_gap(chain: Chain) -> None:
    key, out, runs = chain
    shutil.rmtree(runs[1])
    run = _verify(out / "latest", key, "--allow-pruned")
    assert run.code == 1, run.output
    assert f"{runs[0]}: run folder not in the chain of latest" in run.stdout


def test_the_manifest_writer_refuses_a_symlink(tmp_path: Path) -> None:
    """A link planted in the staging folder: the run is not written at all, not half."""
    outside = tmp_path / "outside.json"
    outside.write_text("{}")

    def plant(folder: Path) -> None:
        folder.mkdir(exist_ok=True)  # run/output.py may have made it already
        (folder / "planted.json").symlink_to(outside)

    report = {"run": {"id": "0123456789abcdef", "previous_report": None}}
    with pytest.raises(InputError, match="refusing to sign a run folder holding a symlink"):
        write_run(tmp_path / "out", "20260101T000000Z", "0123456789abcdef", report, plant)
    assert sorted(os.listdir(tmp_path / "out")) in ([], [".gitc-agent.lock"])
    assert outside.read_text() == "{}"
