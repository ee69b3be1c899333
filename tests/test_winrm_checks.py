"""The windows.* checks on hand-made evidence with fixed dates: edges the profiles do not cover."""

from __future__ import annotations

import copy
from typing import Any

from gitc_agent.collectors.windows.hosts import normalise
from gitc_agent.core.check_api import EvidenceSet
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.core.registry import discover
from tests.wsman.windows_profiles import PATCHED, behind

AT = "2026-11-16T08:00:00+00:00"
REG = discover(use_entry_points=False)


def host_doc(raw: dict[str, Any], name: str = "h1") -> EvidenceDoc:
    data, errors = normalise(copy.deepcopy(raw))
    return EvidenceDoc(kind="windows.host_state", target=name, collector="t", data=data,
                       errors=errors, collected_at=AT)


def run(check_id: str, docs: list[EvidenceDoc], **params: Any) -> list[tuple[str, str, str]]:
    spec = REG.get(check_id)
    assert spec is not None
    return [(o.subject, o.status.value, o.message)
            for o in spec.func(EvidenceSet(docs), spec.params(**params))]


def test_update_age_threshold_and_defender_definitions_do_not_count() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["hotfixes"] = []
    raw["history"] = [{"date": "2026-11-15T00:00:00Z", "result": 2, "title":
                       "Security Intelligence Update for Microsoft Defender Antivirus - "
                       "KB2267602"},
                      {"date": "2026-10-01T00:00:00Z", "result": 2,
                       "title": "2026-09 Cumulative Update (KB5065432)"},
                      {"date": "2026-11-12T00:00:00Z", "result": 4,  # failed install
                       "title": "2026-11 Cumulative Update (KB5068787)"}]
    [(_, status, msg)] = run("windows.patch.update_age", [host_doc(raw)], max_days=35)
    assert status == "fail" and "46 days" in msg
    [(_, status, _)] = run("windows.patch.update_age", [host_doc(raw)], max_days=60)
    assert status == "pass"


def test_missing_updates_severity_and_grace() -> None:
    doc = host_doc(behind())
    [(_, status, msg)] = run("windows.patch.missing_updates", [doc], grace_days=30)
    assert status == "fail" and "KB5065432" in msg and "KB5068787" not in msg  # 5 days old
    raw = behind()
    for upd in raw["missing"]:
        upd["severity"] = "Moderate"
    [(_, status, _)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "pass"


def test_failed_search_is_never_a_pass() -> None:
    raw = copy.deepcopy(PATCHED)
    del raw["missing"]
    raw["errors"] = [{"part": "missing_updates", "message": "Exception 0x8024402C"}]
    [(_, status, msg)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "error" and "failed" in msg


def kev(due: str) -> list[EvidenceDoc]:
    return [EvidenceDoc(kind="feed.cisa_kev", target="kev", collector="t", data={
                "vulnerabilities": [{"cveID": "CVE-1", "dueDate": due}]}),
            EvidenceDoc(kind="feed.cve_fix_map", target="map", collector="t", data={
                "fixes": [{"cve": "CVE-1", "product": "Windows Server 2022",
                           "kbs": ["KB9999999"], "fixed_build": "20348.4400"}]})]


def test_kev_fixed_by_build_open_not_yet_due_and_overdue() -> None:
    patched = host_doc(PATCHED)  # UBR 4405 >= 4400: fixed by build even without the KB
    [(_, status, msg)] = run("windows.patch.kev_overdue", [patched, *kev("2026-10-01")])
    assert status == "pass" and "1 mapped CVE(s) fixed" in msg
    old = host_doc(behind())
    [(_, status, msg)] = run("windows.patch.kev_overdue", [old, *kev("2026-12-01")])
    assert status == "pass" and "not yet due" in msg
    [(_, status, msg)] = run("windows.patch.kev_overdue", [old, *kev("2026-11-15")])
    assert status == "fail" and "CVE-1" in msg
    [(_, status, _)] = run("windows.patch.kev_overdue", [old, *kev("2026-11-15")],
                           due_grace_days=5)
    assert status == "pass"


def test_unreadable_feed_makes_every_host_an_error() -> None:
    bad = EvidenceDoc(kind="feed.cisa_kev", target="kev", collector="t", data={},
                      errors=[{"part": "file", "message": "cannot read kev.json"}])
    [(_, status, msg)] = run("windows.patch.kev_overdue",
                             [host_doc(PATCHED), bad, kev("2026-10-01")[1]])
    assert status == "error" and "cannot read kev.json" in msg


def test_agent_not_queried_is_an_error_not_a_fail() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["services"] = {"queried": ["Sense"], "found": [raw["services"]["found"][0]]}
    results = dict((s, st) for s, st, _ in run("windows.monitoring.agent_running",
                                               [host_doc(raw)]))
    assert results["host:h1#EDR"] == "pass"
    assert results["host:h1#log forwarding"] == "error"
    raw["services"] = {"queried": [], "found": []}  # all services listed, none of ours
    results = dict((s, st) for s, st, _ in run("windows.monitoring.agent_running",
                                               [host_doc(raw)]))
    assert results == {"host:h1#EDR": "fail", "host:h1#log forwarding": "fail"}


def test_reboot_file_rename_only_counts_when_asked() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["reboot"]["pfro"] = True
    assert run("windows.patch.reboot_pending", [host_doc(raw)])[0][1] == "pass"
    assert run("windows.patch.reboot_pending", [host_doc(raw)],
               count_file_rename=True)[0][1] == "fail"


def test_local_min_length_and_missing_part() -> None:
    assert run("windows.password.local_min_length", [host_doc(PATCHED)],
               min_length=15)[0][1] == "fail"
    assert run("windows.password.local_min_length", [host_doc(PATCHED)],
               min_length=14)[0][1] == "pass"
    raw = copy.deepcopy(PATCHED)
    del raw["password"]
    raw["errors"] = [{"part": "password", "message": "ADSI: access denied"}]
    [(_, status, msg)] = run("windows.password.local_min_length", [host_doc(raw)])
    assert status == "error" and "access denied" in msg
