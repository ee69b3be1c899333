"""Feed files become evidence as supplied; an unreadable file is an error, not an empty feed."""

from __future__ import annotations

import json
from pathlib import Path

from gitc_agent.collectors import feeds
from gitc_agent.collectors.run import required_windows_services
from gitc_agent.config import FeedSettings


def test_kev_and_fix_map_are_read_and_bad_files_recorded(tmp_path: Path) -> None:
    kev = tmp_path / "kev.json"
    kev.write_text(json.dumps({"catalogVersion": "2026.11.14", "vulnerabilities": [
        {"cveID": "CVE-1", "vendorProject": "Microsoft", "dueDate": "2026-10-01"},
        {"cveID": "CVE-2", "vendorProject": "Apache", "dueDate": "2026-10-01"}]}))
    fixmap = tmp_path / "map.json"
    fixmap.write_text("{not json")
    docs = feeds.collect(FeedSettings(kev_catalog=kev, kev_fix_map=fixmap))
    assert [d.kind for d in docs] == [feeds.KEV_KIND, feeds.FIX_MAP_KIND]
    assert [v["cveID"] for v in docs[0].data["vulnerabilities"]] == ["CVE-1"]
    assert docs[0].data["count_total"] == 2 and len(docs[0].data["sha256"]) == 64
    assert docs[1].status == "error" and "map.json" in docs[1].errors[0]["message"]


def test_policy_names_the_services_to_query() -> None:
    raw = {"checks": {"windows.monitoring.agent_running": {
        "required": [{"role": "EDR", "any_of": ["Sense", "cyserver"]}]}}}
    assert required_windows_services(raw) == ["Sense", "cyserver"]
    raw["checks"]["windows.monitoring.agent_running"]["enabled"] = False
    assert required_windows_services(raw) == []
