"""The user-lifecycle checks (leavers, accounts without an HR record, joiners without a request)
on recorded evidence: the demo's `ad.accounts` document, with accounts added per test, beside
`hr.persons` / `hr.requests` documents as the collector writes them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from gitc_agent import demo
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.settings.hr_config import PERSON_FIELDS

REGISTRY = discover(use_entry_points=False)
LEAVER, NO_HR, JOINER, MOVED = ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
                                 "ad.accounts.joiner_without_request",
                                 "ad.accounts.moved_rights_kept")
CHECKS = (LEAVER, NO_HR, JOINER, MOVED)
AD_FILE = demo.evidence_dir() / "ad.accounts@corp.vbz.example.json"
ENABLED, DISABLED = 512, 514
COLLECTED = "2026-11-16T07:30:12+00:00"
TIES = {"department_groups": [{"department": "Financiën", "groups": ["GG-Fin-*"]}]}


def ad_doc(*accounts: dict[str, Any], groups: dict[str, list[str]] | None = None) -> EvidenceDoc:
    """The demo directory; its person accounts removed (each test plants its own people)."""
    raw = json.loads(AD_FILE.read_text())
    columns = raw["data"]["account_columns"]
    rows = raw["data"]["accounts"]
    at = columns.index("employee_id")
    rows = [r for r in rows if r[at] is None]
    template = dict(zip(columns, rows[0], strict=True))
    for i, spec in enumerate(accounts):
        sam = spec["sam"]
        row = {**template, "dn": f"CN={sam},OU=Medewerkers,DC=corp,DC=vbz,DC=example",
               "sam": sam, "upn": f"{sam}@corp.vbz.example",
               "sid": f"S-1-5-21-1004336348-1177238915-682003330-{5000 + i}", "uac": ENABLED,
               "last_logon": "2026-11-10T08:00:00Z", "created": "2020-01-01T09:00:00Z",
               "given_name": "Test", "sn": sam, "mail": None, "spn": 0, "admin_count": None,
               "description": None, "employee_id": None, **spec}
        rows.append([row[c] for c in columns])
    raw["data"]["accounts"] = rows
    for n, (name, members) in enumerate((groups or {}).items()):  # members: names or groups
        dns = [f"CN={m},OU={'Groepen' if m.startswith('GG-') else 'Medewerkers'},"
               f"DC=corp,DC=vbz,DC=example" for m in members]
        raw["data"]["groups"].append({
            "dn": f"CN={name},OU=Groepen,DC=corp,DC=vbz,DC=example", "name": name,
            "sid": f"S-1-5-21-1004336348-1177238915-682003330-{7000 + n}", "members": dns})
    return EvidenceDoc(kind=raw["kind"], target=raw["target"], collector=raw["collector"],
                       data=raw["data"], errors=raw["errors"], collected_at=raw["collected_at"])


def person(employee: str, name: str = "", start: str | None = "2018-01-01",
           end: str | None = None, row: int = 1, department: str = "ICT",
           previous: str | None = None, moved_on: str | None = None) -> dict[str, Any]:
    return {"employee_id": employee, "name": name or f"Person {employee}", "start": start,
            "end": end, "department": department, "manager": None, "function": None,
            "previous_department": previous, "moved_on": moved_on, "row": row, "line": row + 1}


def hr_doc(persons: list[dict[str, Any]], rejected: list[dict[str, Any]] | None = None,
           mapping: dict[str, str] | None = None, attribute: str = "employeeID",
           fields: tuple[str, ...] = PERSON_FIELDS, **kw: Any) -> EvidenceDoc:
    data = {"source": {"file": "/x/hr.csv", "sha256": "x", "fields": list(fields)},
            "persons": persons,
            "counts": {"read": len(persons) + len(rejected or []), "used": len(persons),
                       "rejected": len(rejected or [])},
            "rejected": rejected or [],
            "match": {"attribute": attribute, "accounts": mapping or {}, "sources": [],
                      "counts": {"read": 0, "used": 0, "rejected": 0}, "rejected": []}}
    return EvidenceDoc(kind="hr.persons", target="hr", collector="test", data=data,
                       collected_at=COLLECTED, **kw)


def request(ticket: str, account: str | None, approved: str | None,
            requested: str = "2026-01-01T09:00:00+01:00", employee: str | None = None,
            row: int = 1) -> dict[str, Any]:
    return {"ticket": ticket, "account": account, "employee_id": employee,
            "requested_at": requested, "approved_at": approved, "approver": "P. Bakker",
            "row": row, "line": row + 1}


def req_doc(requests: list[dict[str, Any]],
            rejected: list[dict[str, Any]] | None = None) -> EvidenceDoc:
    data = {"source": {"file": "/x/req.csv", "sha256": "y"}, "requests": requests,
            "counts": {"read": len(requests) + len(rejected or []), "used": len(requests),
                       "rejected": len(rejected or [])},
            "rejected": rejected or []}
    return EvidenceDoc(kind="hr.requests", target="hr", collector="test", data=data,
                       collected_at=COLLECTED)


def run(tmp_path: Path, docs: list[EvidenceDoc], shared: dict[str, Any] | None = None,
        **params: Any) -> dict[str, dict[str, Any]]:
    """{check: {subject: result}} for the four checks, on the shipped profile's header."""
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    head = shipped.split("\nchecks:")[0]
    sections = "".join(f"  {c}: {json.dumps(params.get(c.rsplit('.', 1)[1], {}))}\n"
                       for c in CHECKS)
    (tmp_path / "p.yaml").write_text(head + "\nchecks:\n" + sections + "exceptions: []\n"
                                     + f"shared: {json.dumps(shared or {})}\n")
    policy = load_policy(str(tmp_path / "p.yaml"), REGISTRY)
    results = evaluate(policy, REGISTRY, EvidenceSet(docs), date(2026, 11, 16))
    out: dict[str, dict[str, Any]] = {c: {} for c in CHECKS}
    for r in results:
        out[r.check][r.subject] = {"status": r.status.value, "message": r.message,
                                   "evidence": r.evidence}
    return out


