"""Many simulated hosts at once: each profile gives its expected evidence and check results."""

from __future__ import annotations

import time

from gitc_agent.collectors.windows.hosts import collect_fleet
from gitc_agent.core.check_api import EvidenceSet, Status
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.registry import discover
from tests.winrm_helpers import host_for, settings
from tests.wsman.server import Reply, StaticBehaviour, WSManServer
from tests.wsman.windows_profiles import PATCHED, behind, denied, edr_stopped, profile, reboot_pending

KEV = EvidenceDoc(kind="feed.cisa_kev", target="kev", collector="test", data={
    "catalogVersion": "2026.11.14", "vulnerabilities": [
        {"cveID": "CVE-2026-24811", "vendorProject": "Microsoft", "dueDate": "2026-09-30",
         "knownRansomwareCampaignUse": "Known"}]})
FIXES = EvidenceDoc(kind="feed.cve_fix_map", target="map", collector="test", data={
    "fixes": [{"cve": "CVE-2026-24811", "product": "Windows Server 2022",
               "kbs": ["KB5065432"], "fixed_build": "20348.4171"}]})

EXPECTED = {  # check suffix -> status per host
    "patched": dict(update_age="pass", missing_updates="pass", kev_overdue="pass",
                    reboot_pending="pass", agent="pass"),
    "behind": dict(update_age="fail", missing_updates="fail", kev_overdue="fail",
                   reboot_pending="pass", agent="pass"),
    "denied": dict(update_age="pass", missing_updates="error", kev_overdue="pass",
                   reboot_pending="pass", agent="pass"),
    "reboot": dict(update_age="pass", missing_updates="pass", reboot_pending="fail"),
    "edr": dict(agent="fail", update_age="pass"),
    "wrongpw": dict(update_age="error", missing_updates="error", agent="error"),
    "hung": dict(update_age="error", missing_updates="error", agent="error"),
    "garbage": dict(update_age="error", reboot_pending="error"),
}


def test_fleet_with_hung_refusing_and_garbage_hosts() -> None:
    servers = {
        "patched": WSManServer(profile(PATCHED)),
        "behind": WSManServer(profile(behind)),
        "denied": WSManServer(profile(denied)),
        "reboot": WSManServer(profile(reboot_pending)),
        "edr": WSManServer(profile(edr_stopped)),
        "wrongpw": WSManServer(profile(PATCHED), users={"Administrator": "not-this"}),
        "hung": WSManServer(StaticBehaviour(Reply(hang=True, silent=True))),
        "garbage": WSManServer(profile(PATCHED), garbage=b"<html>IIS default page</html>"),
    }
    for srv in servers.values():
        srv.start()
    try:
        hosts = [host_for(srv, name, password="Passw0rd!") for name, srv in servers.items()]
        messages: list[str] = []
        deadline = 5.0
        started = time.monotonic()
        docs = collect_fleet(settings(hosts, workers=4, deadline=deadline), messages.append)
        elapsed = time.monotonic() - started
    finally:
        for srv in servers.values():
            srv.stop()
    by_name = {d.target: d for d in docs}
    # 8 hosts on 4 workers: the hung one costs at most its deadline, the others run alongside.
    assert elapsed < deadline + 2.5, elapsed
    assert [d.target for d in docs] == list(servers)
    assert sum("done" in m for m in messages) == len(servers)
    for name in ("patched", "behind", "reboot", "edr"):
        assert by_name[name].status == "ok", (name, by_name[name].errors)
    assert by_name["denied"].data["missing_updates"]["status"] == "denied"
    assert "401" in by_name["wrongpw"].errors[0]["message"]
    assert by_name["hung"].errors[0]["part"] == "connection"
    assert "WS-Management XML" in by_name["garbage"].errors[0]["message"]
    assert servers["hung"].commands[0].receives >= 1

    for doc in docs:
        doc.collected_at = "2026-11-16T08:00:00+00:00"  # fixed date for the verdicts
    evidence = EvidenceSet([*docs, KEV, FIXES])
    registry = discover(use_entry_points=False)
    results: dict[tuple[str, str], str] = {}
    for suffix, cid in (("update_age", "windows.patch.update_age"),
                        ("missing_updates", "windows.patch.missing_updates"),
                        ("kev_overdue", "windows.patch.kev_overdue"),
                        ("reboot_pending", "windows.patch.reboot_pending"),
                        ("agent", "windows.monitoring.agent_running")):
        spec = registry.get(cid)
        assert spec is not None
        for out in spec.func(evidence, spec.params()):
            host = out.subject.removeprefix("host:").split("#")[0]
            if suffix != "agent" or out.subject.endswith("#EDR") or "#" not in out.subject:
                results[(host, suffix)] = out.status.value
    for host, expected in EXPECTED.items():
        for suffix, status in expected.items():
            assert results[(host, suffix)] == status, (host, suffix, results[(host, suffix)])
    assert Status.PASS.value not in {results[("hung", s)] for s in EXPECTED["hung"]}
