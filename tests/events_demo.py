"""The demo's security events: a month of the log manager's Winlogbeat export for the fictional
ministry corp.vbz.example, collected by the real collector into the demo's evidence file.

`python -m tests.events_demo` rewrites gitc_agent/demo/evidence/events.security@corp.vbz.example.json;
tests/test_events_demo.py checks that the shipped file is exactly what the collector makes of
this export, so the demo shows collector output, not hand-written evidence.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gitc_agent.collectors.events.collect import collect
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.settings.config import load_config
from tests import events_samples as es

DOMAIN = "S-1-5-21-1004336348-1177238915-682003330"
START = datetime(2026, 10, 16, tzinfo=UTC)
END = datetime(2026, 11, 16, tzinfo=UTC)
HOSTS = ("dc01.corp.vbz.example", "dc02.corp.vbz.example", "app02.corp.vbz.example",
         "file03.corp.vbz.example")
DC02_GAP = (datetime(2026, 11, 8, 2, tzinfo=UTC), datetime(2026, 11, 9, 14, tzinfo=UTC))
COLLECTED_AT = "2026-11-16T07:30:40+00:00"
EXPORT_PATH = "/srv/logmanager/export/corp-security-2026-10-16_2026-11-16.ndjson"
TICKETS = """ticket;approved_at;account;group;title
CHG-2026-1187;27-10-2026 16:05;r.vos.adm;;Beheeraccount voor R. Vos (nieuwe functie)
CHG-2026-1201;19-10-2026 10:30;adm-aelamrani;GG-Tier0-Admins;Tier-0 rechten voor A. El Amrani
"""


def sid(rid: int) -> str:
    return f"{DOMAIN}-{rid}"


def events() -> list[es.Ev]:
    out: list[es.Ev] = []
    for host in HOSTS:
        out += es.hourly(host, START, END, DC02_GAP if host.startswith("dc02") else None)
    day = START
    while day < END:
        at = day + timedelta(hours=2, minutes=15)
        out.append(es.logon(at, "file03.corp.vbz.example", "svc-backup", sid(1147), 5))
        out.append(es.logon(at + timedelta(minutes=1), "dc01.corp.vbz.example", "svc-backup",
                            sid(1147), 3, workstation="FILE03"))
        out.append(es.logon(at, "app02.corp.vbz.example", "svc-sql01", sid(1148), 5))
        out.append(es.logon(at + timedelta(hours=6), "dc01.corp.vbz.example", "svc-scan2mail",
                            sid(1149), 3, workstation="MFP-2-01"))
        if day.weekday() < 5:
            morning = day + timedelta(hours=7, minutes=40)
            out.append(es.logon(morning, "ws0003.corp.vbz.example", "func-receptie", sid(1150),
                                2, workstation="WS0003"))
            out.append(es.logon(morning, "dc01.corp.vbz.example", "j.vries", sid(1118), 3,
                                workstation="WS0001"))
        day += timedelta(days=1)
    rdp = datetime(2026, 11, 4, 21, 13, tzinfo=UTC)
    out.append(es.logon(rdp, "app02.corp.vbz.example", "svc-sql01", sid(1148), 10,
                        workstation="WS-FIN-014", ip="10.20.4.14"))
    out.append(es.added(datetime(2026, 10, 20, 9, 5, tzinfo=UTC), "dc01.corp.vbz.example",
                        "GG-Tier0-Admins", sid(1155), sid(1143),
                        "CN=adm-aelamrani,OU=Beheer,DC=corp,DC=vbz,DC=example"))
    out.append(es.added(datetime(2026, 11, 3, 22, 41, tzinfo=UTC), "dc02.corp.vbz.example",
                        "Domain Admins", sid(512), sid(1144),
                        "CN=adm-odekker,OU=Beheer,DC=corp,DC=vbz,DC=example", by="adm-odekker"))
    out.append(es.added(datetime(2026, 10, 22, 11, 0, tzinfo=UTC), "dc01.corp.vbz.example",
                        "GG-Helpdesk-T2", sid(1156), sid(1129),
                        "CN=i.peters,OU=Medewerkers,DC=corp,DC=vbz,DC=example"))
    out.append(es.created(datetime(2026, 10, 28, 8, 2, tzinfo=UTC), "dc01.corp.vbz.example",
                          "r.vos.adm", sid(1154)))
    out.append(es.created(datetime(2026, 11, 2, 14, 30, tzinfo=UTC), "dc01.corp.vbz.example",
                          "t.vanes", sid(1153), by="e.smit"))
    return sorted(out, key=lambda e: e.at)


def build(folder: Path) -> EvidenceDoc:
    export = es.write(folder / Path(EXPORT_PATH).name, events(), "ecs")
    (folder / "change-tickets.csv").write_text(TICKETS, encoding="utf-8")
    config = folder / "gitc-agent.yaml"
    config.write_text(
        "events:\n"
        f"  sources: [{{file: {export.name}, format: ecs}}]\n"
        "  period: {start: '2026-10-16T00:00:00+00:00', end: '2026-11-16T00:00:00+00:00'}\n"
        "  servers: [app02.corp.vbz.example, file03.corp.vbz.example]\n"
        "  tickets: {file: change-tickets.csv}\n"
        "  timezone: Europe/Amsterdam\n", encoding="utf-8")
    settings = load_config(config).events
    assert settings is not None
    settings = settings.model_copy(update={"target": "corp.vbz.example"})
    doc = collect(settings)
    doc.collected_at = COLLECTED_AT
    for source in doc.data["sources"]:
        source["path"] = EXPORT_PATH
    doc.data["tickets"]["source"]["file"] = "/srv/logmanager/export/change-tickets.csv"
    return doc


def main() -> None:
    import tempfile

    from gitc_agent import demo

    with tempfile.TemporaryDirectory() as tmp:
        doc = build(Path(tmp))
    target = demo.evidence_dir() / doc.filename
    target.write_text(json.dumps(doc.to_dict(), indent=2, sort_keys=True, ensure_ascii=False),
                      encoding="utf-8")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
