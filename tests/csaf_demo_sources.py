"""The demo ministry's two advisory mirrors (NCSC-NL over ROLIE, Microsoft over changes.csv).

`build(root)` writes them; tests/fixtures/csaf/{ncsc-nl,microsoft} are its committed output and
the demo's `feed.csaf` evidence is what the collector reads from them (tests/test_vuln_demo.py
checks both). Run `python -m tests.csaf_demo_sources` to rewrite the fixtures and the evidence.

What the demo shows on 2026-11-16: NCSC-2026-0412 (Urgent, 7-Zip below 25.01, revised once) is
overdue on app02 and file03; NCSC-2026-0398 (Normaal, Notepad++ with no version or fix) is
undecidable on ws-fin-014; NCSC-2026-0377 (older High/High, Windows Server 2022) is fixed;
NCSC-2026-0355 names Windows by product only and is decided by the demo's CVE fix map;
NCSC-2026-0401 is withdrawn; NCSC-2026-0431 (13 November) applies to no demo host and keeps
the NCSC mirror current; the Microsoft mirror's newest advisory is from 14 October, so the
source is stale; CVE-2026-31207 (Important) is overdue on app02 (Windows Server 2019).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.csaf_docs import MSRC, NCSC, document, ncsc_notes, provider_metadata, rolie_feed, write

FIXTURES = Path(__file__).parent / "fixtures" / "csaf"
NCSC_BASE = "https://advisories.ncsc.nl/csaf/v2/"
MS_BASE = "https://msrc.microsoft.com/csaf/"


def ncsc_docs() -> dict[str, dict]:
    seven_zip = [("Igor Pavlov", "7-Zip", {"range": "vers:generic/<25.01"}, "NCSC-P-7Z")]
    return {
        "2026/ncsc-2026-0412-1.00.json": document(
            NCSC, "NCSC-2026-0412", "Kwetsbaarheid verholpen in 7-Zip", "2026-10-29T09:00:00Z",
            [("Igor Pavlov", "7-Zip", {}, "NCSC-P-7Z")], ["CVE-2026-40991"], severity="Urgent",
            version="1.0.0", notes=ncsc_notes()),
        "2026/ncsc-2026-0412-1.01.json": document(  # the revision: the fixed version is known
            NCSC, "NCSC-2026-0412", "Kwetsbaarheid verholpen in 7-Zip", "2026-10-29T09:00:00Z",
            seven_zip, ["CVE-2026-40991"], severity="Urgent", version="1.0.1",
            current="2026-10-31T10:00:00Z", notes=ncsc_notes(),
            fixed=[("Igor Pavlov", "7-Zip", {"version": "25.01"}, "NCSC-P-7Z-F")],
            history=[("1.0.0", "2026-10-29T09:00:00Z", "Initiele versie"),
                     ("1.0.1", "2026-10-31T10:00:00Z", "Gefixte versie toegevoegd")]),
        "2026/ncsc-2026-0398-1.00.json": document(
            NCSC, "NCSC-2026-0398", "Kwetsbaarheden verholpen in Notepad++",
            "2026-10-20T12:00:00Z", [("Notepad++ Team", "Notepad++", {}, "NCSC-P-NPP")],
            ["CVE-2026-39120"], severity="Normaal", version="1.0.0", notes=ncsc_notes()),
        "2026/ncsc-2026-0377-1.00.json": document(
            NCSC, "NCSC-2026-0377", "Kwetsbaarheden verholpen in Microsoft Windows",
            "2026-10-14T19:00:00Z",
            [("Microsoft", "Windows Server 2022", {"range": "<10.0.20348.4294"}, "NCSC-P-W22")],
            ["CVE-2026-31207"], version="1.0.0", notes=ncsc_notes("high", "high"),
            kbs={"NCSC-P-W22": "KB5066782"}),
        "2026/ncsc-2026-0355-1.00.json": document(
            NCSC, "NCSC-2026-0355", "Kwetsbaarheid verholpen in Microsoft Windows",
            "2026-09-10T08:00:00Z",
            [("Microsoft", "Windows Server 2019", {}, "NCSC-P-W19"),
             ("Microsoft", "Windows Server 2022", {}, "NCSC-P-W22"),
             ("Microsoft", "Windows 11", {}, "NCSC-P-W11")],
            ["CVE-2026-24811"], version="1.0.0", notes=ncsc_notes("high", "high")),
        "2026/ncsc-2026-0431-1.00.json": document(  # recent, for no host: the feed is current
            NCSC, "NCSC-2026-0431", "Kwetsbaarheden verholpen in Cisco IOS XE",
            "2026-11-13T10:00:00Z", [("Cisco", "IOS XE", {"range": "<17.15.4"}, "NCSC-P-IOSXE")],
            ["CVE-2026-41270"], severity="Normaal", version="1.0.0", notes=ncsc_notes(),
            fixed=[("Cisco", "IOS XE", {"version": "17.15.4"}, "NCSC-P-IOSXE-F")]),
        "2026/ncsc-2026-0401-1.01.json": document(
            NCSC, "NCSC-2026-0401", "[Ingetrokken] Kwetsbaarheid in Microsoft Edge",
            "2026-10-27T08:00:00Z", [("Microsoft", "Edge", {"range": "<142.0.3595.53"},
                                      "NCSC-P-EDGE")], ["CVE-2026-40001"], severity="Urgent",
            version="1.0.1", current="2026-10-28T08:00:00Z", notes=ncsc_notes(),
            history=[("1.0.0", "2026-10-27T08:00:00Z", "Initiele versie"),
                     ("1.0.1", "2026-10-28T08:00:00Z", "Advies ingetrokken")]),
    }


def ms_docs() -> dict[str, dict]:
    def windows(cve: str, title: str, published: str, fixes: dict[str, tuple[str, str]],
                severity: str) -> dict:
        products = [("Microsoft", name, {"range": f"<{build}"}, f"MS-{i}")
                    for i, (name, (build, _)) in enumerate(fixes.items())]
        return document(MSRC, cve, title, published, products, [cve], severity=severity,
                        version="1", lang="en-US",
                        kbs={f"MS-{i}": kb for i, (_, (_, kb)) in enumerate(fixes.items())})

    return {
        "2026/msrc_cve-2026-31207.json": windows(
            "CVE-2026-31207", "Windows SMB Client Elevation of Privilege Vulnerability",
            "2026-10-14T07:00:00Z",
            {"Windows Server 2019": ("10.0.17763.7919", "KB5066586"),
             "Windows Server 2022": ("10.0.20348.4294", "KB5066782"),
             "Windows 11 Version 24H2": ("10.0.26100.6899", "KB5066835")}, "Important"),
        "2026/msrc_cve-2026-24811.json": windows(
            "CVE-2026-24811", "Windows Common Log File System Driver Elevation of Privilege "
            "Vulnerability", "2026-09-09T07:00:00Z",
            {"Windows Server 2019": ("10.0.17763.7792", "KB5065428"),
             "Windows Server 2022": ("10.0.20348.4171", "KB5065432")}, "Important"),
    }


def build(root: Path) -> None:
    ncsc, ms = root / "ncsc-nl", root / "microsoft"
    docs = ncsc_docs()
    for name, doc in docs.items():
        write(ncsc, name, doc)
    provider_metadata(ncsc, NCSC_BASE, NCSC, rolie=["feed-tlp-white.json"])
    rolie_feed(ncsc, "feed-tlp-white.json", NCSC_BASE,
               [(d["document"]["tracking"]["id"], name,
                 d["document"]["tracking"]["current_release_date"])
                for name, d in sorted(docs.items())])
    ms_documents = ms_docs()
    for name, doc in ms_documents.items():
        write(ms, f"advisories/{name}", doc)
    provider_metadata(ms, MS_BASE, MSRC, directories=["advisories/"],
                      last_updated="2026-10-14T08:00:00Z")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, doc in sorted(ms_documents.items()):
        writer.writerow([name, doc["document"]["tracking"]["current_release_date"]])
    (ms / "advisories" / "changes.csv").write_text(out.getvalue(), encoding="utf-8")


def demo_evidence(root: Path, out: Path) -> None:
    """The demo's feed.csaf evidence, read from the mirrors under `root` by the collector."""
    from gitc_agent.collectors.vuln.csaf_source import collect_source
    from gitc_agent.settings.vuln_config import CsafSource

    for name in ("ncsc-nl", "microsoft"):
        doc = collect_source(CsafSource(name=name, path=root / name))
        doc.collected_at = "2026-11-16T07:30:06+00:00"
        doc.data["path"] = f"/srv/gitc/feeds/csaf/{name}"
        (out / doc.filename).write_text(json.dumps(doc.to_dict(), indent=2, sort_keys=True,
                                                   ensure_ascii=False), encoding="utf-8")


