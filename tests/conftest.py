"""Shared fixtures: the real Samba AD lab and a clean run environment.

The lab is started once per test session; each test that uses ``samba`` gets the DC as it was
after provisioning (its changes are undone afterwards), so tests do not depend on each other.
A missing Samba is a test error, not a skip: the README's test command installs it. Set
``GITC_LAB=off`` to deselect the lab tests explicitly (they are then reported as skipped).

Under CI (``CI`` set) the lab is the evidence that the AD collectors work: ``GITC_LAB=off`` is
a usage error there, and the run fails if any lab test was deselected, skipped or did not run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.postgres_lab import PostgresLab
from tests.lab.samba_lab import SambaLab, ensure_loopback_address


def _ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class _LabGuard:
    """Under CI, a green run without the lab's evidence is a failed run: this plugin counts the
    lab tests collected, deselected and passed, and fails the session if any did not pass."""

    def __init__(self, marker: str = "samba", label: str = "Samba lab") -> None:
        self.marker, self.label = marker, label
        self.collected: set[str] = set()
        self.deselected: set[str] = set()
        self.passed: set[str] = set()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.deselected.update(i.nodeid for i in items if self.marker in i.keywords)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.collected.update(i.nodeid for i in session.items if self.marker in i.keywords)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and report.passed and self.marker in report.keywords:
            self.passed.add(report.nodeid)

    def problems(self) -> list[str]:
        found = []
        if self.deselected:
            found.append(f"{len(self.deselected)} {self.label} test(s) deselected")
        missing = sorted(self.collected - self.passed)
        if missing:
            found.append(f"{len(missing)} {self.label} test(s) skipped or not run: "
                         + ", ".join(missing[:5]))
        if not self.collected and not self.deselected:
            found.append(f"no {self.label} test was collected")
        return found

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            return  # already failing
        problems = self.problems()
        if problems:
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            for problem in problems:
                if reporter is not None:
                    reporter.write_line(f"CI: {problem}", red=True, bold=True)
            session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_configure(config: pytest.Config) -> None:
    if not _ci():
        return
    if os.environ.get("GITC_LAB") == "off":
        raise pytest.UsageError("CI is set and GITC_LAB=off: CI must run the Samba AD lab tests")
    config.pluginmanager.register(_LabGuard(), "gitc-lab-guard")
    config.pluginmanager.register(_LabGuard("postgres", "PostgreSQL lab"), "gitc-pg-lab-guard")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("GITC_LAB") != "off":
        return
    skip = pytest.mark.skip(reason="GITC_LAB=off: Samba AD lab tests deselected on request")
    for item in items:
        if "samba" in item.keywords or "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def samba_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SambaLab]:
    # GITC_LAB_ADDRESS lets two test runs on one machine each have their own DC.
    address = os.environ.get("GITC_LAB_ADDRESS", "127.0.0.2")
    lab = SambaLab(tmp_path_factory.mktemp("samba") / "dc", address=address)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="session")
def postgres_lab() -> Iterator[PostgresLab]:
    """A real PostgreSQL 15 with pgaudit and TLS on GITC_LAB_ADDRESS, for the whole session."""
    lab = PostgresLab(address=os.environ.get("GITC_LAB_ADDRESS", "127.0.0.2"))
    ensure_loopback_address(lab.address)
    lab.start()
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def samba(samba_lab: SambaLab) -> Iterator[SambaLab]:
    """The running lab DC; whatever the test changes is put back afterwards."""
    state = samba_lab.snapshot()
    try:
        yield samba_lab
    finally:
        samba_lab.restore(state)


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs write default output folders into the cwd: keep that inside the test's tmp dir."""
    monkeypatch.chdir(tmp_path)