def statuses(got: dict[str, dict[str, Any]], check: str) -> dict[str, str]:
    return {s: r["status"] for s, r in got[check].items()}


def test_leavers_enabled_used_after_leaving_and_properly_disabled(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "a.enabled", "employee_id": "1001"},
                {"sam": "b.disabled", "employee_id": "1002", "uac": DISABLED,
                 "last_logon": "2026-06-01T08:00:00Z"},
                {"sam": "c.used", "employee_id": "1003", "uac": DISABLED,
                 "last_logon": "2026-10-20T08:00:00Z"},
                {"sam": "d.office", "employee_id": "1004", "uac": DISABLED,
                 "last_logon": "2026-08-01T08:00:00Z"},
                {"sam": "adm-d", "employee_id": "1004", "uac": ENABLED,
                 "last_logon": "2026-08-01T08:00:00Z"},
                {"sam": "e.grace", "employee_id": "1005"},
                {"sam": "f.current", "employee_id": "1006"})
    hr = hr_doc([person("1001", end="2026-09-30"), person("1002", end="2026-06-30"),
                 person("1003", end="2026-09-30"), person("1004", end="2026-08-31"),
                 person("1005", end="2026-11-12"), person("1006")])
    got = run(tmp_path, [ad, hr])
    leaver = got[LEAVER]
    assert statuses(got, LEAVER) == {"person:employee:1001": "fail",
                                     "person:employee:1002": "pass",
                                     "person:employee:1003": "fail",
                                     "person:employee:1004": "fail"}
    assert "a.enabled is still enabled" in leaver["person:employee:1001"]["message"]
    used = leaver["person:employee:1003"]["message"]
    assert "c.used (2026-10-20) logged on after the end date" in used
    assert "up to 14 days" in used  # the replication lag is named
    both = leaver["person:employee:1004"]
    assert both["evidence"]["accounts"] == "adm-d, d.office"  # one person, two accounts
    assert both["evidence"]["enabled"] == ["adm-d"]
    assert both["evidence"]["target"] == "hr"


