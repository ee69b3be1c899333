"""Simulated Windows hosts for the collector tests: what our remote script would print on each.

A profile answers only the command gitc-agent sends (the bootstrap that runs the script from the
shell environment, code page 65001); anything else gets an error, so a test notices if the
collector stops sending what it should.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any

from gitc_agent.collectors.windows import script as windows_script
from tests.wsman.server import Reply, current_shell

COLLECTED = "2026-11-16"


def _hist(date: str, kb: str, result: int = 2) -> dict[str, Any]:
    return {"date": f"{date}T01:00:00.0000000Z", "result": result,
            "title": f"{date[:7]} Cumulative Update for Microsoft server operating system "
                     f"version 21H2 for x64-based Systems ({kb})"}


PATCHED: dict[str, Any] = {
    "script": 3, "errors": [],
    "os": {"caption": "Microsoft Windows Server 2022 Standard", "version": "10.0.20348",
           "display_version": "21H2",
           "build": 20348, "ubr": 4405, "last_boot": "2026-11-13T02:14:07.0000000Z",
           "computer": "WIN-PATCHED"},
    "hotfixes": [{"kb": "KB5068787", "description": "Security Update",
                  "installed_on": "2026-11-12T00:00:00.0000000Z"}],
    "history": [_hist("2026-11-12", "KB5068787"), _hist("2026-10-15", "KB5066782")],
    "missing": [],
    "reboot": {"cbs": False, "wu": False, "pfro": False},
    "services": {"queried": [], "found": [
        {"name": "Sense", "display_name": "Windows Defender Advanced Threat Protection Service",
         "status": "Running", "start_type": "Automatic"},
        {"name": "SplunkForwarder", "display_name": "SplunkForwarder Service",
         "status": "Running", "start_type": "Automatic"}]},
    "password": {"min_length": 14},
    # the Uninstall keys (64- and 32-bit); the OS itself is matched from `os`
    "software": [{"name": "7-Zip 24.08 (x64)", "version": "24.08", "publisher": "Igor Pavlov"},
                 {"name": "Microsoft Edge", "version": "142.0.3595.65",
                  "publisher": "Microsoft Corporation"},
                 {"name": "Notepad++ (64-bit x64)", "version": "8.8.7",
                  "publisher": "Notepad++ Team"}],
}


def behind() -> dict[str, Any]:
    """Three months behind, with the fix for a KEV CVE missing."""
    doc = copy.deepcopy(PATCHED)
    doc["os"].update(ubr=3932, computer="WIN-BEHIND")
    doc["hotfixes"] = [{"kb": "KB5062572", "description": "Security Update",
                        "installed_on": "2026-08-13T00:00:00.0000000Z"}]
    doc["history"] = [_hist("2026-08-13", "KB5062572")]
    doc["missing"] = [{"title": "2026-11 Cumulative Update (KB5068787)", "severity": "Critical",
                       "hidden": False, "kbs": ["5068787"], "cves": [], "released":
                       "2026-11-11T17:00:00.0000000Z", "categories": ["Security Updates"]},
                      {"title": "2026-09 Cumulative Update (KB5065432)", "severity": "Critical",
                       "hidden": False, "kbs": ["5065432"], "cves": [], "released":
                       "2026-09-09T17:00:00.0000000Z", "categories": ["Security Updates"]}]
    return doc


def denied() -> dict[str, Any]:
    doc = copy.deepcopy(PATCHED)
    del doc["missing"]
    doc["errors"] = [{"part": "missing_updates",
                      "message": "Exception from HRESULT: 0x80070005 (E_ACCESSDENIED)"}]
    return doc


def reboot_pending() -> dict[str, Any]:
    doc = copy.deepcopy(PATCHED)
    doc["reboot"] = {"cbs": True, "wu": False, "pfro": True}
    return doc


def edr_stopped() -> dict[str, Any]:
    doc = copy.deepcopy(PATCHED)
    doc["services"]["found"][0].update(status="Stopped", start_type="Manual")
    return doc


def _is_our_command(script: str | None) -> bool:
    shell = current_shell()
    if script is None or shell is None or shell.codepage != 65001:
        return False
    try:
        sent = base64.b64decode(shell.environment.get(windows_script.SCRIPT_VAR, "")).decode()
    except ValueError:
        return False
    return script == windows_script.BOOTSTRAP and sent == windows_script.SCRIPT


def profile(doc: dict[str, Any] | Callable[[], dict[str, Any]], **reply: Any):
    """A behaviour that prints `doc` as our script would (plus any Reply options)."""
    def run(command: str, args: list[str], script: str | None) -> Reply:
        if not _is_our_command(script):
            return Reply(stderr="not the gitc-agent script\r\n", exit_code=1)
        body = doc() if callable(doc) else doc
        shell = current_shell()
        queried = [n for n in (shell.environment.get(windows_script.SERVICES_VAR, "")
                               .split(",")) if n] if shell else []
        if queried and "services" in body:
            body = copy.deepcopy(body)
            body["services"]["queried"] = queried
            body["services"]["found"] = [s for s in body["services"]["found"]
                                         if s["name"] in queried]
        return Reply.json(body, **reply)
    return run
