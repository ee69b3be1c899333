"""The vulnerability checks on advisories read by the real CSAF reader, one situation at a time.

Each test builds the CSAF documents (tests/csaf_docs.py), reads them with the collector (schema
validated, normalised) and evaluates the shipped adr-gitc profile, asserting on the result of
one host and advisory: product ranges, fixed builds and KBs, revisions, withdrawn advisories,
the fix map as an override, KEV due dates, and what must be `error` instead of a pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model import kinds
from tests.csaf_docs import MSRC, NCSC, document, ncsc_notes
from tests.vuln_helpers import (
    linux_host,
    run,
    software,
    source_doc,
    tickets_doc,
    windows_host,
)

OVERDUE, UNDECIDABLE = "vuln.advisory.remediation_overdue", "vuln.advisory.undecidable"
TICKET, ROUND, CURRENT = ("vuln.process.ticket_per_advisory",
                          "vuln.process.patch_round_validated", "vuln.source.current")
ZIP = [("Igor Pavlov", "7-Zip", {"range": "vers:generic/<25.01"}, "P1")]


def ncsc(tid: str, products, published: str = "2026-10-29T09:00:00Z", label: str = "Urgent",
         **kw) -> dict:
    return document(NCSC, tid, f"Advies {tid}", published, products, [f"CVE-2026-{tid[-4:]}"],
                    severity=label, notes=ncsc_notes(), **kw)


def host(*items: tuple[str, str | None], name: str = "app02", kbs: tuple[str, ...] = ()
         ) -> EvidenceDoc:
    return windows_host(name, "Microsoft Windows Server 2019 Datacenter", 17763, 7558,
                        software(*items), kbs=kbs)


def subject(host_name: str, tid: str) -> str:
    return f"host:{host_name}/advisory:{tid}"


def test_urgent_advisory_past_seven_days_fails_and_names_the_fix(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    results = run([feed, host(("7-Zip 24.08 (x64)", "24.08"))])
    status, message = results[(OVERDUE, subject("app02", "NCSC-2026-0412"))]
    assert status == "fail"
    assert "due date 2026-11-05" in message and "version >= 25.01" in message
    assert "class urgent: 7 days" in message


def test_fixed_version_installed_passes_and_older_range_is_not_matched(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    results = run([feed, host(("7-Zip 25.01 (x64)", "25.01")),
                   host(("7-Zip 24.08 (x64)", "24.08"), name="app03")])
    assert results[(OVERDUE, subject("app02", "NCSC-2026-0412"))][0] == "pass"
    assert results[(OVERDUE, subject("app03", "NCSC-2026-0412"))][0] == "fail"
    bounded = [("Igor Pavlov", "7-Zip", {"range": "vers:generic/>=24.00|<25.01"}, "P1")]
    feed2 = source_doc(tmp_path / "2", "ncsc-nl", {"a.json": ncsc("NCSC-2026-0413", bounded)})
    old = run([feed2, host(("7-Zip 23.01 (x64)", "23.01"))])
    assert (OVERDUE, subject("app02", "NCSC-2026-0413")) not in old  # below the range


def test_normal_advisory_within_thirty_days_is_open_not_yet_due(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0420", ZIP,
                                                           published="2026-11-01T09:00:00Z",
                                                           label="Normaal")})
    status, message = run([feed, host(("7-Zip 24.08", "24.08"))])[
        (OVERDUE, subject("app02", "NCSC-2026-0420"))]
    assert status == "pass" and "not yet due (due 2026-12-01" in message


def test_older_kans_schade_high_high_takes_the_urgent_time(tmp_path: Path) -> None:
    doc = document(NCSC, "NCSC-2026-0300", "Oud advies", "2026-11-01T09:00:00Z", ZIP,
                   ["CVE-2026-0300"], notes=ncsc_notes("high", "high"))
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": doc})
    status, message = run([feed, host(("7-Zip", "24.08"))])[
        (OVERDUE, subject("app02", "NCSC-2026-0300"))]
    assert status == "fail" and "class high/high: 7 days" in message
    medium = document(NCSC, "NCSC-2026-0301", "Oud advies", "2026-11-01T09:00:00Z", ZIP,
                      ["CVE-2026-0301"], notes=ncsc_notes("medium", "high"))
    feed2 = source_doc(tmp_path / "2", "ncsc-nl", {"a.json": medium})
    status, message = run([feed2, host(("7-Zip", "24.08"))])[
        (OVERDUE, subject("app02", "NCSC-2026-0301"))]
    assert status == "pass" and "default 90 days" in message


def test_microsoft_fixed_build_and_kb(tmp_path: Path) -> None:
    doc = document(MSRC, "CVE-2026-31207", "SMB", "2026-10-14T07:00:00Z",
                   [("Microsoft", "Windows Server 2019", {"range": "<10.0.17763.7919"}, "M1")],
                   ["CVE-2026-31207"], severity="Important", lang="en-US",
                   kbs={"M1": "KB5066586"}, version="1")
    feed = source_doc(tmp_path, "microsoft", {"msrc_cve-2026-31207.json": doc})
    behind = host(("7-Zip", "24.08"))
    by_kb = host(("7-Zip", "24.08"), name="app03", kbs=("KB5066586",))
    by_build = windows_host("app04", "Microsoft Windows Server 2019 Standard", 17763, 7919,
                            software(("7-Zip", "24.08")))
    results = run([feed, behind, by_kb, by_build])
    status, message = results[(OVERDUE, subject("app02", "CVE-2026-31207"))]
    assert status == "fail" and "KB5066586 or version >= 10.0.17763.7919" in message
    assert "class important: 30 days" in message
    assert results[(OVERDUE, subject("app03", "CVE-2026-31207"))] == (
        "pass", results[(OVERDUE, subject("app03", "CVE-2026-31207"))][1])
    assert "KB5066586 installed" in results[(OVERDUE, subject("app03", "CVE-2026-31207"))][1]
    assert results[(OVERDUE, subject("app04", "CVE-2026-31207"))][0] == "pass"


def test_kev_due_date_applies_when_earlier(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc(
        "NCSC-2026-0420", ZIP, published="2026-11-01T09:00:00Z", label="Normaal")})
    kev = EvidenceDoc(kind=kinds.FEED_CISA_KEV, target="kev", collector="feeds.file",
                      data={"vulnerabilities": [{"cveID": "CVE-2026-0420",
                                                 "dueDate": "2026-11-10"}],
                            "count_vendor": 1})
    status, message = run([feed, kev, host(("7-Zip", "24.08"))])[
        (OVERDUE, subject("app02", "NCSC-2026-0420"))]
    assert status == "fail" and "CISA KEV dueDate of CVE-2026-0420" in message
    kev.data["vulnerabilities"][0]["dueDate"] = None  # unreadable KEV entry: no pass
    status, _ = run([feed, kev, host(("7-Zip", "24.08"))])[
        (OVERDUE, subject("app02", "NCSC-2026-0420"))]
    assert status == "error"


def test_no_version_and_no_fix_is_undecidable_error_in_both_checks(tmp_path: Path) -> None:
    doc = ncsc("NCSC-2026-0398", [("Notepad++ Team", "Notepad++", {}, "P1")])
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": doc})
    results = run([feed, host(("Notepad++ (64-bit x64)", "8.8.7"))])
    key = subject("app02", "NCSC-2026-0398")
    assert results[(UNDECIDABLE, key)][0] == "error"
    assert "a person must decide" in results[(UNDECIDABLE, key)][1].lower()
    assert results[(OVERDUE, key)][0] == "error"


def test_listed_versions_without_fixed_version_are_undecidable(tmp_path: Path) -> None:
    listed = [("Notepad++ Team", "Notepad++", {"version": "8.8.6"}, "P1")]
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0399", listed)})
    results = run([feed, host(("Notepad++", "8.8.7")), host(("Notepad++", "8.8.6"), name="b")])
    assert results[(UNDECIDABLE, subject("app02", "NCSC-2026-0399"))][0] == "error"
    assert results[(UNDECIDABLE, subject("b", "NCSC-2026-0399"))][0] == "error"  # no fix named


def test_fix_map_decides_what_the_advisory_leaves_open(tmp_path: Path) -> None:
    doc = ncsc("NCSC-2026-0355", [("Microsoft", "Windows Server 2019", {}, "P1")])
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": doc})
    fixes = EvidenceDoc(kind=kinds.FEED_CVE_FIX_MAP, target="map", collector="feeds.file",
                        data={"fixes": [{"cve": "CVE-2026-0355", "product": "Windows Server 2019",
                                         "kbs": ["KB5065428"], "fixed_build": "17763.7792"}]})
    results = run([feed, fixes, host(("7-Zip", "24.08"))])
    key = subject("app02", "NCSC-2026-0355")
    assert results[(UNDECIDABLE, key)][0] == "pass" and "CVE fix map" in results[(UNDECIDABLE,
                                                                                    key)][1]
    assert results[(OVERDUE, key)][0] == "fail" and "KB5065428" in results[(OVERDUE, key)][1]
    fixes.data["fixes"] = [{"cve": "CVE-2026-0355", "product": "Windows Server 2019",
                            "not_affected": True, "reason": "component not installed"}]
    assert (OVERDUE, key) not in run([feed, fixes, host(("7-Zip", "24.08"))])


def test_withdrawn_advisory_and_older_revision_are_not_used(tmp_path: Path) -> None:
    first = ncsc("NCSC-2026-0412", [("Igor Pavlov", "7-Zip", {}, "P1")], version="1.0.0")
    second = ncsc("NCSC-2026-0412", ZIP, version="1.0.1", current="2026-10-31T10:00:00Z")
    withdrawn = ncsc("NCSC-2026-0401", ZIP, version="1.0.1", current="2026-10-30T10:00:00Z",
                     history=[("1.0.0", "2026-10-29T09:00:00Z", "Initiele versie"),
                              ("1.0.1", "2026-10-30T10:00:00Z", "Advies ingetrokken")])
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": second, "b.json": first,
                                            "c.json": withdrawn})
    assert feed.data["counts"]["superseded"] == 1
    assert feed.data["superseded"][0]["file"] == "b.json"
    results = run([feed, host(("7-Zip", "24.08"))])
    key = subject("app02", "NCSC-2026-0412")
    assert results[(UNDECIDABLE, key)][0] == "pass"  # the revision with the range is used
    assert (OVERDUE, subject("app02", "NCSC-2026-0401")) not in results


def test_invalid_document_is_an_error_and_the_others_are_still_used(tmp_path: Path) -> None:
    bad = ncsc("NCSC-2026-0500", ZIP)
    bad["document"]["tracking"]["status"] = "published"
    feed = source_doc(tmp_path, "ncsc-nl", {"good.json": ncsc("NCSC-2026-0412", ZIP),
                                            "bad.json": bad})
    assert feed.data["invalid"] == [{"file": "bad.json", "path": "/document/tracking/status",
                                     "reason": feed.data["invalid"][0]["reason"]}]
    results = run([feed, host(("7-Zip", "24.08"))])
    assert results[(OVERDUE, subject("app02", "NCSC-2026-0412"))][0] == "fail"
    status, message = results[(UNDECIDABLE, "advisory:ncsc-nl:bad.json")]
    assert status == "error" and "/document/tracking/status" in message


def test_host_without_software_list_is_error_not_pass(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    old = host(("7-Zip", "24.08"))
    del old.data["software"]  # evidence from the version-2 script
    results = run([feed, old])
    status, message = results[(OVERDUE, "host:app02")]
    assert status == "error" and "collect again" in message
    assert not [k for k, v in results.items() if v[0] == "pass" and "app02" in k[1]]


def test_linux_admin_host_packages_are_matched_by_purl_name(tmp_path: Path) -> None:
    product = [("OpenSSL", "OpenSSL library", {"range": "<3.0.17-1~deb12u3"}, "P1")]  # by purl
    doc = ncsc("NCSC-2026-0450", product)
    doc["product_tree"]["branches"][0]["branches"][0]["branches"][0]["product"][
        "product_identification_helper"] = {"purl": "pkg:deb/debian/openssl@3.0.17-1~deb12u3"}
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": doc})
    results = run([feed, linux_host("adm01", [("openssl", "3.0.15-1~deb12u1")]),
                   linux_host("adm02", [("openssl", "3.0.17-1~deb12u3")])])
    assert results[(OVERDUE, subject("adm01", "NCSC-2026-0450"))][0] == "fail"
    assert results[(OVERDUE, subject("adm02", "NCSC-2026-0450"))][0] == "pass"
    bad = linux_host("adm03", [("openssl", "3.0.15")], manager="pacman")
    assert run([feed, bad])[(OVERDUE, "host:adm03")][0] == "error"


def test_inventory_export_hosts_are_judged_and_live_evidence_wins(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    export = EvidenceDoc(kind=kinds.VULN_INVENTORY, target="vuln", collector="vuln.files",
                         collected_at="2026-11-16T08:00:00+00:00",
                         data={"hosts": {"lt-0042": [{"name": "7-Zip 24.08 (x64)",
                                                      "version": "24.08"}],
                                         "app02.corp": [{"name": "7-Zip", "version": "25.01"}]},
                               "counts": {"read": 2, "used": 2, "rejected": 0}})
    results = run([feed, export, host(("7-Zip", "24.08"), name="app02.corp")])
    assert results[(OVERDUE, subject("lt-0042", "NCSC-2026-0412"))][0] == "fail"
    assert results[(OVERDUE, subject("app02.corp", "NCSC-2026-0412"))][0] == "fail"  # live
    export.data["hosts"]["lt-0042"][0]["version"] = None
    assert run([feed, export])[(UNDECIDABLE, subject("lt-0042", "NCSC-2026-0412"))][0] == "error"


@pytest.mark.parametrize(("rows", "expected", "words"), [
    ([], "fail", "no ticket"),
    ([{"ticket": "T1", "opened_at": "2026-10-29T10:00:00+00:00",
       "closed_at": "2026-11-03T10:00:00+00:00", "references": ["NCSC-2026-0412"]}],
     "pass", "closed on 2026-11-03"),
    ([{"ticket": "T1", "opened_at": "2026-11-04T10:00:00+00:00",
       "closed_at": "2026-11-05T10:00:00+00:00", "references": ["CVE-2026-0412"]}],
     "fail", "opened on 2026-11-04, after 2026-10-31"),
    ([{"ticket": "T1", "opened_at": "2026-10-29T10:00:00+00:00", "closed_at": None,
       "references": ["NCSC-2026-0412"]}], "fail", "still open past the due date"),
])
def test_ticket_per_urgent_advisory(tmp_path: Path, rows, expected: str, words: str) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    status, message = run([feed, tickets_doc(rows), host(("7-Zip", "24.08"))])[
        (TICKET, "advisory:NCSC-2026-0412")]
    assert status == expected and words in message


def test_no_ticket_with_rejected_rows_is_error_and_normal_needs_none(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP),
                                            "b.json": ncsc("NCSC-2026-0413", ZIP,
                                                           label="Normaal")})
    results = run([feed, tickets_doc([], rejected=1), host(("7-Zip", "24.08"))])
    assert results[(TICKET, "advisory:NCSC-2026-0412")][0] == "error"
    assert (TICKET, "advisory:NCSC-2026-0413") not in results


def _round(ticket: str, opened: str, closed: str | None, ref: str = "") -> dict:
    return {"ticket": ticket, "opened_at": opened, "closed_at": closed, "category":
            "Patchvalidatie", "queue": "CISO-office", "references": [ref] if ref else []}


def test_patch_rounds_each_need_a_closed_ciso_validation_ticket(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    rows = [_round("V8", "2026-08-12T09:00:00+00:00", "2026-08-20T09:00:00+00:00"),
            _round("V9", "2026-09-30T09:00:00+00:00", "2026-10-01T09:00:00+00:00", "2026-09"),
            {**_round("X", "2026-10-14T09:00:00+00:00", "2026-10-15T09:00:00+00:00"),
             "queue": "Backoffice"}]
    results = run([feed, tickets_doc(rows)])
    assert results[(ROUND, "patch-round:2026-08-11")][0] == "pass"
    status, message = results[(ROUND, "patch-round:2026-09-08")]
    assert status == "fail" and "closed late" in message  # deadline 2026-09-22
    assert results[(ROUND, "patch-round:2026-10-13")][0] == "fail"  # wrong queue: no ticket
    assert (ROUND, "patch-round:2026-11-10") not in results  # deadline not passed yet


def test_source_current_per_source_limit_and_unreadable_source(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc(
        "NCSC-2026-0412", ZIP, published="2026-11-12T09:00:00Z")})
    assert run([feed])[(CURRENT, "feed:ncsc-nl")][0] == "pass"
    stale = run([feed], overrides={CURRENT: {"per_source": {"ncsc-nl": 2}}})
    assert stale[(CURRENT, "feed:ncsc-nl")][0] == "fail"
    empty = source_doc(tmp_path / "e", "empty", {})
    assert run([empty])[(CURRENT, "feed:empty")][0] == "error"


def test_a_run_without_advisory_sources_is_out_of_scope_not_incomplete() -> None:
    results = run([host(("7-Zip", "24.08"))])  # a WinRM-only scan: no vuln section
    statuses = {check: status for (check, _), (status, _) in results.items()}
    assert statuses == {check: "not_applicable" for check in statuses}
    assert {OVERDUE, UNDECIDABLE, TICKET, CURRENT, ROUND} <= set(statuses)


def test_sources_without_ticket_export_make_the_ticket_check_an_error(tmp_path: Path) -> None:
    feed = source_doc(tmp_path, "ncsc-nl", {"a.json": ncsc("NCSC-2026-0412", ZIP)})
    results = run([feed, host(("7-Zip", "24.08"))])
    assert results[(TICKET, "evidence:vuln.tickets")][0] == "error"
