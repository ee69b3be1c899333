"""Installed packages of the admin host (dpkg, rpm), with versions, for advisory matching.

Read from the package database, never from what a package manager could upgrade to: an advisory
applies to what is installed. Only fully installed dpkg packages count (`ii`); a half-removed
one (`rc`: config files left) is not software that runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

MAX_PACKAGES = 50_000


def _run(argv: list[str], timeout: float) -> str:
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {proc.returncode}: {proc.stderr.strip()[:300]}")
    return proc.stdout


def installed(timeout: float = 120) -> dict[str, Any]:
    """{"manager": dpkg|rpm, "items": [{name, version}]}; raises when neither can be asked."""
    if shutil.which("dpkg-query"):
        out = _run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev}\t${Package}\t${Version}\n"],
                   timeout)
        items = [{"name": name, "version": version}
                 for status, name, version in (line.split("\t") for line in out.splitlines()
                                               if line.count("\t") == 2)
                 if status.strip() == "ii"]
        manager = "dpkg"
    elif shutil.which("rpm"):
        out = _run(["rpm", "-qa", "--qf", "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\n"], timeout)
        items = [{"name": name, "version": version.removeprefix("0:")}
                 for name, version in (line.split("\t") for line in out.splitlines()
                                       if line.count("\t") == 1)]
        manager = "rpm"
    else:
        raise RuntimeError("neither dpkg-query nor rpm found, so installed packages are unknown")
    if len(items) > MAX_PACKAGES:
        raise RuntimeError(f"{len(items)} packages, more than {MAX_PACKAGES}: refused")
    return {"manager": manager, "items": sorted(items, key=lambda i: i["name"])}