def test_grace_days_and_a_logon_just_before_the_end_date(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "a.late", "employee_id": "1001", "uac": DISABLED,
                 "last_logon": "2026-09-25T08:00:00Z"})
    hr = hr_doc([person("1001", end="2026-09-30")])
    got = run(tmp_path, [ad, hr])
    result = got[LEAVER]["person:employee:1001"]
    assert result["status"] == "pass"
    assert "would not show in lastLogonTimestamp yet" in result["message"]
    # 60 grace days: still within them on 16 November, so no leaver is judged at all
    got = run(tmp_path, [ad, hr], leaver_enabled={"grace_days": 60})
    assert statuses(got, LEAVER) == {"export:hr.persons:hr": "pass"}


def test_rejected_hr_rows_make_the_affected_accounts_not_assessed(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "dup", "employee_id": "2001"}, {"sam": "bad", "employee_id": "2002"},
                {"sam": "nobody", "employee_id": "2999"})
    rejected = [{"file": "hr.csv", "row": 2, "line": 3, "employee_id": "2001",
                 "reason": "employee id 2001 is already on row 1 (duplicate employee id)"},
                {"file": "hr.csv", "row": 3, "line": 4, "employee_id": "2002",
                 "reason": "end date '31-13-2026' matches none of the date formats"}]
    hr = hr_doc([person("2001", end="2026-01-31")], rejected=rejected)
    got = run(tmp_path, [ad, hr])
    leaver = got[LEAVER]
    assert leaver["person:employee:2001"]["status"] == "error"
    assert "hr.csv row 2" in leaver["person:employee:2001"]["message"]
    assert leaver["person:employee:2002"]["status"] == "error"
    assert "31-13-2026" in leaver["person:employee:2002"]["message"]
    no_hr = statuses(got, NO_HR)
    assert no_hr["account:dup"] == "error" and no_hr["account:bad"] == "error"
    assert no_hr["account:nobody"] == "fail"  # no rejected row names nobody's id
    # a rejected row without a readable id could be anybody's: no_hr_record cannot fail then
    anonymous = [{"file": "hr.csv", "row": 4, "line": 5, "reason": "employee id is empty"}]
    got = run(tmp_path, [ad, hr_doc([person("2001")], rejected=anonymous)])
    assert statuses(got, NO_HR)["account:nobody"] == "error"
    assert "hr.csv row 4" in got[NO_HR]["account:nobody"]["message"]
    assert statuses(got, LEAVER)["export:hr.persons:hr"] == "error"


def test_accounts_without_hr_record(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "known", "employee_id": "3001"},
                {"sam": "unknown.id", "employee_id": "3999"},
                {"sam": "no.id", "employee_id": None},
                {"sam": "mapped", "employee_id": None},
                {"sam": "gone", "employee_id": "3998", "uac": DISABLED},
                {"sam": "svc-app", "employee_id": None, "given_name": None, "sn": None})
    hr = hr_doc([person("3001"), person("3002")], mapping={"mapped": "3002"})
    got = run(tmp_path, [ad, hr])
    no_hr = statuses(got, NO_HR)
    assert no_hr["account:unknown.id"] == "fail"
    assert no_hr["account:no.id"] == "fail"
    assert "has no employeeID" in got[NO_HR]["account:no.id"]["message"]
    for absent in ("account:known", "account:mapped", "account:gone", "account:svc-app"):
        assert absent not in no_hr  # a record, disabled, or impersonal: not a deviation
    summary = got[NO_HR]["export:hr.persons:hr"]
    assert summary["status"] == "pass" and summary["evidence"]["checked"] == 4


def test_the_match_attribute_can_be_the_account_name(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "p104", "employee_id": None}, {"sam": "p105", "employee_id": None})
    hr = hr_doc([person("P104", end="2026-01-31")], attribute="sAMAccountName")
    got = run(tmp_path, [ad, hr])
    assert statuses(got, LEAVER) == {"person:employee:P104": "fail"}
    assert statuses(got, NO_HR)["account:p105"] == "fail"


