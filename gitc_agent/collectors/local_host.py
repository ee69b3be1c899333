"""The admin host gitc-agent runs on: OS, boot time, running agents, pending updates, reboot.

psutil for the OS facts and processes (`ad_value=None`, so a process we may not inspect does not
abort the listing); apt (and dnf where present) for pending and security updates, read-only and
without refreshing the package lists (their age is recorded: the check cannot trust
"nothing pending" on lists of unknown age); the reboot-required flag and the running vs newest
installed kernel for "installed but not active".
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from gitc_agent.collectors import host_packages
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds

KIND = kinds.HOST_STATE
COLLECTOR = "host.local"
REBOOT_FLAG = Path("/var/run/reboot-required")
NOTIFIER = Path("/usr/share/update-notifier/notify-reboot-required")
APT_LISTS = Path("/var/lib/apt/lists")
# dnf 4 and dnf 5 keep each repository's metadata under <cache>/<repo>-<hash>/repodata/
DNF_CACHES = (Path("/var/cache/dnf"), Path("/var/cache/libdnf5"))
# "name/suite1,suite2 version arch [upgradable from: old]"
_APT_LINE = re.compile(r"^(?P<name>[^/\s]+)/(?P<suites>\S+)\s+(?P<version>\S+)\s+(?P<arch>\S+)"
                       r"\s+\[upgradable from: (?P<old>[^\]]+)\]")


def _run(argv: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def os_facts() -> dict[str, Any]:
    info: dict[str, Any] = {"system": platform.system(), "kernel": platform.release(),
                            "hostname": platform.node(), "boot_time": _iso(psutil.boot_time())}
    try:
        rel = platform.freedesktop_os_release()
        info.update(name=rel.get("PRETTY_NAME"), id=rel.get("ID"),
                    version_id=rel.get("VERSION_ID"))
    except OSError:
        pass
    return info


def running_agents() -> dict[str, Any]:
    """Names of running processes (name and executable basename) and running systemd units."""
    names: set[str] = set()
    exes: set[str] = set()
    for proc in psutil.process_iter(["name", "exe"], ad_value=None):
        if proc.info.get("name"):
            names.add(proc.info["name"])
        if proc.info.get("exe"):
            exes.add(proc.info["exe"])
    result: dict[str, Any] = {"process_names": sorted(names), "executables": sorted(exes)}
    if platform.system() == "Windows":  # pragma: no cover - not this machine
        result["services"] = sorted(s.name() for s in psutil.win_service_iter()
                                    if s.status() == "running")
    return result


def systemd_units(timeout: float) -> list[str] | None:
    if not shutil.which("systemctl"):
        return None
    try:
        proc = _run(["systemctl", "list-units", "--type=service", "--state=running",
                     "--no-legend", "--plain", "--no-pager"], timeout)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None  # e.g. no systemd as PID 1 (a container)
    return sorted(line.split()[0] for line in proc.stdout.splitlines() if line.strip())


def apt_updates(timeout: float) -> dict[str, Any]:
    """`apt list --upgradable` from the cached lists; `security` if a suite is a security suite."""
    proc = _run(["apt", "list", "--upgradable"], timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"apt list --upgradable exited {proc.returncode}: "
                           f"{proc.stderr.strip()[:300]}")
    packages = []
    for line in proc.stdout.splitlines():
        m = _APT_LINE.match(line.strip())
        if m:
            suites = m["suites"].split(",")
            packages.append({"name": m["name"], "version": m["version"], "from": m["old"],
                             "suites": suites,
                             "security": any("security" in s for s in suites)})
    lists = [p.stat().st_mtime for p in APT_LISTS.glob("*Release")] if APT_LISTS.is_dir() else []
    return {"manager": "apt", "command": "apt list --upgradable", "packages": packages,
            "lists_updated_at": _iso(max(lists)) if lists else None}


def dnf_updates(timeout: float) -> dict[str, Any]:
    """`dnf check-update` (exit 100 = updates available) and `dnf updateinfo list --security`,
    both from the cached metadata; its age is that of the newest cached `repomd.xml`."""
    proc = _run(["dnf", "-q", "--cacheonly", "check-update"], timeout)
    if proc.returncode not in (0, 100):
        raise RuntimeError(f"dnf check-update exited {proc.returncode}: {proc.stderr[:300]}")
    names = [ln.split()[0] for ln in proc.stdout.splitlines()
             if ln.strip() and not ln.startswith(("Last metadata", "Obsoleting", " "))]
    sec = _run(["dnf", "-q", "--cacheonly", "updateinfo", "list", "--security"], timeout)
    if sec.returncode != 0:  # without it no package can be called a security update
        raise RuntimeError(f"dnf updateinfo list --security exited {sec.returncode}: "
                           f"{sec.stderr.strip()[:300]}")
    security = {ln.split()[-1] for ln in sec.stdout.splitlines() if ln.strip()}
    packages = [{"name": n, "security": any(s.startswith(n.rsplit(".", 1)[0] + "-")
                                            for s in security)} for n in names]
    caches = [p.stat().st_mtime for cache in DNF_CACHES if cache.is_dir()
              for p in cache.glob("*/repodata/repomd.xml")]
    return {"manager": "dnf", "command": "dnf check-update", "packages": packages,
            "lists_updated_at": _iso(max(caches)) if caches else None}


def reboot_state() -> dict[str, Any]:
    state: dict[str, Any] = {"flag_file": str(REBOOT_FLAG),
                             "flag_supported": NOTIFIER.exists() or
                             Path("/usr/share/unattended-upgrades").exists(),
                             "flag_present": REBOOT_FLAG.exists(),
                             "running_kernel": platform.release()}
    if state["flag_present"]:
        pkgs = REBOOT_FLAG.with_name("reboot-required.pkgs")
        if pkgs.exists():
            state["packages"] = pkgs.read_text(errors="replace").split()
    kernels = sorted((p.name.removeprefix("vmlinuz-") for p in Path("/boot").glob("vmlinuz-*")),
                     key=_version_key)
    state["installed_kernels"] = kernels
    state["newest_kernel"] = kernels[-1] if kernels else None
    return state


def _version_key(version: str) -> list[Any]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[.\-+~]", version)]


def collect(timeout: float = 120) -> EvidenceDoc:
    """The admin host as one evidence document; each part that fails is listed in `errors`."""
    data: dict[str, Any] = {}
    errors: list[dict[str, str]] = []

    def part(name: str, func) -> None:
        try:
            data[name] = func()
        except Exception as exc:
            errors.append({"part": name, "message": f"{type(exc).__name__}: {exc}"[:500]})

    part("os", os_facts)
    part("agents", running_agents)
    data.setdefault("agents", {})
    if "process_names" in data["agents"]:
        data["agents"]["systemd_units"] = systemd_units(timeout)
    managers = [m for m in ("apt", "dnf") if shutil.which(m)]
    data["package_managers"] = managers
    if not managers:
        errors.append({"part": "updates", "message": "no supported package manager (apt, dnf) "
                                                      "found, so pending updates are unknown"})
    for manager in managers:
        part(f"updates_{manager}", lambda m=manager: (apt_updates if m == "apt"
                                                      else dnf_updates)(timeout))
    part("reboot", reboot_state)
    part("packages", lambda: host_packages.installed(timeout))  # for the CSAF advisories
    host = data.get("os", {}).get("hostname") or platform.node() or "localhost"
    return EvidenceDoc(kind=KIND, target=host, collector=COLLECTOR, data=data, errors=errors)
