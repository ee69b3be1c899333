"""Shared fixtures: the real Samba AD lab and a clean run environment.

The lab is started once per test session; each test that uses ``samba`` gets the DC as it was
after provisioning (its changes are undone afterwards), so tests do not depend on each other.
A missing Samba is a test error, not a skip: the README's test command installs it. Set
``GITC_LAB=off`` to deselect the lab tests explicitly (they are then reported as skipped).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab.samba_lab import SambaLab


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("GITC_LAB") != "off":
        return
    skip = pytest.mark.skip(reason="GITC_LAB=off: Samba AD lab tests deselected on request")
    for item in items:
        if "samba" in item.keywords:
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
