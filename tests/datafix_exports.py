"""Generate realistic, messy datafix exports with planted violations (fixed random seed).

Why: the checks must find every planted violation in thousands of clean tickets and log lines,
and nothing else, in the formats real sites produce: UTF-8 with a byte-order mark, `;` separator
(Dutch Excel), quoted newlines (several approvers in one cell, multi-line titles) and day-first
dates like `02-12-2024 14:05`. Used by the tests and by bench/bench_datafix.py.

People (employeeID, office account, admin account) and AD groups are written as `ad.accounts`
evidence data, so person resolution across accounts is exercised too.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

DOMAIN_SID = "S-1-5-21-1111111111-2222222222-3333333333"
BASE = "DC=corp,DC=example"
FMT = "%d-%m-%Y %H:%M"
DAY = "%d-%m-%Y"
START = datetime(2024, 1, 8, 9, 0)
AS_OF = "2026-01-01T08:00:00+00:00"  # when the generated AD evidence was "collected"
REVIEW_DAYS = 10


ZONE = ZoneInfo("Europe/Amsterdam")


def local(when: datetime) -> datetime:
    """Generated times are UTC; exports show local time (so no non-existent DST times)."""
    return when.replace(tzinfo=UTC).astimezone(ZONE)


def dn(name: str, ou: str = "OU=Beheer") -> str:
    return f"CN={name},{ou},{BASE}"


@dataclass
class Person:
    emp: str
    first: str
    last: str
    office: str
    admin: str | None = None

    @property
    def mail(self) -> str:
        return f"{self.office}@corp.example"


@dataclass
class Lab:
    """The generated world plus what each check must report as fail."""

    folder: Path
    files: dict[str, Path]
    ad_data: dict[str, Any]
    roles: dict[str, dict[str, Any]]
    expected: dict[str, set[str]] = field(default_factory=dict)
    tickets: int = 0
    log_lines: int = 0
    errors: dict[str, int] = field(default_factory=dict)  # file -> malformed data row


def _people() -> dict[str, Person]:
    p = {
        # executors (DBAs): office and admin account, one employee
        "x": Person("2001", "Xander", "Kuipers", "x.kuipers", "adm-xkuipers"),  # also reviewer
        "y": Person("2002", "Yara", "Bos", "y.bos", "adm-ybos"),  # also approver (via DB role)
        "z": Person("2003", "Zeno", "Smit", "z.smit", "adm-zsmit"),  # also audit admin
        "d2": Person("2004", "Daan", "Mulder", "d.mulder", "adm-dmulder"),
        "d5": Person("2005", "Eva", "Visser", "e.visser", "adm-evisser"),
        # approvers, reviewers
        "a1": Person("3001", "Anna", "Jansen", "a.jansen"),
        "a2": Person("3002", "Bram", "Peters", "b.peters"),
        "a3": Person("3003", "Cor", "Dijk", "c.dijk"),
        "r1": Person("4001", "Iris", "Vos", "i.vos"),
        "r2": Person("4002", "Joost", "Kok", "j.kok"),
        "r3": Person("4003", "Lisa", "Boer", "l.boer"),
    }
    for i in range(20):
        p[f"u{i}"] = Person(str(5000 + i), f"User{i}", "Functioneel", f"fb.user{i:02d}")
    return p


def _ad(people: dict[str, Person]) -> dict[str, Any]:
    accounts, groups, rid = [], [], 1200
    cols = ["dn", "sam", "upn", "sid", "type", "uac", "employee_id", "given_name", "sn", "mail",
            "primary_group_id"]
    for person in people.values():
        for sam, ou in ((person.office, "OU=Medewerkers"), (person.admin, "OU=Beheer")):
            if sam:
                rid += 1
                accounts.append([dn(sam, ou), sam, f"{sam}@corp.example", f"{DOMAIN_SID}-{rid}",
                                 "user", 512, person.emp, person.first, person.last,
                                 person.mail if ou == "OU=Medewerkers" else None, 513])

    def group(name: str, members: list[str]) -> None:
        nonlocal rid
        rid += 1
        groups.append({"dn": dn(name, "OU=Groepen"), "name": name, "sid": f"{DOMAIN_SID}-{rid}",
                       "members": members})

    admin = {k: dn(v.admin) for k, v in people.items() if v.admin}
    office = {k: dn(v.office, "OU=Medewerkers") for k, v in people.items()}
    group("GG-DBA-Nested", [admin["x"]])  # x is an executor only through nesting
    group("GG-DBA-Prod", [dn("GG-DBA-Nested", "OU=Groepen"), admin["d2"], admin["d5"],
                          admin["z"]])
    group("GG-Datafix-Review", [office["r1"], office["r2"], office["r3"], office["x"]])
    group("GG-Datafix-Approve", [office["a1"], office["a2"], office["a3"]])
    return {"base_dn": BASE, "domain_sid": DOMAIN_SID, "account_columns": cols,
            "accounts": accounts, "groups": groups}


def roles() -> dict[str, dict[str, Any]]:
    return {
        "executor": {"ad_groups": [dn("GG-DBA-Prod", "OU=Groepen")],
                     "db_roles": [{"role": "db_owner", "database": "KASSA*"}]},
        "reviewer": {"ad_groups": [dn("GG-Datafix-Review", "OU=Groepen")]},
        "approver": {"ad_groups": [dn("GG-Datafix-Approve", "OU=Groepen")],
                     "db_roles": [{"role": "ChangeApprovers"}]},
        "audit_admin": {"db_roles": [{"role": "AuditAdmins"}]},
    }


def ad_evidence(lab: Lab) -> dict[str, Any]:
    """An `ad.accounts` evidence document (file content) for the generated people."""
    return {"schema": "gitc-agent/evidence/v1", "kind": "ad.accounts", "target": BASE,
            "collector": "test", "collected_at": AS_OF, "status": "ok", "errors": [],
            "tool": {"name": "gitc-agent", "version": "test"}, "data": lab.ad_data}


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
        writer.writerow(header)
        writer.writerows(rows)


REGISTER_HEADER = ["Wijziging", "Omschrijving", "Aanvrager", "Goedkeurder", "Goedgekeurd op",
                   "Uitvoerder", "Start uitvoering", "Einde uitvoering", "Reviewer",
                   "Reviewdatum", "Venster van", "Venster tot", "Database"]
REGISTER_COLUMNS = {"ticket": "Wijziging", "title": "Omschrijving", "requester": "Aanvrager",
                    "approver": "Goedkeurder", "approved_at": "Goedgekeurd op",
                    "executor": "Uitvoerder", "execution_start": "Start uitvoering",
                    "execution_end": "Einde uitvoering", "reviewer": "Reviewer",
                    "reviewed_at": "Reviewdatum", "window_start": "Venster van",
                    "window_end": "Venster tot", "database": "Database"}
LOG_HEADER = ["event_time", "server_principal_name", "action", "object_name", "ticket_ref",
              "database_name", "session_id"]
LOG_COLUMNS = {"timestamp": "event_time", "principal": "server_principal_name",
               "statement": "action", "object": "object_name", "ticket": "ticket_ref",
               "database": "database_name", "session": "session_id"}


def generate(folder: Path, tickets: int = 3000, app_lines: int = 5000, seed: int = 4,
             malformed: bool = False) -> Lab:
    rnd = random.Random(seed)
    spacing = 365 * 24 * 60 // tickets  # one year of datafixes, whatever the count
    folder.mkdir(parents=True, exist_ok=True)
    people = _people()
    dbas = ["x", "y", "z", "d2", "d5"]
    approvers, reviewers = ["a1", "a2", "a3"], ["r1", "r2", "r3"]
    users = [k for k in people if k.startswith("u")]
    login = {k: f"CORP\\{people[k].admin}" for k in dbas}
    login["y"] = "dba_ybos"  # SQL login: only the login mapping ties it to AD
    exp: dict[str, set[str]] = {c: set() for c in (
        "datafix.sod.execute_and_review", "datafix.sod.execute_and_approve",
        "datafix.sod.audit_admin", "datafix.ticket.segregation",
        "datafix.ticket.approval_timing", "datafix.ticket.review", "datafix.log.unticketed")}
    exp["datafix.sod.execute_and_review"].add("person:employee:2001")
    exp["datafix.sod.execute_and_approve"].add("person:employee:2002")
    exp["datafix.sod.audit_admin"].add("person:employee:2003")

    reg_rows: list[list[str]] = []
    log_rows: list[list[str]] = []
    busy: dict[str, list[tuple[datetime, datetime]]] = {k: [] for k in dbas}
    plants = {100: "seg_self", 200: "seg_approver_requester", 300: "seg_reviewer_approver",
              400: "late_approval", 500: "after_window", 600: "no_approval", 700: "no_review",
              800: "late_review", 900: "self_review", 1000: "log_outside_window"}
    for n in range(1, tickets + 1):
        tid = f"DF-{24000 + n}"
        plant = plants.get(n)
        start = START + timedelta(minutes=spacing * n + rnd.randint(0, 30))
        if start.month in (3, 10) and start.weekday() == 6 and start.day > 24 and start.hour < 5:
            start += timedelta(hours=5)  # local time is ambiguous around the DST change
        end = start + timedelta(minutes=rnd.randint(5, 90))
        dba = rnd.choice(dbas)
        req = people[rnd.choice(users)].office
        appr = [rnd.choice(approvers)] + ([rnd.choice(approvers)] if rnd.random() < 0.2 else [])
        appr = list(dict.fromkeys(appr))
        appr_at = [start - timedelta(hours=rnd.randint(2, 48)) for _ in appr]
        win = (start - timedelta(hours=1), end + timedelta(hours=2))
        rev = rnd.choice(reviewers)
        rev_at: datetime | None = end + timedelta(days=rnd.randint(0, REVIEW_DAYS - 1))
        executor = people[dba].admin
        reviewer = f"{people[rev].office}@corp.example"
        approver_names = [people[a].mail for a in appr]
        subject = f"ticket:{tid}"
        if plant == "seg_self":
            dba, executor = "d2", people["d2"].admin
            req = people["d2"].office  # same employee, other account
            exp["datafix.ticket.segregation"].add(subject)
        elif plant == "seg_approver_requester":
            req = people["a1"].office
            approver_names = [people["a1"].mail]
            appr_at = appr_at[:1]
            exp["datafix.ticket.segregation"].add(subject)
        elif plant == "seg_reviewer_approver":
            approver_names, appr_at = [people["a2"].mail], appr_at[:1]
            reviewer = people["a2"].office  # an approver reviewing: also not independent
            exp["datafix.ticket.segregation"].add(subject)
            exp["datafix.ticket.review"].add(subject)
        elif plant == "late_approval":
            appr_at = [start + timedelta(minutes=40)] * len(appr_at)
            exp["datafix.ticket.approval_timing"].add(subject)
        elif plant == "after_window":
            win = (start - timedelta(hours=1), start + timedelta(minutes=2))
            end = start + timedelta(minutes=30)
            rev_at = end + timedelta(days=1)
            exp["datafix.ticket.approval_timing"].add(subject)
        elif plant == "no_approval":
            approver_names, appr_at = [], []
            exp["datafix.ticket.approval_timing"].add(subject)
        elif plant == "no_review":
            reviewer, rev_at = "", None
            exp["datafix.ticket.review"].add(subject)
        elif plant == "late_review":
            rev_at = end + timedelta(days=REVIEW_DAYS + 7)
            exp["datafix.ticket.review"].add(subject)
        elif plant == "self_review":
            dba, executor = "x", people["x"].admin
            reviewer = people["x"].office
            exp["datafix.ticket.review"].add(subject)
            exp["datafix.ticket.segregation"].add(subject)
        busy[dba].append((start, end))
        title = f"Correctie kassabon {n}" + ("\nzie bijlage; \"spoed\"" if n % 7 == 0 else "")
        reg_rows.append([tid, title, req, "\n".join(approver_names),
                         "\n".join(local(a).strftime(FMT) for a in appr_at), executor,
                         local(start).strftime(FMT), local(end).strftime(FMT), reviewer,
                         local(rev_at).strftime(DAY) if rev_at else "", local(win[0]).strftime(FMT),
                         local(win[1]).strftime(FMT), "KASSA"])
        for i in range(rnd.randint(1, 6)):
            at = start + timedelta(minutes=rnd.randint(0, max(1, int((end - start).seconds / 60))))
            ref = tid if rnd.random() < 0.8 or (malformed and n == 42) else ""
            if plant == "log_outside_window" and i == 0:
                at = start + timedelta(days=2)  # references the ticket, two days later
                ref = tid
                exp["datafix.log.unticketed"].add(f"session:{login[dba]}/KASSA/{local(at).date()}")
                exp["datafix.ticket.approval_timing"].add(subject)  # the log shows it ran late
            log_rows.append([local(at).strftime(FMT), login[dba], rnd.choice(["UPDATE", "UPDATE", "DELETE",
                             "INSERT"]), f"dbo.{rnd.choice(['Bon', 'Klant', 'Betaling'])}", ref,
                             "KASSA", str(rnd.randint(50, 400))])
            log_rows.append([local(at).strftime(FMT), login[dba], "SELECT", "dbo.Bon", ref, "KASSA",
                             "51"])
    # unticketed changes by privileged principals: no reference, and a reference to no ticket
    last = START + timedelta(minutes=spacing * tickets + 48 * 60)
    for who, ref, offset in (("d5", "", 30), ("z", "DF-99999", 31), ("y", "", 32)):
        at = last + timedelta(days=offset, hours=3)
        assert not any(s - timedelta(hours=1) <= at <= e + timedelta(hours=1) for s, e in busy[who])
        log_rows.append([local(at).strftime(FMT), login[who], "DELETE", "dbo.Betaling", ref, "KASSA", "77"])
        exp["datafix.log.unticketed"].add(f"session:{login[who]}/KASSA/{local(at).date()}")
    for i in range(app_lines):  # the application's own writes: outside the population
        at = START + timedelta(minutes=7 * i)
        log_rows.append([local(at).strftime(FMT), "CORP\\svc-kassa-app", "INSERT", "dbo.Bon", "",
                         "KASSA", "900"])
    rnd.shuffle(log_rows)
    errors: dict[str, int] = {}
    if malformed:
        reg_rows[41][6] = "31-02-2024 10:00"  # no 31 February: register row 42
        errors["register.csv"] = 42
        bad = next(i for i, r in enumerate(log_rows) if r[1] == "CORP\\svc-kassa-app")
        log_rows[bad][0] = "gisteren"
        errors["audit.csv"] = bad + 1
    _write_csv(folder / "register.csv", REGISTER_HEADER, reg_rows)
    _write_csv(folder / "audit.csv", LOG_HEADER, log_rows)
    roles_rows = [[login[k], "db_datareader", "KASSA"] for k in dbas]
    roles_rows += [[login["y"], "db_owner", "KASSA_PROD"], [login["y"], "ChangeApprovers", ""],
                   [login["z"], "AuditAdmins", ""], ["CORP\\svc-kassa-app", "db_datawriter",
                                                     "KASSA"]]
    _write_csv(folder / "db_roles.csv", ["principal", "role", "database"], roles_rows)
    (folder / "logins.json").write_text(json.dumps([{"login": "dba_ybos", "account": "adm-ybos"}]),
                                        encoding="utf-8")
    files = {n: folder / f for n, f in (("register", "register.csv"), ("audit_log", "audit.csv"),
                                        ("db_roles", "db_roles.csv"), ("logins", "logins.json"))}
    return Lab(folder, files, _ad(people), roles(), exp, tickets, len(log_rows), errors)


def config_yaml(lab: Lab, extra: str = "") -> str:
    """A gitc-agent config with a datafix section for the generated files."""
    reg = "\n".join(f"        {k}: {json.dumps(v)}" for k, v in REGISTER_COLUMNS.items())
    log = "\n".join(f"        {k}: {json.dumps(v)}" for k, v in LOG_COLUMNS.items())
    return f"""{extra}datafix:
  timezone: Europe/Amsterdam
  date_formats: ["%d-%m-%Y %H:%M", "%d-%m-%Y"]
  register:
    file: register.csv
    delimiter: ";"
    columns:
{reg}
  audit_log:
    file: audit.csv
    columns:
{log}
  db_roles:
    file: db_roles.csv
  logins:
    file: logins.json
"""
