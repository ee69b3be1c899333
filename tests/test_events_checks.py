"""The security-event checks on generated exports (with the demo's AD evidence) and on the real
EVTX samples: each planted violation fails, the compliant subjects pass, and what cannot be read
is an error naming file and position."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from gitc_agent import demo
from gitc_agent.collectors.events.collect import collect
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet, load_evidence
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.settings.config import load_config
from tests import events_samples as es

REGISTRY = discover(use_entry_points=False)
CHECKS = ("ad.accounts.impersonal_interactive_logon", "ad.accounts.impersonal_logon_unexpected_host",
          "ad.privileged.change_without_approval", "ad.accounts.created_without_ticket",
          "monitoring.log_coverage")
DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"
SAMPLES = Path(__file__).parent / "data" / "evtx"
START = datetime(2026, 10, 16, tzinfo=UTC)
END = datetime(2026, 10, 23, tzinfo=UTC)
DC = "dc01.corp.vbz.example"


def sid(rid: int) -> str:
    return f"{DOMAIN}-{rid}"


SHARED = {
    "register": [
        {"account": "svc-sql01", "owner": "DBA", "justification": "SQL", "monitoring": "SIEM",
         "allowed_hosts": ["app02*"]},
        {"account": "svc-backup", "owner": "Infra", "justification": "backup",
         "monitoring": "SIEM", "interactive_allowed": True},
        {"account": "Administrator", "owner": "CISO", "justification": "break glass",
         "monitoring": "SIEM", "allowed_hosts": ["dc0*"]}],
    "approved": [
        {"account": "adm-aelamrani", "group": "RID:512", "until": "2027-02-28",
         "approved_by": "Hoofd IV", "reference": "TOP-1", "granted": "2026-10-17"},
        {"account": "adm-jdevries", "group": "RID:512", "until": "2027-02-28",
         "approved_by": "Hoofd IV", "reference": "TOP-2"}],
    "extra_groups": [],
}


def policy(tmp: Path, sections: dict | None = None, shared: dict | None = None):
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    sections = sections or {c: {} for c in CHECKS}
    text = (head + "\nchecks:\n" + "".join(f"  {c}: {json.dumps(s)}\n" for c, s in sections.items())
            + f"shared: {json.dumps(shared if shared is not None else SHARED)}\n")
    path = tmp / "policy.yaml"
    path.write_text(text, encoding="utf-8")
    return load_policy(str(path), REGISTRY)


def ad_doc() -> EvidenceDoc:
    evidence, _ = load_evidence(demo.evidence_dir())
    return next(d for d in evidence if d.kind == "ad.accounts")


def events_doc(tmp: Path, events: list[es.Ev], tickets: str | None = None, fmt: str = "ecs",
               servers: str = "[app02.corp.vbz.example]") -> EvidenceDoc:
    es.write(tmp / "export.json", events, fmt)
    extra = ""
    if tickets is not None:
        (tmp / "tickets.csv").write_text(tickets, encoding="utf-8")
        extra = "  tickets: {file: tickets.csv}\n"
    (tmp / "gitc-agent.yaml").write_text(
        "events:\n  sources: [{file: export.json}]\n"
        f"  period: {{start: '{START.isoformat()}', end: '{END.isoformat()}'}}\n"
        f"  servers: {servers}\n{extra}", encoding="utf-8")
    settings = load_config(tmp / "gitc-agent.yaml").events
    assert settings is not None
    doc = collect(settings)
    doc.collected_at = END.isoformat()
    return doc


def results(tmp: Path, docs: list[EvidenceDoc], **kw) -> dict[tuple[str, str], tuple[str, str]]:
    got = evaluate(policy(tmp, **kw), REGISTRY, EvidenceSet(docs), END.date())
    return {(r.check, r.subject): (r.status.value, r.message) for r in got if r.check in CHECKS}


def covered(hosts=(DC, "dc02.corp.vbz.example", "app02.corp.vbz.example")) -> list[es.Ev]:
    return [ev for h in hosts for ev in es.hourly(h, START, END)]


def test_interactive_and_unexpected_logons_of_impersonal_accounts(tmp_path: Path) -> None:
    t = START + timedelta(days=2)
    events = [*covered(),
        es.logon(t, "app02.corp.vbz.example", "svc-sql01", sid(1148), 5),
        es.logon(t, "app02.corp.vbz.example", "svc-sql01", sid(1148), 10, workstation="WS-FIN-014"),
        es.logon(t, "file03.corp.vbz.example", "svc-backup", sid(1147), 2),
        es.logon(t, "ws0003.corp.vbz.example", "func-receptie", sid(1150), 3, workstation="WS0003"),
        es.logon(t, DC, "Administrator", sid(500), 3, workstation="DC02"),
        es.logon(t, DC, "j.vries", sid(1118), 2)]  # a person: not watched
    got = results(tmp_path, [ad_doc(), events_doc(tmp_path, events)])
    inter, host = CHECKS[0], CHECKS[1]
    assert got[(inter, "account:svc-sql01")][0] == "fail"
    assert "type 10 (RDP)" in got[(inter, "account:svc-sql01")][1]
    assert got[(inter, "account:svc-backup")][0] == "pass"  # its entry allows it
    assert got[(inter, "account:func-receptie")][0] == "pass"  # network logon only
    assert (inter, "account:j.vries") not in got
    assert got[(host, "account:svc-sql01")][0] == "fail"
    assert "ws-fin-014" in got[(host, "account:svc-sql01")][1]
    assert got[(host, "account:func-receptie")][0] == "fail"  # unregistered: no host allowed
    assert got[(host, "account:Administrator")][0] == "pass"  # dc02 matches dc0*
    assert got[(host, "account:svc-backup")][0] == "error"  # entry names no allowed_hosts
    assert got[(host, "account:test-kassa")][0] == "pass"  # no logons at all


def test_privileged_additions_need_an_approval_granted_before_or_a_ticket(tmp_path: Path) -> None:
    t = START + timedelta(days=1)
    events = [*covered(),
        es.added(t, DC, "GG-Tier0-Admins", sid(1155), sid(1143),  # nested in Domain Admins
                 "CN=adm-aelamrani,OU=Beheer,DC=corp,DC=vbz,DC=example"),
        es.added(t - timedelta(hours=20), DC, "Domain Admins", sid(512), sid(1143),
                 "CN=adm-aelamrani,OU=Beheer,DC=corp,DC=vbz,DC=example"),  # before the grant
        es.added(t, DC, "Domain Admins", sid(512), sid(1142), "CN=adm-jdevries,OU=Beheer"),
        es.added(t, DC, "Domain Admins", sid(512), sid(1145), "CN=adm-pbakker,OU=Beheer"),
        es.added(t, DC, "Administrators", "S-1-5-32-544", sid(1146), "CN=adm-kmulder,OU=Beheer",
                 event_id=4732),
        es.added(t, DC, "Domain Users", sid(513), sid(1118), "CN=j.vries")]  # not privileged
    tickets = "ticket;approved_at;account;group\nCHG-9;16-10-2026 08:00;adm-pbakker;Domain Admins\n"
    doc = events_doc(tmp_path, events, tickets)
    got = results(tmp_path, [ad_doc(), doc])
    by_record = {}
    for (check, subject), verdict in got.items():
        if check == CHECKS[2]:
            by_record[subject.rsplit("/", 1)[1]] = verdict
    rows = [dict(zip(doc.data["addition_columns"], r, strict=True))
            for r in doc.data["group_additions"]]
    status = {(r["member_sid"][-4:], r["group_sid"][-4:], r["time"][:13]): by_record[str(r["record_id"])]
              for r in rows if str(r["record_id"]) in by_record}
    assert status[("1143", "1155", "2026-10-17T00")][0] == "pass"
    assert "nested in Domain Admins" in status[("1143", "1155", "2026-10-17T00")][1]
    assert status[("1143", "-512", "2026-10-16T04")][0] == "fail"
    assert "after the change" in status[("1143", "-512", "2026-10-16T04")][1]
    assert status[("1142", "-512", "2026-10-17T00")][0] == "fail"  # approval without granted
    assert "no 'granted' date" in status[("1142", "-512", "2026-10-17T00")][1]
    assert status[("1145", "-512", "2026-10-17T00")][0] == "pass"  # the ticket
    assert status[("1146", "-544", "2026-10-17T00")][0] == "fail"
    assert len(rows) == 6 and len(by_record) == len(status) == 5  # Domain Users: not judged


def test_account_creations_need_a_ticket(tmp_path: Path) -> None:
    t = START + timedelta(days=3)
    events = [*covered(), es.created(t, DC, "r.vos.adm", sid(1154)),
                          es.created(t, DC, "t.vanes", sid(1153)),
                          es.created(t, DC, "late", sid(1999))]
    tickets = ("ticket;approved_at;account\nCHG-1;18-10-2026 09:00;r.vos.adm\n"
               f"CHG-2;{(t + timedelta(days=1)).strftime('%d-%m-%Y %H:%M')};late\n")
    got = results(tmp_path, [ad_doc(), events_doc(tmp_path, events, tickets)])
    verdicts = sorted(v[0] + ":" + v[1].split(" ", 1)[0] for (c, _), v in got.items()
                      if c == CHECKS[3])
    assert verdicts == ["fail:late", "fail:t.vanes", "pass:r.vos.adm"]
    no_tickets = results(tmp_path, [ad_doc(), events_doc(tmp_path, events)])
    assert [v[0] for (c, s), v in no_tickets.items() if c == CHECKS[3]] == ["error"]


def test_log_coverage_gaps_missing_hosts_and_an_empty_period(tmp_path: Path) -> None:
    gap = (START + timedelta(days=2), START + timedelta(days=3, hours=2))
    events = [ev for h in (DC, "app02.corp.vbz.example") for ev in es.hourly(h, START, END)]
    events += es.hourly("dc02.corp.vbz.example", START, END, skip=gap)
    got = results(tmp_path, [ad_doc(), events_doc(tmp_path, events,
                                                  servers="[app02.corp.vbz.example, sql09]")])
    cov = {s: v for (c, s), v in got.items() if c == CHECKS[4]}
    assert cov["host:dc01"][0] == "pass" and cov["host:app02.corp.vbz.example"][0] == "pass"
    assert cov["host:dc02"][0] == "fail" and "26.0 hours" in cov["host:dc02"][1]
    assert cov["host:sql09"][0] == "fail" and "no events" in cov["host:sql09"][1]
    relaxed = results(tmp_path, [ad_doc(), events_doc(tmp_path, events)],
                      sections={CHECKS[4]: {"max_gap_hours": 30}}, shared={})
    assert relaxed[(CHECKS[4], "host:dc02")][0] == "pass"
    # nothing in the period at all: the export is in doubt, not the hosts
    late = [ev for ev in es.hourly(DC, END + timedelta(days=1), END + timedelta(days=2))]
    empty = results(tmp_path, [ad_doc(), events_doc(tmp_path, late)])
    assert [v[0] for (c, _), v in empty.items() if c == CHECKS[4]] == ["error"]


def test_without_ad_evidence_register_accounts_are_still_judged(tmp_path: Path) -> None:
    t = START + timedelta(days=2)
    events = [*covered(), es.logon(t, "app02", "svc-sql01", sid(1148), 2)]
    got = results(tmp_path, [events_doc(tmp_path, events)])
    assert got[(CHECKS[0], "account:svc-sql01")][0] == "fail"
    assert got[(CHECKS[0], "evidence:ad.accounts")][0] == "error"
    assert got[(CHECKS[4], "evidence:ad.accounts")][0] == "error"  # DCs unknown
    assert got[(CHECKS[4], "host:app02.corp.vbz.example")][0] == "pass"


def test_verdicts_on_the_real_evtx_samples(tmp_path: Path) -> None:
    for name in ("new-user-security.evtx", "Security_with_size_t.evtx",
                 "sample_with_a_bad_chunk_magic.evtx"):
        shutil.copy(SAMPLES / name, tmp_path / name)
    (tmp_path / "tickets.csv").write_text("ticket;approved_at;account\n", encoding="utf-8")
    (tmp_path / "gitc-agent.yaml").write_text(
        "events:\n  sources: [{file: new-user-security.evtx}, {file: Security_with_size_t.evtx},"
        " {file: sample_with_a_bad_chunk_magic.evtx}]\n  servers: [ie8win7]\n"
        "  tickets: {file: tickets.csv}\n", encoding="utf-8")
    settings = load_config(tmp_path / "gitc-agent.yaml").events
    assert settings is not None
    doc = collect(settings)
    shared = {"register": [{"account": "Administrator", "owner": "x", "justification": "x",
                            "monitoring": "x", "allowed_hosts": ["win-*"]}],
              "approved": [], "extra_groups": []}
    got = evaluate(policy(tmp_path, shared=shared), REGISTRY, EvidenceSet([doc]), date(2016, 1, 1))
    mine = {(r.check, r.subject): r for r in got if r.check in CHECKS}
    admin = mine[(CHECKS[0], "account:Administrator")]
    assert admin.status.value == "fail" and "10 time(s)" in admin.message  # 10 type-2 logons
    assert mine[(CHECKS[1], "account:Administrator")].status.value == "pass"
    added = [r for (c, _), r in mine.items() if c == CHECKS[2] and r.status.value != "error"]
    assert [r.status.value for r in added] == ["fail"]  # IEUser into Administrators (S-1-5-32-544)
    assert "Administrators" in added[0].message and "IE8Win7".lower() in added[0].message
    created = [r for (c, _), r in mine.items() if c == CHECKS[3] and r.status.value != "error"]
    assert [r.status.value for r in created] == ["fail"] and "IEUser" in created[0].message
    assert mine[(CHECKS[4], "host:ie8win7")].status.value == "fail"  # a 4-event island in years
    errors = [r for r in got if r.check == CHECKS[0] and r.status.value == "error"]
    text = " ".join(r.message for r in errors)
    assert "sample_with_a_bad_chunk_magic.evtx" in text and "byte offset 397312" in text
    assert "269 record(s) rejected" in text and "unknown channel" in text