def demo_tickets(out: Path) -> None:
    """The demo's vuln.tickets evidence, read by the collector from tests/fixtures/vuln."""
    from gitc_agent.collectors.vuln.exports import collect_tickets
    from gitc_agent.settings.datafix_config import Table
    from gitc_agent.settings.vuln_config import TICKET_FIELDS, TICKET_REQUIRED, VulnSettings

    columns = {"ticket": "Nummer", "opened_at": "Aangemeld", "closed_at": "Afgemeld",
               "reference": "Referentie", "category": "Categorie",
               "queue": "Behandelaarsgroep", "title": "Korte omschrijving"}
    table = Table(file=FIXTURES.parent / "vuln" / "tickets.csv", columns=columns,
                  required=TICKET_REQUIRED)
    assert set(columns) == set(TICKET_FIELDS)
    settings = VulnSettings(tickets=table, timezone="Europe/Amsterdam", target="corp.vbz.example")
    doc = collect_tickets(settings)
    doc.collected_at = "2026-11-16T07:30:06+00:00"
    doc.data["source"]["file"] = "/srv/gitc/exports/topdesk-kwetsbaarheden.csv"
    for row in doc.data["rejected"]:
        row["file"] = "topdesk-kwetsbaarheden.csv"
    (out / doc.filename).write_text(json.dumps(doc.to_dict(), indent=2, sort_keys=True,
                                               ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    build(FIXTURES)
    from gitc_agent import demo

    demo_evidence(FIXTURES, demo.evidence_dir())
    demo_tickets(demo.evidence_dir())
