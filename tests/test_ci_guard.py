"""Under CI the suite cannot go green without the Samba lab tests (tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB_TESTS = "tests/test_winrm_kerberos_samba.py"  # any file of samba-marked tests


def pytest_run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "GITC_LAB")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
                          timeout=120, check=False)


def test_deselected_lab_tests_fail_a_ci_run() -> None:
    run = pytest_run(LAB_TESTS, "-m", "not samba", CI="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Samba lab test(s) deselected" in run.stdout


def test_the_same_run_outside_ci_is_green_as_before() -> None:
    run = pytest_run(LAB_TESTS, "-m", "not samba")
    assert run.returncode == 5, run.stdout + run.stderr  # nothing left to run; no CI guard


def test_gitc_lab_off_is_a_usage_error_under_ci() -> None:
    run = pytest_run(LAB_TESTS, CI="true", GITC_LAB="off")
    assert run.returncode == 4, run.stdout + run.stderr
    assert "GITC_LAB=off" in run.stderr


def test_skipped_lab_tests_fail_a_ci_run(tmp_path: Path) -> None:
    """A lab test that skips itself (not deselected) is caught as well."""
    probe = tmp_path / "test_probe.py"
    probe.write_text("import pytest\n\n\n@pytest.mark.samba\ndef test_probe():\n"
                     "    pytest.skip('no lab today')\n")
    # the probe lives outside tests/, so load the suite's conftest as a plugin
    run = pytest_run("-c", "pyproject.toml", "-p", "tests.conftest", str(probe), CI="1")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 Samba lab test(s) skipped or not run" in run.stdout
