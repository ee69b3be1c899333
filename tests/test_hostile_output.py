"""Hostile output paths and disks through the real command.

A bad output path is exit 2 before anything is collected, with nothing written; a planted link
(the lock file, the staging folder) is never written through; a disk that fills mid-run is exit 3
with no half run folder left and `latest` unchanged; `.partial` folders a killed run left are
removed by the next run, never a live run's.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from gitc_agent import demo
from tests.cli_run import Run, gitc

HOST = "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())[:64]


def _listing(folder: Path) -> list[str]:
    """Every name below `folder` (links not followed), to show that nothing was written."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def _demo(out: Path, *extra: str | Path, env: dict[str, str] | None = None) -> Run:
    # --lang en: the demo policy is Dutch, and these tests read the English errors
    return gitc("demo", "--out", out, "--quiet", "--lang", "en", *extra, env=env)


def _hooked(hook: str, *args: str | Path) -> Run:
    """The real CLI (`gitc_agent.__main__`) in a subprocess that first runs `hook`: how a test
    plays the other process racing the run, or the disk filling, at an exact moment."""
    code = (textwrap.dedent(hook)
            + "\nimport runpy\nrunpy.run_module('gitc_agent', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _clean_error(run: Run, code: int, *names: str | Path) -> None:
    assert run.code == code, run.output
    assert "Traceback" not in run.output, run.output
    for name in names:
        assert str(name) in run.stderr, run.stderr


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An output folder with one demo run in it (and `latest` pointing at it)."""
    out = tmp_path_factory.mktemp("seeded") / "out"
    assert _demo(out).code == 3
    return out


@pytest.fixture
def out(seeded: Path, tmp_path: Path) -> Path:
    """A private copy of the seeded output folder."""
    target = tmp_path / "out"
    shutil.copytree(seeded, target, symlinks=True)
    return target


def _runs(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name[:1].isdigit())


# --- the lock file ---------------------------------------------------------------------------


def test_a_symlink_planted_as_the_lock_is_refused_and_its_target_untouched(out: Path,
                                                                          tmp_path: Path) -> None:
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n")
    lock = out / ".gitc-agent.lock"
    lock.unlink()
    lock.symlink_to(victim)
    before, latest = _listing(out), os.readlink(out / "latest")
    run = _demo(out)
    _clean_error(run, 2, lock)
    assert "symbolic link" in run.stderr
    assert victim.read_text() == "keep me\n"
    assert _listing(out) == before and os.readlink(out / "latest") == latest


def test_a_dangling_symlink_as_the_lock_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "created-through-the-link"
    (out / ".gitc-agent.lock").symlink_to(victim)
    run = _demo(out)
    _clean_error(run, 2, out / ".gitc-agent.lock")
    assert not victim.exists() and _listing(out) == [".gitc-agent.lock"]


def test_a_lock_path_that_is_a_folder_is_refused(out: Path) -> None:
    lock = out / ".gitc-agent.lock"
    lock.unlink()
    lock.mkdir()
    latest = os.readlink(out / "latest")
    before = _listing(out)
    run = _demo(out)
    _clean_error(run, 2, lock)
    assert _listing(out) == before and os.readlink(out / "latest") == latest


def test_the_lock_check_runs_at_the_real_open_too(tmp_path: Path) -> None:
    """Planted between the check and the open (here: by the hook, after arguments were read)."""
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    hook = f"""
        import gitc_agent.run.locking as locking
        from pathlib import Path
        real = locking.open_lock_file
        def planted(path):
            Path(path).symlink_to({str(victim)!r})
            return real(path)
        locking.open_lock_file = planted
    """
    run = _hooked(hook, "demo", "--out", out, "--quiet", "--lang", "en")
    _clean_error(run, 2, out / ".gitc-agent.lock")
    assert victim.read_text() == "keep me\n" and not _runs(out)


# --- the staging folder ----------------------------------------------------------------------

RACE = """
    import os
    from pathlib import Path
    VICTIM, NAMES, MODE = {victim!r}, {names!r}, {mode!r}
    real_mkdir = os.mkdir
    def racing_mkdir(path, mode=0o777, *args, **kw):
        path = Path(path)
        if MODE == "link-folder" and path.name.endswith(".partial"):
            real_mkdir(path, mode, *args, **kw)
            os.symlink(VICTIM, path / "evidence")  # the racer is first to make evidence/
            return
        real_mkdir(path, mode, *args, **kw)
        if MODE == "link-files" and path.name == "evidence" and path.parent.name.endswith(
                ".partial"):
            for name in NAMES:
                os.symlink(Path(VICTIM) / name, path / name)
    os.mkdir = racing_mkdir
"""


@pytest.mark.parametrize("mode", ["link-files", "link-folder"])
def test_links_raced_into_the_staging_folder_are_never_written_through(
        out: Path, tmp_path: Path, mode: str) -> None:
    names = sorted(p.name for p in demo.evidence_dir().glob("*.json"))
    victim = tmp_path / "victim"
    victim.mkdir()
    for name in names:
        (victim / name).write_text("original\n")
    latest = os.readlink(out / "latest")
    runs = _runs(out)
    run = _hooked(RACE.format(victim=str(victim), names=names, mode=mode),
                  "demo", "--out", out, "--quiet", "--lang", "en")
    _clean_error(run, 3, out)
    assert "no report was written" in run.stderr
    assert sorted(p.name for p in victim.iterdir()) == names
    assert all((victim / n).read_text() == "original\n" for n in names)
    assert not list(out.glob(".*.partial")) and _runs(out) == runs
    assert os.readlink(out / "latest") == latest


def test_the_staging_folder_is_private_while_written_and_the_run_folder_is_not(
        tmp_path: Path) -> None:
    out, seen = tmp_path / "out", tmp_path / "seen.json"
    hook = f"""
        import json, os, stat
        from pathlib import Path
        real = os.rename
        def rename(src, dst, *a, **kw):
            if str(src).endswith(".partial"):
                Path({str(seen)!r}).write_text(json.dumps(
                    [Path(src).name, oct(stat.S_IMODE(os.stat(src).st_mode))]))
            return real(src, dst, *a, **kw)
        real_mkdir = os.mkdir
        def mkdir(path, mode=0o777, *a, **kw):
            real_mkdir(path, mode, *a, **kw)
            if str(path).endswith(".partial"):
                Path({str(seen)!r} + ".mkdir").write_text(
                    oct(stat.S_IMODE(os.stat(path).st_mode)))
        os.rename, os.mkdir = rename, mkdir
    """
    run = _hooked(hook, "demo", "--out", out, "--quiet", "--lang", "en")
    assert run.code == 3, run.output
    assert Path(f"{seen}.mkdir").read_text() == "0o700"
    name, _mode = json.loads(seen.read_text())
    assert re.fullmatch(rf"\.\d{{8}}T\d{{6}}Z-[0-9a-f]{{8}}\.\d+@{HOST}\.partial", name), name
    assert (out / "latest").resolve().stat().st_mode & 0o055 == 0o055  # readable as before


# --- nothing written on exit 2 ---------------------------------------------------------------


@pytest.mark.parametrize("bad", [["--previous", "missing-report.json"],
                                 ["--format", "docx"],
                                 ["--sign", "missing.key"]])
def test_the_log_file_is_not_created_before_the_arguments_are_checked(
        tmp_path: Path, bad: list[str]) -> None:
    log = tmp_path / "logs" / "run.jsonl"
    out = tmp_path / "out"
    run = _demo(out, "--log-file", log, *[tmp_path / b if b.endswith((".json", ".key")) else b
                                         for b in bad])
    _clean_error(run, 2)
    assert not log.exists() and not log.parent.exists() and not out.exists()


def _broken_inputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "kev.json").write_text('{"catalogVersion": "x"}')
    (tmp_path / "register.csv").write_text("foo,bar\n1,2\n")
    feeds = tmp_path / "feeds.yaml"
    feeds.write_text("feeds: {kev_catalog: kev.json}\n")
    datafix = tmp_path / "datafix.yaml"
    datafix.write_text("datafix:\n  register:\n    file: register.csv\n")
    return {"feeds": feeds, "datafix": datafix}


@pytest.mark.parametrize("command", ["scan", "collect"])
@pytest.mark.parametrize("section", ["feeds", "datafix"])
def test_a_broken_input_file_leaves_no_folder_lock_or_log(tmp_path: Path, command: str,
                                                          section: str) -> None:
    config = _broken_inputs(tmp_path)[section]
    out, log = tmp_path / "out", tmp_path / "run.jsonl"
    extra = ["--policy", "adr-gitc", "--log-file", log] if command == "scan" else []
    run = gitc(command, "--config", config, "--out", out, *extra)
    _clean_error(run, 2, "kev.json" if section == "feeds" else "register.csv")
    assert not out.exists() and not log.exists()


# --- output paths that cannot be used --------------------------------------------------------


def test_out_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "report-here"
    target.write_text("a file\n")
    run = _demo(target)
    _clean_error(run, 2, target)
    assert "not a folder" in run.stderr and target.read_text() == "a file\n"
    assert _listing(tmp_path) == ["report-here"]


def test_out_under_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    run = _demo(tmp_path / "file" / "out")
    _clean_error(run, 2, tmp_path / "file")
    assert "under a file" in run.stderr and _listing(tmp_path) == ["file"]


def _tmpfs(folder: Path, options: str, what: str) -> Iterator[Path]:
    """A real tmpfs on `folder` for the test's duration: the only honest way to run out of room."""
    folder.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", folder],
                      capture_output=True).returncode:
        pytest.skip(f"cannot mount {what} here (needs root)")
    yield folder
    subprocess.run(["umount", folder], check=True)


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    yield from _tmpfs(tmp_path / "ro", "ro,size=64k", "a read-only tmpfs")


