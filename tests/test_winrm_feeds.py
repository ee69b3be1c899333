"""Feed files become evidence as supplied; a broken feed file is invalid input, never an empty
feed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitc_agent.cli import required_windows_services
from gitc_agent.collectors import feeds
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.errors import InputError
from gitc_agent.settings.config import FeedSettings
from tests.cli_run import gitc


def test_kev_and_fix_map_are_read(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({"catalogVersion": "2026.11.14", "vulnerabilities": [
        {"cveID": "CVE-1", "vendorProject": "Microsoft", "dueDate": "2026-10-01"},
        {"cveID": "CVE-2", "vendorProject": "Apache", "dueDate": "2026-10-01"}]}))
    fixmap = tmp_path / "map.json"
    fixmap.write_text(json.dumps({"fixes": [{"cve": "CVE-1", "product": "Windows Server 2022",
                                             "kbs": ["KB1"]}, {"cve": "CVE-3"}]}))
    docs = feeds.collect(FeedSettings(kev_catalog=kev, kev_fix_map=fixmap))
    assert [d.kind for d in docs] == [feeds.KEV_KIND, feeds.FIX_MAP_KIND]
    assert [v["cveID"] for v in docs[0].data["vulnerabilities"]] == ["CVE-1"]
    assert docs[0].data["count_total"] == 2 and len(docs[0].data["sha256"]) == 64
    assert [f["cve"] for f in docs[1].data["fixes"]] == ["CVE-1"]
    assert docs[1].errors == [{"part": "fixes[1]",
                               "message": "needs cve, product and kbs or fixed_build"}]


def test_unusable_fix_rows_and_kev_entries_are_recorded_not_dropped(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({"vulnerabilities": [
        {"cveID": "CVE-1", "vendorProject": "microsoft "}, {"cveID": "CVE-2"},
        {"vendorProject": "Microsoft"}, {"cveID": "CVE-4", "vendorProject": "Apache"}, "x"]}))
    fixmap = tmp_path / "map.json"
    fixmap.write_text(json.dumps({"fixes": [
        {"cve": "CVE-1", "product": "Windows Server 2022", "kbs": "KB1"},
        {"cve": "CVE-1", "product": " ", "kbs": ["KB1"]},
        {"cve": "CVE-1", "product": "Windows Server 2022", "fixed_build": "soon"},
        {"cve": "CVE-1", "product": "Windows Server 2022", "not_affected": "yes"},
        {"cve": "CVE-1", "product": "Windows Server", "not_affected": True, "reason": "no IIS"},
        {"cve": "CVE-1", "product": "Windows 11", "fixed_build": "10.0.26100.7019"}]}))
    kev_doc, map_doc = feeds.collect(FeedSettings(kev_catalog=kev, kev_fix_map=fixmap))
    assert [v["cveID"] for v in kev_doc.data["vulnerabilities"]] == ["CVE-1"]
    assert kev_doc.data["count_vendor"] == 1
    assert [e["part"] for e in kev_doc.errors] == ["vulnerabilities[1]", "vulnerabilities[2]",
                                                   "vulnerabilities[4]"]
    assert map_doc.data["fixes"] == [
        {"cve": "CVE-1", "product": "Windows Server", "not_affected": True, "reason": "no IIS"},
        {"cve": "CVE-1", "product": "Windows 11", "kbs": [], "fixed_build": "10.0.26100.7019"}]
    assert [e["part"] for e in map_doc.errors] == [f"fixes[{i}]" for i in range(4)]
    assert map_doc.data["rejected"][:2] == [
        {"row": 0, "cve": "CVE-1", "product": "Windows Server 2022"},
        {"row": 1, "cve": "CVE-1", "product": None}]


@pytest.mark.parametrize(("content", "message", "line"), [
    ('{\n  "vulnerabilities": [\n    {"cveID": }\n]}', "not valid JSON", 3),
    ('{"catalogVersion": "x"}', "not a CISA KEV catalog", None),
    ("\udcff", "not UTF-8", None)])
def test_a_broken_feed_file_is_invalid_input(tmp_path: Path, content: str, message: str,
                                            line: int | None) -> None:
    kev = tmp_path / "kev.json"
    kev.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(InputError, match=message) as info:
        feeds.collect(FeedSettings(kev_catalog=kev, kev_fix_map=None))
    assert info.value.file == str(kev) and info.value.line == line


def test_a_missing_feed_file_stops_the_scan_with_exit_2(tmp_path: Path) -> None:
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text("feeds: {kev_catalog: missing-kev.json}\nlocal_host: {}\n")
    run = gitc("scan", "--policy", "adr-gitc", "--config", cfg, "--out", tmp_path / "out")
    assert run.code == 2 and "missing-kev.json" in run.stderr and "Traceback" not in run.output
    assert not list((tmp_path / "out").glob("2*"))


def _policy_with_agents(tmp_path: Path, section: str) -> Path:
    shipped = Path(__file__).parents[1] / "policies" / "adr-gitc.yaml"
    text = shipped.read_text()
    start = text.index("  windows.monitoring.agent_running:\n")
    end = text.index("    references:", start)
    path = tmp_path / "p.yaml"
    path.write_text(text[:start] + "  windows.monitoring.agent_running:\n" + section + text[end:])
    return path


def test_policy_names_the_services_to_query(tmp_path: Path) -> None:
    registry = discover(use_entry_points=False)
    required = "    required:\n      - {role: EDR, any_of: [Sense, cyserver]}\n"
    policy = load_policy(str(_policy_with_agents(tmp_path, required)), registry)
    assert required_windows_services(policy) == ["Sense", "cyserver"]
    policy = load_policy(str(_policy_with_agents(tmp_path, "    enabled: false\n" + required)),
                         registry)
    assert required_windows_services(policy) == []
