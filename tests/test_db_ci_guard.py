"""Under CI the suite cannot go green without the PostgreSQL lab tests (tests/conftest.py)."""

from __future__ import annotations

from tests.test_ci_guard import pytest_run

LAB_TESTS = "tests/test_db_postgres_lab.py"


def test_deselected_postgres_tests_fail_a_ci_run() -> None:
    run = pytest_run(LAB_TESTS, "-m", "not postgres", CI="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "PostgreSQL lab test(s) deselected" in run.stdout


def test_gitc_lab_off_skips_the_postgres_tests_outside_ci() -> None:
    run = pytest_run(LAB_TESTS, GITC_LAB="off")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "skipped" in run.stdout and "passed" not in run.stdout
