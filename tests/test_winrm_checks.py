"""The windows.* checks on hand-made evidence with fixed dates: edges the profiles do not cover."""

from __future__ import annotations

import copy
from typing import Any

from gitc_agent.collectors.windows import script
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


def _sep_update(raw: dict[str, Any]) -> dict[str, Any]:
    """behind()'s 68-day-old update (the November one is within the grace period)."""
    [upd] = [u for u in raw["missing"] if "KB5065432" in u["title"]]
    return upd


def test_missing_update_without_severity_is_not_below_the_threshold() -> None:
    for severity in ("", None, "Kritiek"):
        raw = behind()
        _sep_update(raw)["severity"] = severity
        [(_, status, msg)] = run("windows.patch.missing_updates", [host_doc(raw)])
        assert status == "error", severity
        assert "no readable MSRC severity" in msg and "KB5065432" in msg
    raw = behind()
    del _sep_update(raw)["categories"]
    _sep_update(raw)["severity"] = ""
    [(_, status, _)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "error"  # neither severity nor classification: not known to be harmless
    raw = behind()
    _sep_update(raw).update(severity="", categories=["Windows Server 2022", "Update Rollups"])
    [(_, status, _)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "pass"  # classified as not a security update: out of scope
    raw = behind()
    raw["missing"].append({**_sep_update(raw), "severity": "", "title": "SSU (KB5065999)",
                           "kbs": ["5065999"]})
    [(_, status, msg)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "fail" and "1 more without a readable severity" in msg


def test_unrated_update_within_grace_does_not_block_a_pass() -> None:
    raw = behind()
    raw["missing"] = [u for u in raw["missing"] if "KB5068787" in u["title"]]  # 5 days old
    raw["missing"][0]["severity"] = ""
    [(_, status, _)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "pass"


def test_hidden_missing_updates_count_and_are_reported_as_hidden() -> None:
    raw = behind()
    _sep_update(raw)["hidden"] = True
    [(_, status, msg)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "fail" and "1 of them hidden in Windows Update" in msg
    assert "Search(\"IsInstalled=0 and Type='Software'\")" in script.SCRIPT  # no IsHidden=0
    assert "hidden=$_.IsHidden" in script.SCRIPT
    assert f"script={script.SCRIPT_VERSION};" in script.SCRIPT and script.SCRIPT_VERSION >= 2


def test_evidence_from_a_search_without_hidden_updates_is_not_a_pass() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["script"] = 1  # version 1 searched with IsHidden=0
    [(_, status, msg)] = run("windows.patch.missing_updates", [host_doc(raw)])
    assert status == "error" and "hidden updates" in msg
    old = behind()
    old["script"] = 1
    assert run("windows.patch.missing_updates", [host_doc(old)])[0][1] == "fail"


def test_the_remote_script_stays_small() -> None:
    assert len(script.environment([])[script.SCRIPT_VAR]) <= script.MAX_ENCODED_SCRIPT


def kev_docs(vulns: list[dict[str, Any]], fixes: list[dict[str, Any]],
             rejected: list[str] = (), unread: list[str] = ()) -> list[EvidenceDoc]:
    return [EvidenceDoc(kind="feed.cisa_kev", target="kev", collector="t",
                        data={"vulnerabilities": vulns},
                        errors=[{"part": p, "message": "needs vendorProject and cveID"}
                                for p in unread]),
            EvidenceDoc(kind="feed.cve_fix_map", target="map", collector="t",
                        data={"fixes": fixes},
                        errors=[{"part": p, "message": "needs cve, product and kbs or "
                                                      "fixed_build"} for p in rejected])]


OVERDUE = {"cveID": "CVE-9", "dueDate": "2026-10-01"}
WS2022_FIX = {"cve": "CVE-1", "product": "Windows Server 2022", "kbs": ["KB5068787"],
              "fixed_build": None}


def test_overdue_kev_cve_without_a_fix_mapping_is_not_assessed() -> None:
    patched = host_doc(PATCHED)
    [(_, status, msg)] = run("windows.patch.kev_overdue", [patched, *kev_docs([OVERDUE], [])])
    assert status == "error" and "CVE-9" in msg and "no row in the fix map matches" in msg
    mapped_elsewhere = kev_docs([OVERDUE, {"cveID": "CVE-1", "dueDate": "2026-10-01"}],
                                [WS2022_FIX])
    [(_, status, msg)] = run("windows.patch.kev_overdue", [patched, *mapped_elsewhere])
    assert status == "error" and "CVE-9" in msg and "CVE-1" not in msg.split("(")[-1]
    not_due = kev_docs([{"cveID": "CVE-9", "dueDate": "2026-12-01"}], [])
    [(_, status, _)] = run("windows.patch.kev_overdue", [patched, *not_due])
    assert status == "pass"  # nothing can be past its due date yet


def test_host_whose_product_matches_nothing_in_the_map_is_not_assessed() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["os"]["caption"] = "Microsoft Windows Server 2025 Datacenter"
    docs = kev_docs([{"cveID": "CVE-1", "dueDate": "2026-10-01"}], [WS2022_FIX])
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(raw), *docs])
    assert status == "error" and "matches this host's product at all" in msg
    raw["os"]["caption"] = ""
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(raw), *docs])
    assert status == "error" and "OS caption" in msg


def test_not_affected_rows_and_fail_beside_unmapped() -> None:
    vulns = [OVERDUE, {"cveID": "CVE-1", "dueDate": "2026-10-01"}]
    office = {"cve": "CVE-9", "product": "Windows Server", "not_affected": True,
              "reason": "no Office on servers"}
    [(_, status, msg)] = run("windows.patch.kev_overdue",
                             [host_doc(PATCHED), *kev_docs(vulns, [WS2022_FIX, office])])
    assert status == "pass" and "1 mapped CVE(s) fixed, 1 not affected" in msg
    # a fix row beats a not_affected row for the same CVE and product
    contradicting = {**office, "cve": "CVE-1"}
    [(_, status, _)] = run("windows.patch.kev_overdue",
                           [host_doc(behind()), *kev_docs(vulns, [WS2022_FIX, contradicting,
                                                                  office])])
    assert status == "fail"
    [(_, status, msg)] = run("windows.patch.kev_overdue",
                             [host_doc(behind()), *kev_docs(vulns, [WS2022_FIX])])
    assert status == "fail" and "CVE-1" in msg and "Also not assessed" in msg and "CVE-9" in msg


def test_rejected_fix_rows_and_unread_kev_entries_are_not_ignored() -> None:
    docs = kev_docs([{"cveID": "CVE-1", "dueDate": "2026-10-01"}], [], rejected=["fixes[0]"])
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(PATCHED), *docs])
    assert status == "error" and "1 rejected row(s) (fixes[0])" in msg
    docs = kev_docs([{"cveID": "CVE-1", "dueDate": "2026-10-01"}], [WS2022_FIX],
                    unread=["vulnerabilities[7]"])
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(PATCHED), *docs])
    assert status == "error" and "vulnerabilities[7]" in msg
    docs = kev_docs([{"cveID": "CVE-1", "dueDate": "2026-10-01"}], [WS2022_FIX])
    docs[0].data["count_vendor"] = 2  # the collection counted more entries than are left
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(PATCHED), *docs])
    assert status == "error" and "counted 2" in msg
    docs[1].data = {"source": "MSRC"}
    docs[0].data["count_vendor"] = 1
    [(_, status, msg)] = run("windows.patch.kev_overdue", [host_doc(PATCHED), *docs])
    assert status == "error" and "no 'fixes' list" in msg


def test_reboot_indicator_that_is_neither_set_nor_clear_is_unknown() -> None:
    raw = copy.deepcopy(PATCHED)
    raw["reboot"]["cbs"] = None
    [(_, status, msg)] = run("windows.patch.reboot_pending", [host_doc(raw)])
    assert status == "error" and "indicator(s) cbs" in msg
    raw["reboot"]["wu"] = True
    assert run("windows.patch.reboot_pending", [host_doc(raw)])[0][1] == "fail"
    raw = copy.deepcopy(PATCHED)
    raw["reboot"]["pfro"] = "yes"
    assert run("windows.patch.reboot_pending", [host_doc(raw)])[0][1] == "pass"  # not counted
    [(_, status, _)] = run("windows.patch.reboot_pending", [host_doc(raw)],
                           count_file_rename=True)
    assert status == "error"