def test_out_that_is_not_writable(read_only: Path) -> None:
    run = _demo(read_only / "out")
    _clean_error(run, 2, read_only / "out")
    assert "not writable" in run.stderr


def test_latest_that_is_a_real_folder(out: Path) -> None:
    latest = out / "latest"
    latest.unlink()
    latest.mkdir()
    (latest / "mine.txt").write_text("someone's\n")
    before = _listing(out)
    run = _demo(out)
    _clean_error(run, 2, latest)
    assert _listing(out) == before and (latest / "mine.txt").read_text() == "someone's\n"


def test_keygen_out_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "keys"
    target.write_text("x")
    run = gitc("keygen", "--out", target)
    _clean_error(run, 2, target)
    assert _listing(tmp_path) == ["keys"] and target.read_text() == "x"


def test_report_out_that_is_a_file(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "html"
    target.write_text("x")
    run = gitc("report", seeded / "latest" / "report.json", "--format", "html", "--out", target)
    _clean_error(run, 2, target)
    assert _listing(tmp_path) == ["html"] and target.read_text() == "x"


def test_collect_out_that_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "kev.json").write_text('{"catalogVersion": "x", "vulnerabilities": []}')
    config = tmp_path / "c.yaml"
    config.write_text("feeds: {kev_catalog: kev.json}\n")
    target = tmp_path / "evidence"
    target.write_text("x")
    run = gitc("collect", "--config", config, "--out", target)
    _clean_error(run, 2, target)
    assert target.read_text() == "x"


