"""No English phrase inside a Dutch sentence of the operations checks (issue #14).

The vuln.*, windows.*, host.*, governance.* and monitoring.* checks and their walkers pass every
phrase they write (a reason, a due-date basis, a list of service states, "1 of them hidden") as a
message of its own, so a Dutch report translates it with the sentence around it. Plain string
values are data: names, dates, titles, texts the evidence or a server gave. These tests hold
that on the demo and on evidence the demo does not have, and hold the English to its old text.
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.i18n import Translator
from gitc_agent.model import kinds
from gitc_agent.model.message import Message, MessageList, msg, plain
from tests.cli_run import gitc
from tests.csaf_docs import MSRC, NCSC, document, ncsc_notes
from tests.phrases import has_dutch, looks_english, nested_templates
from tests.vuln_helpers import linux_host, software, source_doc, tickets_doc, windows_host

PREFIXES = ("vuln.", "windows.", "host.", "governance.", "monitoring.")
NL, EN = Translator("nl"), Translator("en")
# string values that are data, not phrases we write (the heuristic below mistakes them)
DATA = {
    ("vuln.advisory.remediation_overdue", "advisory"): "id, CVEs and title as published",
    ("vuln.advisory.undecidable", "advisory"): "id, CVEs and title as published",
    ("vuln.process.ticket_per_advisory", "advisory"): "the advisory's id",
    ("windows.patch.update_age", "title"): "the update's title from Windows Update",
    ("windows.patch.missing_updates", "reason"): "the Windows Update Agent's own error text",
    ("vuln.advisory.remediation_overdue", "products"): "installed programs, name and version",
    ("vuln.advisory.undecidable", "products"): "installed programs, name and version",
}
# templates whose Dutch is the same text (a technical word or a comparison)
SAME_IN_DUTCH = {"SID", "host", "hosts", "tickets", "ticket", "account", "RDP", "batch",
                 "build >= {build}"}
def result_of(message: Message | MessageList | str) -> dict[str, Any]:
    """A report result carrying `message`, as the renderers read it."""
    if not isinstance(message, Message):
        message = msg("{value}", value=message)
    return {"message": str(message), "message_template": message.template,
            "message_params": json.loads(json.dumps(plain(message.params)))}


def dutch(message: Message | MessageList | str) -> str:
    return NL.compose(result_of(message))


def assert_reads_dutch(results: list[dict[str, Any]]) -> None:
    """Each nested template has Dutch, no plain value looks like an English phrase unless it is
    data, and the English is the recorded message."""
    untranslated, english = set(), set()
    for r in results:
        params = r.get("message_params") or {}
        for template in nested_templates(params):
            if not has_dutch(template) and template not in SAME_IN_DUTCH:
                untranslated.add((r["check"], template))
        for key, value in params.items():
            if isinstance(value, str) and looks_english(value) and (r["check"], key) not in DATA:
                english.add((r["check"], key, value[:80]))
        assert EN.compose(r) == r["message"], r["check"]
    assert not untranslated, sorted(untranslated)
    assert not english, sorted(english)


# --- the demo -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    out = tmp_path_factory.mktemp("ops-phrases") / "out"
    run = gitc("demo", "--out", out, "--quiet", "--as-of", "2026-11-16")
    assert run.code == 3, run.output
    report = json.loads((Path(out) / "latest" / "report.json").read_text())
    return [r for r in report["results"] if r["check"].startswith(PREFIXES)]


def test_the_demo_phrases_of_these_checks_are_translated(demo_results) -> None:
    assert_reads_dutch(demo_results)
    templates = {t for r in demo_results for t in nested_templates(r["message_params"])}
    # the phrases the triage of #14 found in the demo are nested messages now
    assert {"CISA KEV dueDate of {cve} (earlier than class {klass}: {days} days)",
            "{product} {version} is listed as affected, but no fixed version or KB is given",
            "{count} of them hidden in Windows Update.",
            "{service} is {status}, start type {start}"} <= templates


def test_the_demos_dutch_has_the_phrases_in_dutch(demo_results) -> None:
    by_key = {(r["check"], r["subject"]): r for r in demo_results}
    hidden = next(r for r in demo_results if r["check"] == "windows.patch.missing_updates"
                  and "hidden" in r["message"])
    assert "Waarvan 1 verborgen in Windows Update." in NL.compose(hidden)
    assert "hidden" not in NL.compose(hidden)
    sense = next(r for r in demo_results if r["check"] == "windows.monitoring.agent_running"
                 and "Sense is Stopped" in r["message"])
    assert "Sense is Stopped, opstarttype Manual" in NL.compose(sense)
    kev = next(r for r in by_key.values() if r["check"] == "vuln.advisory.remediation_overdue"
               and "CISA KEV dueDate" in r["message"])
    text = NL.compose(kev)
    assert "CISA KEV-dueDate van CVE-" in text and "(eerder dan klasse " in text
    assert "earlier than" not in text and "days)" not in text


# --- evidence the demo does not have ---------------------------------------------------------

REGISTRY = discover(use_entry_points=False)


def evaluated(docs: list[EvidenceDoc]) -> list[dict[str, Any]]:
    policy = load_policy("adr-gitc", REGISTRY)
    return [r.to_dict() for r in evaluate(policy, REGISTRY, EvidenceSet(docs), date(2026, 11, 16))
            if r.check.startswith(PREFIXES)]


def _ncsc(tid: str, products, label: str = "Urgent", **kw) -> dict:
    return document(NCSC, tid, f"Advies {tid}", "2026-10-29T09:00:00Z", products,
                    [f"CVE-2026-{tid[-4:]}"], severity=label, notes=ncsc_notes(), **kw)


def _host(*items: tuple[str, str | None], name: str = "app02", kbs: tuple[str, ...] = ()):
    return windows_host(name, "Microsoft Windows Server 2019 Datacenter", 17763, 7558,
                        software(*items), kbs=kbs)


@pytest.fixture(scope="module")
def vuln_results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("vuln-phrases")
    ms = document(MSRC, "CVE-2026-31207", "SMB", "2026-10-14T07:00:00Z",
                  [("Microsoft", "Windows Server 2019", {"range": "<10.0.17763.7919"}, "M1")],
                  ["CVE-2026-31207"], severity="Moderate", lang="en-US",
                  kbs={"M1": "KB5066586"}, version="1")
    feed = source_doc(tmp, "ncsc-nl", {
        "a.json": _ncsc("NCSC-2026-0412", [("Igor Pavlov", "7-Zip",
                                            {"range": "vers:generic/<25.01"}, "P1")]),
        "b.json": _ncsc("NCSC-2026-0399", [("Notepad++ Team", "Notepad++",
                                            {"version": "8.8.6"}, "P2")]),
        "c.json": _ncsc("NCSC-2026-0355", [("Microsoft", "Windows Server 2019", {}, "P3")])})
    microsoft = source_doc(tmp, "microsoft", {"ms.json": ms})
    fixes = EvidenceDoc(kind=kinds.FEED_CVE_FIX_MAP, target="map", collector="feeds.file",
                        data={"fixes": [{"cve": "CVE-2026-0355", "product": "Windows Server 2019",
                                         "kbs": ["KB5065428"], "fixed_build": "17763.7792"}]})
    export = EvidenceDoc(kind=kinds.VULN_INVENTORY, target="vuln", collector="vuln.files",
                         collected_at="2026-11-16T08:00:00+00:00",
                         data={"hosts": {"lt-0042": [{"name": "7-Zip 24.08", "version": None}],
                                         "lt-0043": []},
                               "counts": {"read": 2, "used": 2, "rejected": 0}})
    old = _host(("7-Zip", "24.08"), name="old01")
    del old.data["software"]  # evidence of the version-2 script
    docs = [feed, microsoft, fixes, export, old, tickets_doc([], rejected=1),
            _host(("7-Zip 24.08 (x64)", "24.08"), ("Notepad++", "8.8.7")),
            _host(("7-Zip", "25.01"), name="app03", kbs=("KB5066586",)),
            linux_host("adm03", [("openssl", "3.0.15")], manager="pacman")]
    return evaluated(docs)


def test_vuln_phrases_beyond_the_demo_are_translated(vuln_results) -> None:
    assert_reads_dutch(vuln_results)
    templates = {t for r in vuln_results for t in nested_templates(r["message_params"])}
    assert {"{product} {version} is not among the listed affected versions and no fixed "
            "version says whether it is fixed", "the installed version of {product} is not known",
            "build >= {build}", "{kbs} installed", "or",
            "published {published} + class {klass} is not in the policy's table: default "
            "{days} days", "{kb} or version >= {version}",
            "the installed software (Uninstall keys) could not be read ({reason})",
            "unknown package manager {manager}", "{what} is missing or empty"} <= templates


def _find(results: list[dict[str, Any]], check: str, subject: str) -> dict[str, Any]:
    return next(r for r in results if r["check"] == check and r["subject"] == subject)


def test_vuln_dutch_and_english_of_a_fix_and_an_unreadable_host(vuln_results) -> None:
    overdue = "vuln.advisory.remediation_overdue"
    fixed = _find(vuln_results, overdue, "host:app03/advisory:CVE-2026-31207")
    assert fixed["message"].endswith(
        "is fixed: KB5066586 installed.")
    assert NL.compose(fixed).endswith("is opgelost: KB5066586 geïnstalleerd.")
    late = _find(vuln_results, overdue, "host:app02/advisory:CVE-2026-31207")
    assert late["message"].endswith("expected: KB5066586 or version >= 10.0.17763.7919.")
    assert NL.compose(late).endswith("verwacht: KB5066586 of versie >= 10.0.17763.7919.")
    assert ("due 2027-01-12, published 2026-10-14 + class moderate is not in the policy's "
            "table: default 90 days);" in late["message"])
    assert ("gepubliceerd 2026-10-14 + klasse moderate staat niet in de tabel van het beleid: "
            "standaard 90 dagen);" in NL.compose(late))
    by_map = _find(vuln_results, "vuln.advisory.undecidable", "host:app02/advisory:NCSC-2026-0355")
    assert by_map["message"] == ("app02: NCSC-2026-0355 can be decided from the CVE fix map "
                                 "(KB5065428 or build >= 17763.7792).")
    assert NL.compose(by_map).endswith("(KB5065428 of build >= 17763.7792).")
    old = _find(vuln_results, overdue, "host:old01")
    assert old["message"] == (
        "old01: the installed software (Uninstall keys) could not be read (not in this "
        "evidence: collected by an older remote script; collect again), so no advisory could be "
        "matched to it.")
    assert NL.compose(old).startswith(
        "old01: de geïnstalleerde software (Uninstall-sleutels) kon niet worden gelezen (niet in "
        "dit bewijs: verzameld met een ouder remote script; verzamel opnieuw)")
    unknown_version = _find(vuln_results, "vuln.advisory.undecidable",
                            "host:lt-0042/advisory:NCSC-2026-0412")
    assert " names 7-Zip 24.08 (no version), but " in unknown_version["message"]
    assert " noemt 7-Zip 24.08 (geen versie), maar " in NL.compose(unknown_version)
    assert unknown_version["evidence"]["installed"] == ["7-Zip 24.08 (no version)"]
    empty = _find(vuln_results, overdue, "host:lt-0043")
    assert empty["message"] == "lt-0043: the exported software list is missing or empty."
    assert NL.compose(empty) == "lt-0043: de geëxporteerde softwarelijst ontbreekt of is leeg."


# --- the advisory match, one decision at a time ----------------------------------------------


def _decide(version: str | None, **entry: Any):
    from checks._advisory_match import decide
    from checks._advisory_model import Entry, tokens
    from checks._vuln_hosts import Inventory, Item

    fields = {"affected": (), "fixed": (), "kbs": (), "not_affected": (), "investigating": False,
              "first_fixed": None, **entry}
    item = Item("7-Zip", version, tokens("7-Zip"))
    return decide(Entry("7-Zip", "Igor Pavlov", tokens("7-Zip"), None, ("CVE-2026-1",),
                        **fields), item,
                  Inventory("h", "winrm", [item], set(), {}, datetime(2026, 11, 16, tzinfo=UTC)))


@pytest.mark.parametrize(("version", "entry", "english", "words"), [
    ("24.08", {"investigating": True},
     "the publisher lists the product as under investigation", "in onderzoek"),
    (None, {"kbs": ("KB1",), "affected": ({"any": True},)},
     "none of the fix KBs is installed", "geen van de KB's"),
    (None, {"first_fixed": "25.01", "fixed": ("25.01",)},
     "the installed version of 7-Zip is not known", "de geïnstalleerde versie van 7-Zip"),
    ("24.08", {"affected": ({"range": "vers:generic/>=1|>=2"},)},
     "the affected range 'vers:generic/>=1|>=2' cannot be read", "versiebereik"),
    ("24.08", {"affected": ({"range": "<25.01"},)}, "7-Zip 24.08 is affected", "is getroffen"),
    ("24.08", {"affected": ({"version": "24.08"},)},
     "7-Zip 24.08 is listed as affected, but no fixed version or KB is given",
     "staat als getroffen vermeld"),
    ("24.09", {"affected": ({"version": "24.08"},)},
     "7-Zip 24.09 is not among the listed affected versions and no fixed version says whether "
     "it is fixed", "staat niet tussen de vermelde getroffen versies"),
    ("24.09", {"not_affected": ({"version": "24.08"},)},
     "only versions that are not affected are listed, and the installed one is not among them",
     "alleen versies die niet getroffen zijn"),
])
def test_each_reason_of_a_decision_reads_dutch(version, entry, english, words) -> None:
    reason = _decide(version, **entry).reason
    assert str(reason) == english
    assert words in dutch(reason) and dutch(reason) != english


def test_a_fix_of_several_kbs_and_a_version_says_or_in_dutch() -> None:
    d = _decide("24.08", kbs=("KB1", "KB2"), affected=({"range": "<25.01"},),
                first_fixed="25.01")
    assert str(d.expected_fix) == "KB1 or KB2 or version >= 25.01"
    assert dutch(d.expected_fix) == "KB1 of KB2 of versie >= 25.01"


def test_due_date_bases_read_dutch() -> None:
    from checks._advisories import due_date, remediation_days

    days, basis = remediation_days("Moderate", {"urgent": 7}, 90)
    assert (days, str(basis)) == (90, "class Moderate is not in the policy's table: default 90 "
                                      "days")
    adv = SimpleNamespace(initial_release=datetime(2026, 10, 1, tzinfo=UTC), cves=("CVE-1",))
    due, why = due_date(adv, days, basis, {})
    assert due == date(2026, 12, 30)
    assert str(why) == ("published 2026-10-01 + class Moderate is not in the policy's table: "
                        "default 90 days")
    assert dutch(why) == ("gepubliceerd 2026-10-01 + klasse Moderate staat niet in de tabel van "
                          "het beleid: standaard 90 dagen")


# --- the feeds and the Windows walkers --------------------------------------------------------


@pytest.mark.parametrize(("data", "english", "words"), [
    ({}, "empty", "leeg"),
    ({"x": 1}, "no 'vulnerabilities' list", "geen lijst 'vulnerabilities'"),
    ({"vulnerabilities": [{}], "count_vendor": 3}, "1 entries where the collection counted 3",
     "1 vermeldingen waar de verzameling er 3 telde"),
])
def test_why_a_kev_catalog_cannot_be_used_reads_dutch(data, english, words) -> None:
    from checks._feeds import kev_problem

    doc = EvidenceDoc(kind=kinds.FEED_CISA_KEV, target="kev", collector="feeds.file", data=data)
    problem = kev_problem(doc)
    assert str(problem) == (f"the CISA KEV catalog could not be read ({english}), so "
                            "known-exploited vulnerabilities were not assessed.")
    assert dutch(problem) == (f"de CISA KEV-catalogus kon niet worden gelezen ({words}), dus "
                              "actief misbruikte kwetsbaarheden zijn niet beoordeeld.")


def test_kev_cves_not_assessed_read_dutch() -> None:
    from checks.windows_patch_kev_overdue import _unassessed

    exposure = SimpleNamespace(kev_unread=["vulnerabilities[3]"], fixes_rejected=["row 2"])
    text = _unassessed("h", ["CVE-1", "CVE-2"], exposure, product_known=False)
    assert str(text) == (
        "1 KEV catalog entries could not be read (vulnerabilities[3]); 2 KEV CVE(s) past their "
        "due date have no row in the fix map matches this host's product at all (CVE-1, CVE-2), "
        "so whether they are fixed is unknown: add a fix row (KBs or fixed build) or a "
        "not_affected row per CVE and product. The fix map has 1 rejected row(s) (row 2).")
    assert dutch(text).startswith("1 vermeldingen in de KEV-catalogus konden niet worden gelezen")
    assert "could not" not in dutch(text) and "so whether" not in dutch(text)
    plain_one = _unassessed("h", ["CVE-1"], SimpleNamespace(kev_unread=[], fixes_rejected=[]),
                            product_known=True)
    assert str(plain_one).startswith("1 KEV CVE(s) past their due date have no fix-map row for "
                                     "this host's product (CVE-1), so whether")
    assert _unassessed("h", [], SimpleNamespace(kev_unread=[], fixes_rejected=[]), True) is None


def test_missing_update_phrases_read_dutch() -> None:
    from checks.windows_patch_missing_updates import _hidden, _kbs

    rows = [{"kbs": [], "hidden": True}, {"kbs": [], "hidden": True}]
    assert str(_hidden(rows)) == " 2 of them hidden in Windows Update."
    assert dutch(_hidden(rows)) == " Waarvan 2 verborgen in Windows Update."
    assert _hidden([{"kbs": [], "hidden": False}]) == ""
    assert (str(_kbs(rows)), dutch(_kbs(rows))) == ("no KB listed", "geen KB vermeld")


def _windows_doc(**data: Any) -> EvidenceDoc:
    return EvidenceDoc(kind=kinds.WINDOWS_HOST_STATE, target="w1", collector="windows.winrm",
                       collected_at="2026-11-16T08:00:00+00:00", data=data)


def test_windows_walker_reasons_read_dutch() -> None:
    from checks._windows_hosts import windows_hosts

    host = next(windows_hosts(EvidenceSet([_windows_doc(os={})])))
    assert (str(host.reason("services")), dutch(host.reason("services"))) == (
        "missing from the evidence", "ontbreekt in het bewijs")
    empty = next(windows_hosts(EvidenceSet([_windows_doc()])))
    assert empty.message == "w1: the host could not be read: no data in the evidence"
    assert "geen gegevens in het bewijs" in NL.compose(result_of(
        Message(empty.template, empty.params)))


def test_update_age_names_an_installed_hotfix_in_dutch() -> None:
    from checks._windows_hosts import windows_hosts
    from checks.windows_patch_update_age import Params, _latest

    doc = _windows_doc(os={}, update_history=[], hotfixes=[
        {"kb": "KB5066586", "description": "Security Update", "installed_on": "2026-11-01"}])
    _when, title = _latest(next(windows_hosts(EvidenceSet([doc]))), Params())
    assert (str(title), dutch(title)) == ("KB5066586 (installed hotfix)",
                                          "KB5066586 (geïnstalleerde hotfix)")


def test_stopped_agent_services_read_dutch() -> None:
    from checks._agents import AgentRequirement
    from checks._windows_hosts import windows_hosts
    from checks.windows_monitoring_agent_running import _role

    doc = _windows_doc(services={"queried": ["Sense", "cyserver"], "found": [
        {"name": "Sense", "status": "Stopped", "start_type": "Manual"},
        {"name": "cyserver", "status": "Running", "start_type": "Disabled"}]})
    verdict = _role(next(windows_hosts(EvidenceSet([doc]))),
                    AgentRequirement(role="EDR", any_of=["Sense", "cyserver"]), True)
    assert str(verdict.message) == (
        "w1: EDR is installed but not running and set to start automatically: Sense is "
        "Stopped, start type Manual; cyserver is Running, start type Disabled.")
    assert "Sense is Stopped, opstarttype Manual; cyserver is Running, opstarttype Disabled" in (
        dutch(verdict.message))


# --- the security events ----------------------------------------------------------------------


def _events_doc(**changes: Any) -> EvidenceDoc:
    data: dict[str, Any] = {
        "counts": {"read": 0, "accepted": 0, "rejected": 0, "logon_events": 0,
                   "group_additions": 0, "accounts_created": 0, "expected_hosts": 0},
        "period": {"start": "2026-10-16T00:00:00+00:00", "end": "2026-10-23T00:00:00+00:00"},
        "sources": [{"file": "dc01.evtx", "counts": {"read": 0, "rejected": 0},
                     "rejected_reasons": {}, "parse_errors": []}],
        "expected_hosts": [], "logon_columns": [], "logons": [], "addition_columns": [],
        "group_additions": [], "creation_columns": [], "accounts_created": [], "hosts": []}
    data.update(changes)
    return EvidenceDoc(kind=kinds.EVENTS_SECURITY, target="events", collector="events.files",
                       collected_at="2026-10-23T08:00:00+00:00", data=data)


@pytest.mark.parametrize(("changes", "english", "words"), [
    ({"counts": None}, "the counts are missing", "de tellingen ontbreken"),
    ({"period": {"start": "gisteren", "end": None}}, "unreadable period start 'gisteren'",
     "onleesbaar: begin van de periode 'gisteren'"),
    ({"sources": []}, "no sources are listed", "er zijn geen bronnen vermeld"),
    ({"expected_hosts": ["app01"]},
     "the listed servers (expected_hosts) are missing or do not match their count",
     "de vermelde servers (expected_hosts) ontbreken"),
])
def test_malformed_security_events_say_why_in_dutch(changes, english, words) -> None:
    from checks._events import security_events

    outcome = next(security_events("logons")(EvidenceSet([_events_doc(**changes)])))
    assert outcome.message == ("The security-event evidence is malformed, so this was not "
                               f"assessed: {english}")
    assert words in dutch(Message(outcome.template, outcome.params))


def test_an_unusable_part_of_the_events_is_named_in_dutch() -> None:
    from checks._events import security_events

    doc = _events_doc(hosts=[{"host": "dc01", "covered": [], "events": 3,
                              "first": "2026-10-16T00:00:00+00:00",
                              "last": "2026-10-17T00:00:00+00:00"}])
    outcomes = list(security_events("hosts")(EvidenceSet([doc])))
    broken = next(o for o in outcomes if getattr(o, "template", None) and "{part}" in o.template)
    assert broken.message == ("The hosts in the security-event evidence cannot be used, so they "
                              "were not assessed: dc01: 3 events but no covered hours")
    text = dutch(Message(broken.template, broken.params))
    assert "dc01: 3 gebeurtenissen maar geen gedekte uren" in text and "events but" not in text
    events = outcomes[-1]
    assert (str(events.ad_problem), dutch(events.ad_problem)) == (
        "no AD evidence was collected", "er is geen AD-bewijs verzameld")


def test_where_the_evtx_parser_failed_reads_dutch_and_the_subject_stays_english() -> None:
    from checks._events import security_events

    doc = _events_doc()
    doc.data["sources"][0]["parse_errors"] = [{"chunk": 3, "offset": 4096, "message": "crc"},
                                              "garbled"]
    found = [o for o in security_events("logons")(EvidenceSet([doc]))
             if getattr(o, "subject", "").startswith("log-source:")]
    assert [o.subject for o in found] == ["log-source:dc01.evtx#chunk 3 at byte offset 4096",
                                          "log-source:dc01.evtx#an unknown position"]
    texts = [dutch(Message(o.template, o.params)) for o in found]
    assert "chunk 3 op byte-offset 4096: crc" in texts[0]
    assert "een onbekende positie: garbled" in texts[1]
    assert found[1].message == ("dc01.evtx: the EVTX parser failed at an unknown position: "
                                "garbled; the events there were not read.")


def test_why_an_approval_does_not_cover_a_change_reads_dutch() -> None:
    from checks._ad_accounts import Approval
    from checks._events import Change
    from checks._events_changes import approval_for, nesting_unknown

    group, member = "S-1-5-21-1-2-3-512", "S-1-5-21-1-2-3-1105"
    change = Change(datetime(2026, 10, 20, 9, tzinfo=UTC), "dc01", 7, 4728, group, "Domain Admins",
                    member, "jdevries")
    approvals = [Approval(account=member, group=group, until=date(2026, 12, 1),
                          approved_by="CISO", reference="CHG-0"),
                 Approval(account=member, group=group, until=date(2026, 10, 1),
                          approved_by="CISO", reference="CHG-1", granted=date(2026, 9, 1)),
                 Approval(account=member, group=group, until=date(2026, 12, 1),
                          approved_by="CISO", reference="CHG-2", granted=date(2026, 10, 21))]
    found, notes = approval_for(SimpleNamespace(domain=None), change, approvals)
    assert found is None
    assert [str(n) for n in notes] == [
        "approval CHG-0 has no 'granted' date, so it does not show the change was approved first",
        "approval CHG-1 had expired on 2026-10-01",
        "approval CHG-2 starts 2026-10-21, after the change"]
    assert [dutch(n) for n in notes] == [
        "goedkeuring CHG-0 heeft geen 'granted'-datum, dus ze toont niet aan dat de wijziging "
        "vooraf is goedgekeurd", "goedkeuring CHG-1 was verlopen op 2026-10-01",
        "goedkeuring CHG-2 gaat in op 2026-10-21, na de wijziging"]
    why = nesting_unknown(SimpleNamespace(domain=None, ad_problem=msg(
        "no AD evidence was collected")), [], group)
    assert str(why) == "without the AD evidence (no AD evidence was collected)"
    assert dutch(why) == "zonder het AD-bewijs (er is geen AD-bewijs verzameld)"


def test_log_coverage_names_the_role_in_dutch() -> None:
    from checks.monitoring_log_coverage import DOMAIN_CONTROLLER, LISTED_SERVER

    assert [dutch(msg(r)) for r in (DOMAIN_CONTROLLER, LISTED_SERVER)] == [
        "domeincontroller", "vermelde server"]


# --- the control log ---------------------------------------------------------------------------


def test_control_log_phrases_beyond_the_demo_read_dutch() -> None:
    from tests.test_controls_checks import AUGUST, SCHEDULE, doc, entry

    text = load_policy("adr-gitc", REGISTRY).source
    head = Path(text).read_text().split("\nchecks:")[0]
    checks = ("governance.control.not_executed", "governance.control.executed_late")
    values = {"control_schedule": SCHEDULE, "control_periods": AUGUST}
    policy_text = (head + "\nchecks:\n" + "".join(f"  {c}: {{}}\n" for c in checks)
                   + f"shared: {json.dumps(values)}\nexceptions: []\n")
    rows = [entry("IC-01", "2026-08", "2026-08-29", "2026-08-29"),
            entry("IC-03", "2026-08", "2026-08-27T10:00:00", "2026-08-27", row=2),
            {**entry("IC-08", "2026-08", "2026-08-27", "2026-08-27", row=3), "period": "aug"}]
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "p.yaml").write_text(policy_text)
        policy = load_policy(str(Path(folder) / "p.yaml"), REGISTRY)
        results = [r.to_dict() for r in evaluate(policy, REGISTRY, EvidenceSet([doc(rows)]),
                                                 date(2030, 1, 1))]
    assert_reads_dutch(results)
    late = _find(results, "governance.control.executed_late", "control:IC-01@2026-08")
    assert "(2 working days before close)." in late["message"]
    assert "(2 werkdagen vóór de afsluiting)." in NL.compose(late)
    bad_time = _find(results, "governance.control.not_executed", "row:controles.csv:2")
    assert "unreadable executed_at '2026-08-27T10:00:00'" in bad_time["message"]
    assert "onleesbare executed_at '2026-08-27T10:00:00'" in NL.compose(bad_time)
    blocked = _find(results, "governance.control.not_executed", "control:IC-03@2026-08")
    assert blocked["message"] == (
        "IC-03 (Bankafstemming) for 2026-08 could not be assessed: its log line was rejected "
        "(controles.csv row 2 (line 3): unreadable executed_at '2026-08-27T10:00:00').")
    assert "controles.csv rij 2 (regel 3): onleesbare executed_at" in NL.compose(blocked)
    assert "unreadable period 'aug'" in _find(results, "governance.control.not_executed",
                                               "row:controles.csv:3")["message"]


def test_a_due_rule_written_otherwise_is_shown_as_the_policy_wrote_it() -> None:
    from checks._controls import ScheduledControl

    usual = ScheduledControl(id="IC-1", title="t", frequency="monthly_after_close",
                             due="5 working days after close")
    assert dutch(usual.rule) == "5 werkdagen na de afsluiting"
    odd = ScheduledControl(id="IC-2", title="t", frequency="monthly_after_close",
                           due="1 working day after the close")
    assert odd.rule == "1 working day after the close"


# --- the admin host -------------------------------------------------------------------------------


def test_admin_host_parts_that_are_missing_read_dutch() -> None:
    doc = EvidenceDoc(kind=kinds.HOST_STATE, target="adm01", collector="host.local",
                      collected_at="2026-11-16T08:00:00+00:00", data={"os": {}})
    results = evaluated([doc])
    assert_reads_dutch(results)
    messages = {r["check"]: r for r in results if r["subject"].startswith("host:adm01")}
    pending = messages["host.patch.pending_updates"]
    assert pending["message"] == ("adm01: pending updates could not be read (no package manager "
                                  "data).")
    assert "(geen gegevens van een pakketbeheerder)" in NL.compose(pending)
    reboot = messages["host.patch.reboot_required"]
    assert reboot["message"] == "adm01: the reboot state could not be read (missing)."
    assert "(ontbreekt)" in NL.compose(reboot)
