"""The local admin host collector, run for real on this machine, and the host.* checks."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from gitc_agent.collectors import local_host
from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.registry import discover

REG = discover(use_entry_points=False)


def run(check_id: str, docs: list[EvidenceDoc], **params: Any) -> list[tuple[str, str, str]]:
    spec = REG.get(check_id)
    assert spec is not None
    return [(o.subject, o.status.value, o.message)
            for o in spec.func(EvidenceSet(docs), spec.params(**params))]


@pytest.mark.skipif(shutil.which("apt") is None, reason="needs a Debian/Ubuntu host with apt")
def test_collects_this_machine_and_consults_apt() -> None:
    doc = local_host.collect()
    assert doc.kind == "host.state"
    assert doc.data["os"]["kernel"]
    assert doc.data["os"]["boot_time"] < doc.collected_at
    assert any(name.startswith("python") for name in doc.data["agents"]["process_names"])
    assert "apt" in doc.data["package_managers"]
    apt = doc.data["updates_apt"]
    # Same list as apt itself reports right now (not a fixed number).
    listing = subprocess.run(["apt", "list", "--upgradable"], capture_output=True, text=True,
                             env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"}, check=True).stdout
    assert len(apt["packages"]) == sum("upgradable from" in ln for ln in listing.splitlines())
    for pkg in apt["packages"]:
        assert pkg["security"] == any("security" in s for s in pkg["suites"])
    assert "running_kernel" in doc.data["reboot"]
    # Every host.* check gives a verdict (or a reasoned error) on real evidence.
    for cid in ("host.patch.pending_updates", "host.patch.reboot_required",
                "host.monitoring.agent_running"):
        results = run(cid, [doc])
        assert results and all(st in ("pass", "fail", "error") for _, st, _ in results)


def admin(**overrides: Any) -> EvidenceDoc:
    data: dict[str, Any] = {
        "os": {"hostname": "adm"},
        "agents": {"process_names": ["filebeat", "sshd"], "executables": ["/opt/traps/bin/pmd"],
                   "systemd_units": []},
        "package_managers": ["apt"],
        "updates_apt": {"packages": [{"name": "libssl3", "security": True},
                                     {"name": "tzdata", "security": False}],
                        "lists_updated_at": "2026-11-15T00:00:00+00:00"},
        "reboot": {"flag_supported": True, "flag_present": False, "running_kernel": "6.1.0-27",
                   "newest_kernel": "6.1.0-27"},
    }
    data.update(overrides)
    return EvidenceDoc(kind="host.state", target="adm", collector="t", data=data,
                       collected_at="2026-11-16T08:00:00+00:00")


def test_pending_updates_fail_pass_and_stale_lists() -> None:
    assert run("host.patch.pending_updates", [admin()])[0][1] == "fail"
    clean = {"packages": [{"name": "tzdata", "security": False}],
             "lists_updated_at": "2026-11-15T00:00:00+00:00"}
    assert run("host.patch.pending_updates", [admin(updates_apt=clean)])[0][1] == "pass"
    stale = {**clean, "lists_updated_at": "2026-09-01T00:00:00+00:00"}
    [(_, status, msg)] = run("host.patch.pending_updates", [admin(updates_apt=stale)])
    assert status == "error" and "days old" in msg


def test_reboot_required_signals() -> None:
    assert run("host.patch.reboot_required", [admin()])[0][1] == "pass"
    newer = {"flag_supported": False, "flag_present": False, "running_kernel": "6.1.0-26",
             "newest_kernel": "6.1.0-27"}
    assert run("host.patch.reboot_required", [admin(reboot=newer)])[0][1] == "fail"
    blind = {"flag_supported": False, "flag_present": False, "running_kernel": "6.1",
             "newest_kernel": None}
    assert run("host.patch.reboot_required", [admin(reboot=blind)])[0][1] == "error"


def test_agents_by_process_executable_prefix_and_unit() -> None:
    results = {s: st for s, st, _ in run("host.monitoring.agent_running", [admin()])}
    assert results == {"host:adm#EDR": "pass", "host:adm#log forwarding": "pass"}
    results = {s: st for s, st, _ in run(
        "host.monitoring.agent_running", [admin()],
        required=[{"role": "SIEM", "any_of": ["wazuh-agentd"]}])}
    assert results == {"host:adm#SIEM": "fail"}