def test_config_output_dir_that_is_a_file_is_refused_before_collecting(tmp_path: Path) -> None:
    (tmp_path / "kev.json").write_text('{"catalogVersion": "x", "vulnerabilities": []}')
    (tmp_path / "reports").write_text("x")
    config = tmp_path / "c.yaml"
    config.write_text("feeds: {kev_catalog: kev.json}\noutput: {dir: reports}\n")
    log = tmp_path / "run.jsonl"
    run = gitc("scan", "--policy", "adr-gitc", "--config", config, "--log-file", log)
    _clean_error(run, 2, tmp_path / "reports", "output.dir")
    assert not log.exists() and (tmp_path / "reports").read_text() == "x"


# --- stale staging folders -------------------------------------------------------------------


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_partial_folders_are_removed_and_live_ones_kept(out: Path) -> None:
    stale = [f".20260101T000000Z-deadbeef.{_dead_pid()}@{HOST}.partial",
             ".20260101T000001Z-0badf00d.partial"]  # written before owners were recorded
    kept = [f".20260101T000002Z-1234abcd.{os.getpid()}@{HOST}.partial",  # a live process
            f".20260101T000003Z-abcd1234.{_dead_pid()}@other-host.partial"]  # can't tell
    for name in stale + kept:
        (out / name / "evidence").mkdir(parents=True)
        (out / name / "evidence" / "half.json").write_text("{")
    run = _demo(out)
    assert run.code == 3, run.output
    assert sorted(p.name for p in out.glob(".*.partial")) == sorted(kept)
    assert len(_runs(out)) == 2


