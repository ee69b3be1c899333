"""Output-format plugins are isolated like check plugins: whatever a plugin raises at import or
render, SystemExit and KeyboardInterrupt included, is a reported problem and that format is
skipped; only the run's own interruption (RunInterrupted) and the user's Ctrl-C stop the run."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from gitc_agent.report.formats import parse_formats, render_all
from gitc_agent.report.formats.plugin import RenderOptions
from gitc_agent.report.formats.registry import BUILTIN, discover
from gitc_agent.run.interrupt import RunInterrupted
from tests import report_samples
from tests.cli_run import gitc
from tests.fake_distribution import fake_distribution

RENDERS = '''
import os, signal, time
from gitc_agent.report.formats.plugin import OutputFormat
from gitc_agent.run.interrupt import RunInterrupted


def _exit(report, options):
    raise SystemExit(3)


def _keyboard(report, options):
    raise KeyboardInterrupt


def _stopped(report, options):
    raise RunInterrupted("stopped by SIGTERM")


def _ctrl_c(report, options):
    os.kill(os.getpid(), signal.SIGINT)  # the user's Ctrl-C arrives while it renders
    time.sleep(5)
    return b"never"


EXIT = OutputFormat(name="exits", file_name="exits.txt", render=_exit)
KEYBOARD = OutputFormat(name="keyboard", file_name="keyboard.txt", render=_keyboard)
STOPPED = OutputFormat(name="stopped", file_name="stopped.txt", render=_stopped)
CTRL_C = OutputFormat(name="ctrlc", file_name="ctrlc.txt", render=_ctrl_c)
GOOD = OutputFormat(name="good", file_name="good.txt", render=lambda r, o: b"fine")
'''
MODULES = {
    "iso_import_exit": "import sys\nsys.exit(0)\n",
    "iso_import_keyboard": "raise KeyboardInterrupt\n",
    "iso_import_stopped": ("from gitc_agent.run.interrupt import RunInterrupted\n"
                           "raise RunInterrupted('the overall deadline of 1 s passed')\n"),
    "iso_renders": RENDERS,
}
ISOLATED = {"importexit": "iso_import_exit:FORMAT", "importkbd": "iso_import_keyboard:FORMAT",
            "exits": "iso_renders:EXIT", "keyboard": "iso_renders:KEYBOARD",
            "good": "iso_renders:GOOD"}


def _distribution(folder: Path, entry_points: dict[str, str]) -> Path:
    """An installed distribution `isofmt` on `folder`: the modules plus dist-info metadata."""
    return fake_distribution(folder, "isofmt", MODULES, entry_points)


@pytest.fixture
def sample() -> dict[str, Any]:
    return report_samples.report()


def test_system_exit_and_keyboard_interrupt_from_a_format_plugin_are_its_problems(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site", ISOLATED)))
    registry = discover()
    names = parse_formats(["all"], registry)
    assert names == [*BUILTIN, "exits", "good", "keyboard"]
    out = render_all(sample, names, RenderOptions(), registry)
    assert out["good.txt"] == b"fine" and "report.json" in out and "report.html" in out
    assert "exits.txt" not in out and "keyboard.txt" not in out
    problems = {p.source.split()[2]: p.message for p in registry.problems}
    assert problems == {"importexit": "load failed: SystemExit: 0",
                        "importkbd": "load failed: KeyboardInterrupt: ",
                        "exits": "render failed: SystemExit: 3",
                        "keyboard": "render failed: KeyboardInterrupt: "}


def test_run_interrupted_from_a_format_plugin_still_stops_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(_distribution(
        tmp_path / "site", {"stopped": "iso_renders:STOPPED", "atimport": "iso_import_stopped:F"})))
    registry = discover()
    with pytest.raises(RunInterrupted, match="deadline"):
        parse_formats(["atimport"], registry)
    with pytest.raises(RunInterrupted, match="SIGTERM"):
        render_all(sample, ["json", "stopped"], RenderOptions(), registry)


def test_the_users_ctrl_c_during_a_format_plugin_still_stops_the_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample: dict[str, Any]) -> None:
    monkeypatch.syspath_prepend(str(_distribution(tmp_path / "site",
                                                  {"ctrlc": "iso_renders:CTRL_C"})))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        registry = discover()
        with pytest.raises(KeyboardInterrupt):
            render_all(sample, ["ctrlc"], RenderOptions(), registry)
        assert not registry.problems
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_format_plugin_that_exits_does_not_end_the_report_command(tmp_path: Path) -> None:
    saved = tmp_path / "run" / "report.json"
    saved.parent.mkdir()
    saved.write_text(json.dumps(report_samples.report(), indent=2))
    site = _distribution(tmp_path / "site", ISOLATED)
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    done = gitc("report", saved, "--format", "all", "--out", tmp_path / "out", env=env)
    assert done.code == 0, done.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["good.txt", "junit.xml", "oscal-assessment-results.json", "report.csv",
                       "report.html", "report.pdf", "report.xlsx"]
    assert "load failed: SystemExit: 0" in done.stderr
    assert "render failed: KeyboardInterrupt" in done.stderr
    assert "Traceback" not in done.stderr
