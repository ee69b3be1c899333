"""Integrity: signed manifests, the report chain, and verify naming exactly what changed."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from pathlib import Path

import pytest

from tests.cli_run import gitc


def _flip(path: Path, offset: int = 40) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory):
    """Two signed demo runs in one output folder (the second chained to the first)."""
    base = tmp_path_factory.mktemp("integrity")
    assert gitc("keygen", "--out", base / "keys").code == 0
    assert gitc("keygen", "--out", base / "other").code == 0
    out = base / "out"
    for _ in range(2):
        run = gitc("demo", "--out", out, "--format", "html,csv", "--quiet",
                   "--sign", base / "keys" / "gitc-agent-signing.key")
        assert run.code in (1, 3), run.output
    return base, out


@pytest.fixture
def copy(signed, tmp_path: Path):
    """A private copy of the signed output folder that a test may damage."""
    base, out = signed
    target = tmp_path / "out"
    shutil.copytree(out, target, symlinks=True)
    newest = (target / "latest").resolve()
    older = [p for p in target.iterdir() if p.is_dir() and not p.is_symlink()
             and not p.name.startswith(".") and p != newest]
    assert len(older) == 1  # two runs in one second sort either way by name: use `latest`
    return base / "keys" / "gitc-agent-signing.pub", [older[0], newest]


def _verify(target: Path, key: Path | None = None):
    return gitc("verify", target, *(["--key", key] if key else []))


def test_keygen_private_key_is_0600_and_never_overwritten(signed) -> None:
    base, _ = signed
    private = base / "keys" / "gitc-agent-signing.key"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    before = private.read_bytes()
    again = gitc("keygen", "--out", base / "keys")
    assert again.code == 2 and "refusing to overwrite" in again.stderr
    assert private.read_bytes() == before


def test_an_untouched_chain_verifies(copy) -> None:
    key, runs = copy
    run = _verify(runs[1], key)
    assert run.code == 0, run.output
    assert "OK: 2 run(s) verified" in run.stdout
    report = json.loads((runs[1] / "report.json").read_text())
    assert report["run"]["previous_report"]["sha256"] == hashlib.sha256(
        (runs[0] / "report.json").read_bytes()).hexdigest()
    manifest = json.loads((runs[1] / "manifest.json").read_text())
    assert {"report.json", "report.html", "report.csv"} <= set(manifest["files"])


@pytest.mark.parametrize("victim", ["report.json", "evidence"])
def test_one_flipped_byte_is_named(copy, victim: str) -> None:
    key, runs = copy
    path = runs[1] / "report.json" if victim == "report.json" else sorted(
        (runs[1] / "evidence").iterdir())[0]
    _flip(path)
    run = _verify(runs[1], key)
    assert run.code == 1
    assert f"{path}: SHA-256 does not match the manifest" in run.stdout.replace("\n", "")


def test_a_changed_earlier_report_breaks_the_chain(copy) -> None:
    key, runs = copy
    _flip(runs[0] / "report.json", 200)
    run = _verify(runs[1], key)
    text = run.stdout.replace("\n", "")
    assert run.code == 1
    assert f"{runs[0] / 'report.json'}: SHA-256 does not match what run {runs[1].name}" in text


def test_a_changed_manifest_or_another_key_is_rejected(copy, signed) -> None:
    key, runs = copy
    base, _ = signed
    other = _verify(runs[1], base / "other" / "gitc-agent-signing.pub")
    assert other.code == 1 and "signature does not verify" in other.stdout
    manifest = runs[1] / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"sha256"', '"sha256" ', 1))
    run = _verify(runs[1], key)
    assert run.code == 1 and "manifest.json.sig: the signature does not verify" in \
        run.stdout.replace("\n", "")


def test_a_missing_signature_is_reported(copy) -> None:
    key, runs = copy
    (runs[1] / "manifest.json.sig").unlink()
    run = _verify(runs[1], key)
    assert run.code == 1 and "is not signed" in run.stdout
    without_key = _verify(runs[1])
    assert without_key.code == 0 and "signatures not checked" in without_key.stdout


def test_verify_input_errors(tmp_path: Path, copy) -> None:
    key, runs = copy
    assert _verify(tmp_path).code == 2
    (tmp_path / "k.pub").write_text("nonsense")
    assert _verify(runs[1], tmp_path / "k.pub").code == 2
    loose = tmp_path / "loose.key"
    shutil.copy(key.with_suffix(".key"), loose)
    loose.chmod(0o644)
    run = gitc("demo", "--out", tmp_path / "o", "--sign", loose)
    assert run.code == 2 and "chmod 600" in run.stderr and not (tmp_path / "o").exists()


@pytest.mark.parametrize("victim", ["report.html", "evidence"])
def test_a_deleted_manifest_file_fails(copy, victim: str) -> None:
    key, runs = copy
    path = runs[1] / victim if victim != "evidence" else sorted(
        (runs[1] / "evidence").iterdir())[0]
    path.unlink()
    for with_key in (key, None):  # the hashes are checked with or without the signature
        run = _verify(runs[1], with_key)
        assert run.code == 1, run.output
        assert f"{path}: listed in the manifest but missing" in run.stdout.replace("\n", "")


def test_additions_fail_and_allow_additions_makes_them_notes(copy) -> None:
    """Issue 13: additions fail by default (`--strict` is accepted and is that default);
    `--allow-additions` downgrades files and folders to notes, never a symlink."""
    key, runs = copy
    added = {
        runs[1] / "evidence" / "extra.json": "file",
        runs[1] / "notes": "folder",
    }
    (runs[1] / "evidence" / "extra.json").write_text("{}")
    (runs[1] / "notes").mkdir()
    (runs[1] / "notes" / "a.txt").write_text("x")
    for extra in ([], ["--strict"]):
        run = gitc("verify", runs[1], "--key", key, *extra)
        text = run.stdout.replace("\n", "")
        assert run.code == 1, run.output
        for path, kind in added.items():
            assert f"FAILED: {path}: {kind} not covered by the manifest" in text
        assert "verification FAILED: 2 problem(s)" in text
        assert "a.txt" not in text  # the added folder is named, not each thing in it
    allowed = gitc("verify", runs[1], "--key", key, "--allow-additions")
    text = allowed.stdout.replace("\n", "")
    assert allowed.code == 0, allowed.output  # still what was signed; the additions are named
    for path, kind in added.items():
        assert f"note: {path}: {kind} not covered by the manifest (added later)" in text
    (runs[1] / "report-link.json").symlink_to(runs[1] / "report.json")
    linked = gitc("verify", runs[1], "--key", key, "--allow-additions")
    assert linked.code == 1 and f"FAILED: {runs[1] / 'report-link.json'}: symlink inside a run " \
        "folder" in linked.stdout.replace("\n", "")


def test_strict_passes_an_untouched_chain(copy) -> None:
    key, runs = copy
    run = gitc("verify", runs[1], "--key", key, "--strict")
    assert run.code == 0, run.output
    assert "not covered" not in run.stdout
