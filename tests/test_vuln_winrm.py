"""Installed software over WinRM: the remote script reads the Uninstall keys, the WS-Management
test server's Windows profiles answer with it, and the advisory checks judge each profile.

The profiles are collected through the real protocol with unmodified pywinrm (HTTPS, Basic), as
in tests/test_winrm_collector.py; the advisories are the demo's NCSC-NL and Microsoft mirrors
(tests/fixtures/csaf), read by the CSAF collector. What PowerShell itself would print on a real
host is not run here (see docs/vulnerability-management.md).
"""

from __future__ import annotations

import copy

import pytest

from gitc_agent.collectors.vuln.csaf_source import collect_source
from gitc_agent.collectors.windows import script
from gitc_agent.collectors.windows.hosts import collect_host
from gitc_agent.settings.vuln_config import CsafSource
from tests.csaf_demo_sources import FIXTURES
from tests.vuln_helpers import COLLECTED, run
from tests.winrm_helpers import host_for
from tests.wsman import windows_profiles as wp
from tests.wsman.server import WSManServer


def _collect(name: str, body) -> object:
    with WSManServer(wp.profile(body), scheme="https") as server:
        doc = collect_host(host_for(server, name), [], 10, 2)
    doc.collected_at = COLLECTED
    return doc


def _feeds() -> list:
    docs = [collect_source(CsafSource(name=n, path=FIXTURES / n)) for n in ("ncsc-nl",
                                                                          "microsoft")]
    for doc in docs:
        doc.collected_at = COLLECTED
    return docs


def test_script_reads_uninstall_keys_and_stays_under_the_limit() -> None:
    assert "CurrentVersion\\Uninstall\\*" in script.SCRIPT
    assert "WOW6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*" in script.SCRIPT
    assert "DisplayVersion" in script.SCRIPT and "display_version=" in script.SCRIPT
    assert len(script.environment([])[script.SCRIPT_VAR]) < script.MAX_ENCODED_SCRIPT


def test_collected_software_arrives_in_the_evidence() -> None:
    doc = _collect("win-patched", wp.PATCHED)
    assert doc.errors == []
    assert {"name": "7-Zip 24.08 (x64)", "version": "24.08", "publisher": "Igor Pavlov"} in \
        doc.data["software"]


def _old_zip(body: dict) -> dict:
    body = copy.deepcopy(body)
    body["software"][0] = {"name": "7-Zip 25.01 (x64)", "version": "25.01",
                           "publisher": "Igor Pavlov"}
    return body


@pytest.mark.parametrize(("profile", "body", "expected"), [
    # patched Windows Server 2022 (UBR 4405) but 7-Zip 24.08: the Urgent 7-Zip advisory is due
    ("win-patched", wp.PATCHED, {"NCSC-2026-0412": "fail", "NCSC-2026-0377": "pass",
                                 "CVE-2026-31207": "pass", "CVE-2026-24811": "pass"}),
    # three months behind (UBR 3932, KB5062572): the Windows advisories are overdue too
    ("win-behind", wp.behind, {"NCSC-2026-0412": "fail", "NCSC-2026-0377": "fail",
                               "CVE-2026-31207": "fail", "CVE-2026-24811": "fail"}),
    # 7-Zip updated to the fixed version
    ("win-zip-fixed", _old_zip(wp.PATCHED), {"NCSC-2026-0412": "pass"}),
])
def test_verdicts_per_profile(profile: str, body, expected: dict[str, str]) -> None:
    results = run([*_feeds(), _collect(profile, body)])
    for advisory, status in expected.items():
        assert results[("vuln.advisory.remediation_overdue",
                        f"host:{profile}/advisory:{advisory}")][0] == status, advisory


def test_failed_software_part_is_an_error_for_the_host() -> None:
    body = copy.deepcopy(wp.PATCHED)
    del body["software"]
    body["errors"] = [{"part": "software", "message": "Access is denied"}]
    results = run([*_feeds(), _collect("win-nosoft", body)])
    status, message = results[("vuln.advisory.remediation_overdue", "host:win-nosoft")]
    assert status == "error" and "Access is denied" in message
    assert not [k for k, v in results.items() if "win-nosoft/" in k[1]]