# --- a full disk -----------------------------------------------------------------------------

# room for one demo run folder (about 1 MB of report and evidence) but not for a second one
DISK_KIB = 1536


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs that holds one demo run (about 400 KiB) but not two."""
    yield from _tmpfs(tmp_path / "disk", f"size={DISK_KIB}k", "a small tmpfs")


def test_a_disk_that_fills_mid_run_is_incomplete_with_nothing_half_written(
        small_disk: Path) -> None:
    out = small_disk / "out"
    assert _demo(out).code == 3
    latest, runs = os.readlink(out / "latest"), _runs(out)
    run = _demo(out)
    _clean_error(run, 3, out)
    assert "No space left on device" in run.stderr and "no report was written" in run.stderr
    assert not list(out.glob(".*partial")) and not list(out.glob(".latest.*"))
    assert _runs(out) == runs and os.readlink(out / "latest") == latest
    assert gitc("verify", out / "latest").code == 0


def test_a_full_disk_for_report_leaves_no_short_file(seeded: Path, small_disk: Path) -> None:
    out = small_disk / "html"
    out.mkdir()
    with (small_disk / "filler").open("wb", buffering=0) as handle, suppress(OSError):
        handle.write(b"\0" * ((DISK_KIB - 4) * 1024))  # a few KiB left: less than the HTML report
    run = gitc("report", seeded / "latest" / "report.json", "--format", "html", "--out", out)
    _clean_error(run, 3, out)
    assert _listing(out) == []


def test_a_full_disk_for_keygen_leaves_no_half_key_pair(small_disk: Path) -> None:
    keys = small_disk / "keys"
    keys.mkdir()
    with (small_disk / "filler").open("wb", buffering=0) as handle, suppress(OSError):
        handle.write(b"\0" * (DISK_KIB * 1024))  # not one block left
    run = gitc("keygen", "--out", keys)
    _clean_error(run, 3, keys)
    assert "No space left on device" in run.stderr and _listing(keys) == []


def test_a_log_file_on_the_full_disk_is_one_warning_not_a_traceback(seeded: Path,
                                                                    small_disk: Path) -> None:
    log = small_disk / "run.jsonl"
    with (small_disk / "filler").open("wb", buffering=0) as handle, suppress(OSError):
        handle.write(b"\0" * (DISK_KIB * 1024))
    out = small_disk.parent / "out"
    shutil.copytree(seeded, out, symlinks=True)
    run = _demo(out, "--log-file", log)
    assert run.code == 3 and "Traceback" not in run.output and "Logging error" not in run.output
    assert run.stderr.count(f"cannot write the log file {log}") == 1
    assert len(_runs(out)) == 2  # the run itself (on another disk) is written