def test_joiners_with_and_without_a_request(tmp_path: Path) -> None:
    created = "2026-03-02T09:00:00Z"
    ad = ad_doc({"sam": "j.ok", "employee_id": "4001", "created": created},
                {"sam": "j.byid", "employee_id": "4002", "created": created},
                {"sam": "j.late", "employee_id": "4003", "created": created},
                {"sam": "j.open", "employee_id": "4004", "created": created},
                {"sam": "j.none", "employee_id": "4005", "created": created},
                {"sam": "j.old", "employee_id": "4006", "created": "2026-03-02T09:00:00Z"},
                {"sam": "j.before", "employee_id": "4007", "created": "2025-01-02T09:00:00Z"},
                {"sam": "svc-new", "employee_id": None, "given_name": None, "sn": None,
                 "created": created})
    hr = hr_doc([person(str(n)) for n in range(4001, 4008)])
    requests = req_doc([
        request("R1", "j.ok", "2026-02-27T10:00:00+01:00"),
        request("R2", None, "2026-03-02T08:00:00+01:00", employee="4002"),
        request("R3", "J.LATE", "2026-03-05T10:00:00+01:00"),
        request("R4", "j.open", None),
        request("R6", "j.old", "2025-10-01T10:00:00+01:00", requested="2025-09-30T10:00:00Z"),
    ])
    got = run(tmp_path, [ad, hr, requests])
    joiner = got[JOINER]
    assert statuses(got, JOINER) == {
        "account:j.ok": "pass", "account:j.byid": "pass", "account:j.late": "fail",
        "account:j.open": "fail", "account:j.none": "fail", "account:j.old": "fail"}
    assert "after the creation" in joiner["account:j.late"]["message"]
    assert "not approved" in joiner["account:j.open"]["message"]
    assert "no request names" in joiner["account:j.none"]["message"]
    assert "more than 90 days" in joiner["account:j.old"]["message"]
    # a wider window, and requested (not approved) is enough
    got = run(tmp_path, [ad, hr, requests],
              joiner_without_request={"window_days": 200, "require_approval": False})
    assert statuses(got, JOINER)["account:j.old"] == "pass"
    assert statuses(got, JOINER)["account:j.open"] == "pass"


def test_a_rejected_request_row_that_may_be_the_request_is_not_a_fail(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "j.one", "employee_id": "5001", "created": "2026-05-01T09:00:00Z"})
    rejected = [{"file": "req.csv", "row": 3, "line": 4, "ticket": "R9", "account": "j.one",
                 "reason": "requested_at '31-02-2026' matches none of the date formats"}]
    got = run(tmp_path, [ad, hr_doc([person("5001")]), req_doc([], rejected)])
    result = got[JOINER]["account:j.one"]
    assert result["status"] == "error" and "req.csv row 3" in result["message"]


@pytest.mark.parametrize("broken", ["file error", "no persons", "no match", "counts",
                                    "incomplete record", "empty export"])
def test_an_unreadable_hr_export_is_an_error_never_a_pass(tmp_path: Path, broken: str) -> None:
    ad = ad_doc({"sam": "x", "employee_id": "6001", "created": "2026-05-01T09:00:00Z"})
    if broken == "file error":
        hr = hr_doc([], errors=[{"part": "file", "message": "/x/hr.csv: required column(s) "
                                                             "missing: end"}])
        hr.data = {}
    elif broken == "counts":  # a person removed from saved evidence
        hr = hr_doc([person("6001"), person("6002")])
        hr.data["persons"].pop()
    elif broken == "incomplete record":  # a leaver whose end date was cut from the evidence
        hr = hr_doc([person("6001", end="2026-01-31")])
        del hr.data["persons"][0]["end"]
    elif broken == "empty export":
        hr = hr_doc([])
    else:
        hr = hr_doc([person("6001")])
        del hr.data["persons" if broken == "no persons" else "match"]
    got = run(tmp_path, [ad, hr, req_doc([])], shared=TIES)
    for check in CHECKS:
        assert set(statuses(got, check).values()) == {"error"}, check
    if broken == "file error":
        assert "required column(s) missing: end" in got[LEAVER]["export:hr.persons:hr"]["message"]


