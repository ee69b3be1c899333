"""The local admin host collector, run for real on this machine, and the host.* checks."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
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
    # Each host.* check gives the verdict this machine's state calls for, worked out here from
    # the machine itself (apt, /var/lib/apt/lists, /boot, the reboot flag, running processes).
    verdicts = {cid: [st for _, st, _ in run(cid, [doc])] for cid in (
        "host.patch.pending_updates", "host.patch.reboot_required",
        "host.monitoring.agent_running")}
    assert verdicts == {
        "host.patch.pending_updates": [_expected_pending(listing, doc.collected_at)],
        "host.patch.reboot_required": [_expected_reboot()],
        "host.monitoring.agent_running": _expected_agents(),
    }


def _expected_pending(apt_listing: str, collected_at: str) -> str:
    """fail with a pending security update; else error unless the lists are at most 7 days old."""
    import datetime as dt

    lines = [ln for ln in apt_listing.splitlines() if "upgradable from" in ln]
    if any("security" in ln.split()[0].partition("/")[2] for ln in lines):
        return "fail"
    lists = list(Path("/var/lib/apt/lists").glob("*Release"))
    if not lists:
        return "error"
    newest = dt.datetime.fromtimestamp(max(p.stat().st_mtime for p in lists), dt.UTC)
    age = (dt.datetime.fromisoformat(collected_at) - newest).days
    return "pass" if age <= 7 else "error"


def _expected_reboot() -> str:
    import platform
    import re

    def key(name: str) -> list[int]:
        return [int(n) for n in re.findall(r"\d+", name)]

    kernels = sorted((p.name.removeprefix("vmlinuz-") for p in Path("/boot").glob("vmlinuz-*")),
                     key=key)
    if Path("/var/run/reboot-required").exists() or (kernels and kernels[-1] !=
                                                     platform.release()):
        return "fail"
    flag_maintained = Path("/usr/share/update-notifier/notify-reboot-required").exists() or \
        Path("/usr/share/unattended-upgrades").exists()
    return "pass" if kernels or flag_maintained else "error"


def _expected_agents() -> list[str]:
    """The default roles (EDR, log forwarding), in order: pass if one of its agents runs."""
    import psutil

    names, exes = set(), []
    for proc in psutil.process_iter(["name", "exe"], ad_value=None):
        names.add(proc.info["name"])
        exes.append(proc.info["exe"] or "")
    roles = [["/opt/traps/", "falcon-sensor", "wdavdaemon", "sentinelone-agent"],
             ["splunkd", "filebeat", "fluent-bit", "elastic-agent", "nxlog"]]
    return ["pass" if any(n in names or any(e.startswith(n) for e in exes) for n in role)
            else "fail" for role in roles]


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


def test_package_lists_of_unknown_age_are_not_a_pass() -> None:
    clean = {"packages": [{"name": "tzdata", "security": False}]}
    [(_, status, msg)] = run("host.patch.pending_updates", [admin(updates_apt=clean)])
    assert status == "error" and "apt package lists" in msg and "unknown" in msg
    fresh = {**clean, "lists_updated_at": "2026-11-15T00:00:00+00:00"}
    both = admin(package_managers=["apt", "dnf"], updates_apt=fresh,
                 updates_dnf={"manager": "dnf", "packages": []})
    [(_, status, msg)] = run("host.patch.pending_updates", [both])
    assert status == "error" and "dnf package lists" in msg
    both.data["updates_dnf"]["lists_updated_at"] = "2026-08-01T00:00:00+00:00"
    [(_, status, msg)] = run("host.patch.pending_updates", [both])
    assert status == "error" and "107 days old (dnf" in msg
    both.data["updates_dnf"]["lists_updated_at"] = "2026-11-14T00:00:00+00:00"
    assert run("host.patch.pending_updates", [both])[0][1] == "pass"
    # pending security updates fail whatever the lists' age
    assert run("host.patch.pending_updates", [admin(updates_apt={
        "packages": [{"name": "libssl3", "security": True}]})])[0][1] == "fail"


def test_pending_update_without_a_security_flag_is_not_assessed() -> None:
    unflagged = {"packages": [{"name": "libssl3"}],
                 "lists_updated_at": "2026-11-15T00:00:00+00:00"}
    [(_, status, msg)] = run("host.patch.pending_updates", [admin(updates_apt=unflagged)])
    assert status == "error" and "libssl3" in msg
    [(_, status, _)] = run("host.patch.pending_updates", [admin(updates_apt={
        "lists_updated_at": "2026-11-15T00:00:00+00:00"})])
    assert status == "error"  # no package list at all is not "nothing pending"


def _fake_dnf(monkeypatch: pytest.MonkeyPatch, updateinfo_rc: int) -> list[list[str]]:
    calls: list[list[str]] = []

    def fake(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
        calls.append(argv)
        if "check-update" in argv:
            return subprocess.CompletedProcess(argv, 100, "openssl-libs.x86_64  1:3.0.7-27.el9"
                                                          "  baseos\n", "")
        return subprocess.CompletedProcess(argv, updateinfo_rc, "RHSA-2026:1 Important/Sec. "
                                           "openssl-libs-1:3.0.7-27.el9.x86_64\n", "boom")
    monkeypatch.setattr(local_host, "_run", fake)
    return calls


def test_dnf_records_the_age_of_its_metadata_and_a_failed_query(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repomd = tmp_path / "baseos-1234abcd" / "repodata" / "repomd.xml"
    repomd.parent.mkdir(parents=True)
    repomd.write_text("<repomd/>")
    os.utime(repomd, (1_763_000_000, 1_763_000_000))
    monkeypatch.setattr(local_host, "DNF_CACHES", (tmp_path, tmp_path / "absent"))
    calls = _fake_dnf(monkeypatch, 0)
    part = local_host.dnf_updates(10)
    assert part["lists_updated_at"] == "2025-11-13T02:13:20+00:00"
    assert part["packages"] == [{"name": "openssl-libs.x86_64", "security": True}]
    assert all("--cacheonly" in argv for argv in calls)  # read the cache, never refresh it
    _fake_dnf(monkeypatch, 1)
    with pytest.raises(RuntimeError, match=r"updateinfo .* exited 1: boom"):
        local_host.dnf_updates(10)


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
