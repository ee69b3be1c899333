"""Reading CSAF sources, the inventory export and the ticket export, as a scan does.

Real public CSAF documents (the OASIS TC's examples from BSI, Cisco and Red Hat) must validate
and normalise; the NCSC-NL- and Microsoft-shaped mirrors must read through provider metadata,
ROLIE and changes.csv; broken or missing documents are reported with file and JSON path while
the rest is used; nothing goes over the network; the config section fails with file and line.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest

from gitc_agent import demo
from gitc_agent.collectors.run import read_input_files
from gitc_agent.collectors.vuln.csaf_source import collect_source
from gitc_agent.errors import InputError
from gitc_agent.settings.config import load_config
from gitc_agent.settings.vuln_config import CsafSource
from tests.cli_run import gitc
from tests.csaf_demo_sources import FIXTURES, build

VULN_FIXTURES = FIXTURES.parent / "vuln"


def _source(path: Path, name: str = "src"):
    return collect_source(CsafSource(name=name, path=path))


def test_real_public_csaf_documents_validate_and_normalise() -> None:
    doc = _source(FIXTURES / "oasis", "oasis")
    assert doc.errors == [] and doc.data["counts"]["valid"] == 3
    by_id = {a["tracking_id"]: a for a in doc.data["advisories"]}
    bsi = by_id["BSI-2022-0001"]["products"][0]
    assert bsi["product"] == "CVRF-CSAF-Converter" and bsi["fixed"] == ["1.0.0-rc2"]
    assert {"version": "1.0.0-alpha"} in bsi["affected"]
    assert by_id["RHSA-2021:5186"]["class"] == "critical"
    assert by_id["cisco-sa-20180328-smi2"]["products"][0]["product"] == "IOS"


def test_committed_mirrors_are_what_the_builder_writes(tmp_path: Path) -> None:
    build(tmp_path)
    for name in ("ncsc-nl", "microsoft"):
        ours = sorted(p.relative_to(tmp_path / name) for p in (tmp_path / name).rglob("*")
                      if p.is_file())
        committed = sorted(p.relative_to(FIXTURES / name) for p in (FIXTURES / name).rglob("*")
                           if p.is_file())
        assert ours == committed
        for rel in ours:
            assert (tmp_path / name / rel).read_bytes() == (FIXTURES / name / rel).read_bytes()


def test_demo_evidence_is_what_the_collector_reads_from_the_mirrors() -> None:
    for name in ("ncsc-nl", "microsoft"):
        shipped = json.loads((demo.evidence_dir() / f"feed.csaf@{name}.json").read_text())
        fresh = _source(FIXTURES / name, name)
        assert shipped["data"]["advisories"] == fresh.data["advisories"]
        assert shipped["data"]["sha256"] == fresh.data["sha256"]


def test_layouts_rolie_and_changes_csv() -> None:
    ncsc, ms = _source(FIXTURES / "ncsc-nl"), _source(FIXTURES / "microsoft")
    assert ncsc.data["layout"] == ms.data["layout"] == "provider-metadata"
    assert ncsc.data["counts"]["listed"] == 7 and ms.data["counts"]["listed"] == 2
    assert ncsc.data["counts"]["withdrawn"] == 1 and ncsc.data["in_force"] == 5
    assert ms.data["provider"]["publisher"] == "Microsoft"


def test_listed_but_missing_and_broken_documents_are_reported(tmp_path: Path) -> None:
    mirror = tmp_path / "ncsc-nl"
    shutil.copytree(FIXTURES / "ncsc-nl", mirror)
    (mirror / "2026" / "ncsc-2026-0398-1.00.json").unlink()
    (mirror / "2026" / "ncsc-2026-0377-1.00.json").write_text("{not json")
    doc = _source(mirror)
    invalid = {i["file"]: i for i in doc.data["invalid"]}
    assert "not in the mirror" in invalid["2026/ncsc-2026-0398-1.00.json"]["reason"]
    assert "not valid JSON" in invalid["2026/ncsc-2026-0377-1.00.json"]["reason"]
    assert {a["tracking_id"] for a in doc.data["advisories"]} >= {"NCSC-2026-0412",
                                                                  "NCSC-2026-0355"}
    assert [e["part"] for e in doc.errors] == ["document", "document"]


def test_a_plain_folder_with_a_schema_violation(tmp_path: Path) -> None:
    for src in (FIXTURES / "oasis").glob("*.json"):
        shutil.copy(src, tmp_path / src.name)
    bad = json.loads((tmp_path / "bsi-2022-0001.json").read_text())
    bad["document"]["publisher"]["category"] = "somebody"
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    doc = _source(tmp_path)
    assert doc.data["layout"] == "folder" and doc.data["counts"]["valid"] == 3
    assert doc.data["invalid"][0]["file"] == "bad.json"
    assert doc.data["invalid"][0]["path"] == "/document/publisher/category"


def test_reading_never_touches_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("network access while reading CSAF")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    doc = _source(FIXTURES / "oasis")  # the CVSS $refs resolve to the shipped schemas
    assert doc.data["counts"]["valid"] == 3


def _config(tmp_path: Path, extra: str = "") -> Path:
    tickets = tmp_path / "tickets.csv"
    tickets.write_bytes((VULN_FIXTURES / "tickets.csv").read_bytes()
                        + b"TOP-26-1103;31-10-2026 25:00;;NCSC-2026-0412;K;B;Dubbel\n")
    shutil.copy(VULN_FIXTURES / "inventory.csv", tmp_path / "inventory.csv")
    path = tmp_path / "gitc-agent.yaml"
    path.write_text(f"""vuln:
  sources:
    - {{name: ncsc-nl, path: {FIXTURES / 'ncsc-nl'}}}
  timezone: Europe/Amsterdam
  inventory:
    file: inventory.csv
    columns: {{host: Computer, name: Product, version: Versie, publisher: Uitgever}}
  tickets:
    file: tickets.csv
    columns: {{ticket: Nummer, opened_at: Aangemeld, closed_at: Afgemeld, reference: Referentie,
               category: Categorie, queue: Behandelaarsgroep, title: Korte omschrijving}}
{extra}""")
    return path


def test_exports_read_with_rejected_rows_named(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path))
    docs = {d.kind: d for d in read_input_files(config)["vuln"][0]}
    inventory, tickets = docs["vuln.inventory"], docs["vuln.tickets"]
    assert inventory.data["counts"] == {"read": 5, "used": 4, "rejected": 1}
    assert inventory.data["rejected"][0] == {"file": "inventory.csv", "row": 5, "line": 6,
                                             "reason": "host is empty"}
    assert inventory.data["hosts"]["lt-0042"][1] == {"name": "Notepad++ (64-bit x64)",
                                                     "version": None, "publisher": "Notepad++ Team",
                                                     "row": 4}
    assert tickets.data["counts"] == {"read": 6, "used": 5, "rejected": 1}
    assert tickets.data["rejected"][0]["row"] == 6 and "25:00" in tickets.data["rejected"][0][
        "reason"]
    quoted = next(t for t in tickets.data["tickets"] if t["ticket"] == "TOP-26-1102")
    assert quoted["title"] == "7-Zip bijwerken; Urgent advies"
    assert quoted["opened_at"] == "2026-10-30T08:47:00+01:00"  # Amsterdam winter time


@pytest.mark.parametrize(("extra", "words"), [
    ("  bogus: 1\n", "bogus"),
])
def test_config_errors_name_the_line(tmp_path: Path, extra: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        load_config(_config(tmp_path, extra))
    assert words in str(caught.value) and caught.value.line


def test_source_that_is_not_a_folder_and_missing_column_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "gitc-agent.yaml"
    path.write_text("vuln:\n  sources:\n    - {name: ncsc-nl, path: nowhere}\n")
    run = gitc("collect", "--config", path, "--out", tmp_path / "ev")
    assert run.code == 2 and "gitc-agent.yaml:3" in run.output and "not a folder" in run.output
    cfg = _config(tmp_path)
    (tmp_path / "tickets.csv").write_text("Nummer;Aangemeld\nT1;01-01-2026\n")
    run = gitc("collect", "--config", cfg, "--out", tmp_path / "ev")
    assert run.code == 2 and "closed_at (column 'Afgemeld')" in run.output
    assert not (tmp_path / "ev").exists()


def test_collect_writes_the_evidence_and_plans_every_source(tmp_path: Path) -> None:
    run = gitc("collect", "--config", _config(tmp_path), "--out", tmp_path / "ev")
    assert run.code == 0, run.output
    plan = json.loads((tmp_path / "ev" / "plan.json").read_text())
    assert {"kind": "feed.csaf", "target": "ncsc-nl"} in plan["targets"]
    assert {"kind": "vuln.tickets", "target": tmp_path.name} in plan["targets"]
    assert (tmp_path / "ev" / "feed.csaf@ncsc-nl.json").is_file()


def test_feeds_status_shows_age_and_invalid_documents(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURES / "ncsc-nl", mirror)
    (mirror / "2026" / "ncsc-2026-0377-1.00.json").write_text("[]")
    cfg = tmp_path / "gitc-agent.yaml"
    cfg.write_text(f"vuln:\n  sources:\n    - {{name: ncsc-nl, path: {mirror}}}\n")
    run = gitc("feeds", "status", "--config", cfg)
    assert run.code == 0, run.output
    assert "ncsc-nl:" in run.stdout and "newest advisory 2026-11-13" in run.stdout
    assert "invalid: 2026/ncsc-2026-0377-1.00.json: /: " in run.stdout
    rows = json.loads(gitc("feeds", "status", "--config", cfg, "--json").stdout)
    assert rows[0]["documents"]["invalid"] == 1 and rows[0]["age_days"] >= 0


def test_scan_judges_the_exported_hosts_end_to_end(tmp_path: Path) -> None:
    run = gitc("scan", "--policy", "adr-gitc", "--config", _config(tmp_path), "--out",
               tmp_path / "reports", "--quiet")
    assert run.code == 3, run.output  # Notepad++ without a version: not assessed
    report = json.loads((tmp_path / "reports" / "latest" / "report.json").read_text())
    results = {(r["check"], r["subject"]): r["status"] for r in report["results"]}
    assert results[("vuln.advisory.remediation_overdue",
                    "host:lt-0042/advisory:NCSC-2026-0412")] == "fail"
    assert results[("vuln.advisory.undecidable",
                    "host:lt-0042/advisory:NCSC-2026-0398")] == "error"
    # TOP-26-1102 names it and is still open past the due date
    assert results[("vuln.process.ticket_per_advisory", "advisory:NCSC-2026-0412")] == "fail"


def test_ncsc_title_codes_give_likelihood_and_damage_when_no_note_does() -> None:
    """NCSC-NL's older advisories carry kans/schade in the title ("[M/H]")."""
    from gitc_agent.collectors.vuln.csaf_normalise import classify
    coded = classify({"document": {"title": "NCSC-2024-0369 [1.01] [M/H] Kwetsbaarheden verholpen",
                                   "notes": []}})
    assert (coded["kans"], coded["schade"], coded["class"]) == ("medium", "high", "medium/high")
    plain = classify({"document": {"title": "Kwetsbaarheden verholpen in Apache", "notes": []}})
    assert plain["kans"] is None and plain["class"] == "unclassified"