def test_without_ad_evidence_the_hr_checks_say_so(tmp_path: Path) -> None:
    got = run(tmp_path, [hr_doc([person("7001", end="2026-01-31")]), req_doc([])], shared=TIES)
    for check in CHECKS:
        assert set(statuses(got, check).values()) == {"error"}, check
        assert any("AD accounts were not collected" in r["message"]
                   for r in got[check].values())


def test_without_hr_evidence_the_checks_are_out_of_scope(tmp_path: Path) -> None:
    got = run(tmp_path, [ad_doc({"sam": "x", "employee_id": "1"})])
    for check in CHECKS:
        assert set(statuses(got, check).values()) == {"not_applicable"}, check


def test_moved_people_keep_no_rights_of_the_old_department(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "m.kept", "employee_id": "8001"},
                {"sam": "m.recent", "employee_id": "8002"},
                {"sam": "m.clean", "employee_id": "8003"},
                {"sam": "m.off", "employee_id": "8004", "uac": DISABLED},
                {"sam": "s.stayed", "employee_id": "8005"},
                groups={"GG-Fin-Boekhouding": ["m.kept", "m.off", "s.stayed"],
                        "GG-Fin-Kassa": ["GG-Fin-Boekhouding", "m.recent"],
                        "GG-Beleid-Wetgeving": ["m.clean"]})
    hr = hr_doc([person("8001", department="Beleid", previous="Financiën", moved_on="2026-01-05"),
                 person("8002", department="Beleid", previous="financiën ",
                        moved_on="2026-11-01"),
                 person("8003", department="Beleid", previous="Financiën", moved_on="2025-01-05"),
                 person("8004", department="ICT", previous="Financiën", moved_on="2025-01-05"),
                 person("8005", department="Financiën")])
    got = run(tmp_path, [ad, hr], shared=TIES)
    assert statuses(got, MOVED) == {"person:employee:8001": "fail",
                                    "person:employee:8002": "pass",
                                    "person:employee:8003": "pass",
                                    "person:employee:8004": "pass"}
    kept = got[MOVED]["person:employee:8001"]
    assert kept["evidence"]["kept"] == ["m.kept → GG-Fin-Boekhouding", "m.kept → GG-Fin-Kassa"]
    assert "which the policy ties to Financiën" in kept["message"]
    assert "within the 30 days" in got[MOVED]["person:employee:8002"]["message"]
    # a group tied to both departments is no right of the old one only
    both = {"department_groups": [*TIES["department_groups"],
                                  {"department": "Beleid", "groups": ["GG-Fin-Kassa"]}]}
    got = run(tmp_path, [ad, hr], shared=both)
    assert got[MOVED]["person:employee:8001"]["evidence"]["kept"] == [
        "m.kept → GG-Fin-Boekhouding"]


def test_moved_rights_without_ties_columns_or_groups(tmp_path: Path) -> None:
    ad = ad_doc({"sam": "m.kept", "employee_id": "8001"}, groups={"GG-Fin-A": ["m.kept"]})
    hr = [person("8001", department="Beleid", previous="Financiën", moved_on="2026-01-05")]
    got = run(tmp_path, [ad, hr_doc(hr)])
    assert statuses(got, MOVED) == {"export:hr.persons:hr": "not_applicable"}
    no_column = [f for f in PERSON_FIELDS if f != "previous_department"]
    got = run(tmp_path, [ad, hr_doc(hr, fields=tuple(no_column))], shared=TIES)
    assert statuses(got, MOVED) == {"export:hr.persons:hr": "error"}
    typo = {"department_groups": [{"department": "Financiën", "groups": ["GG-Fni-*"]}]}
    got = run(tmp_path, [ad, hr_doc(hr)], shared=typo)
    assert statuses(got, MOVED)["group:GG-Fni-*"] == "error"
    # nothing tied to Financiën was found: the person cannot pass on that
    assert statuses(got, MOVED)["person:employee:8001"] == "error"
