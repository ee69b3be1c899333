"""The demo ministry's HR export and joiner requests, written as the HR system's Excel exports.

The demo evidence (gitc_agent/demo/evidence/hr.persons@corp.vbz.example.json and
hr.requests@corp.vbz.example.json) is these CSVs collected by the real collector;
tests/test_hr_demo.py checks they still agree. The pattern: Olga Dekker left on 30 September
2026 and her adm- account was disabled, but her office account o.dekker is still enabled and was
used in November (the leaver finding); the intern t.vanes's account was created on 1 March 2026
before his request was approved (the joiner finding); Henk Post left without any account; one
row has an impossible end date and is rejected (it names nobody with an account); Joost
Willems moved from Financiën to Beleid in 2025 and still holds the Kassa groups the demo policy
ties to Financiën.

    python3 -m tests.hr_exports   # rewrites the demo evidence files
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

PERSON_HEADER = ["Personeelsnummer", "Naam", "Datum in dienst", "Datum uit dienst", "Afdeling",
                 "Leidinggevende", "Functie", "Vorige afdeling", "Datum overplaatsing"]
PERSON_COLUMNS = {"employee_id": "Personeelsnummer", "name": "Naam", "start": "Datum in dienst",
                  "end": "Datum uit dienst", "department": "Afdeling",
                  "manager": "Leidinggevende", "function": "Functie",
                  "previous_department": "Vorige afdeling", "moved_on": "Datum overplaatsing"}
REQUEST_HEADER = ["Melding", "Account", "Personeelsnummer", "Aangevraagd", "Goedgekeurd",
                  "Goedkeurder"]
REQUEST_COLUMNS = {"ticket": "Melding", "account": "Account", "employee_id": "Personeelsnummer",
                   "requested_at": "Aangevraagd", "approved_at": "Goedgekeurd",
                   "approver": "Goedkeurder"}
COLLECTED_AT = "2026-11-16T07:36:30+00:00"
DEMO_FILES = {"persons": "/srv/gitc/exports/hr-personeel.csv",
              "requests": "/srv/gitc/exports/aanvragen-accounts.csv"}
TARGET = "corp.vbz.example"

_STAFF = [  # employee id, name, start, department, function
    ("104200", "Jan de Vries", "16-02-2017", "ICT", "Systeembeheerder"),
    ("104201", "Petra Bakker", "18-02-2020", "ICT", "Servicedesk"),
    ("104202", "Kees Mulder", "19-04-2018", "ICT", "Netwerkbeheerder"),
    ("104203", "Eva Smit", "13-01-2023", "Financiën", "Controller"),
    ("104204", "Mark Visser", "16-05-2019", "Financiën", "Medewerker crediteuren"),
    ("104205", "Tom Jansen", "18-05-2018", "Beleid", "Beleidsmedewerker"),
    ("104206", "Olga Dekker", "15-04-2018", "ICT", "Applicatiebeheerder"),
    ("104207", "Sanne Meijer", "19-01-2018", "HRM", "HR-adviseur"),
    ("104208", "Ahmed El Amrani", "17-06-2023", "ICT", "Systeembeheerder"),
    ("104209", "Lisa de Boer", "13-05-2022", "Beleid", "Beleidsmedewerker"),
    ("104210", "Ruud Vos", "19-02-2020", "Facilitair", "Teamleider"),
    ("104211", "Iris Peters", "17-06-2024", "Financiën", "Medewerker debiteuren"),
    ("104212", "Bram Hendriks", "18-02-2018", "Beleid", "Senior beleidsmedewerker"),
    ("104213", "Nina van Dijk", "17-03-2022", "Communicatie", "Communicatieadviseur"),
    ("104214", "Daan Bos", "19-09-2018", "Facilitair", "Medewerker facilitair"),
    ("104215", "Fleur Kok", "19-06-2022", "HRM", "Salarisadministrateur"),
    ("104216", "Joost Willems", "11-02-2024", "Beleid", "Jurist"),
    ("104217", "Mila van Leeuwen", "14-01-2018", "Financiën", "Teamleider"),
    ("104218", "Sem Dijkstra", "16-05-2024", "ICT", "Functioneel beheerder"),
    ("104219", "Tess Schouten", "15-08-2017", "Directie", "Directeur bedrijfsvoering"),
    ("104220", "Youssef Haddou", "10-08-2018", "Beleid", "Beleidsmedewerker"),
    ("104221", "Anouk Brouwer", "16-04-2019", "Communicatie", "Webredacteur"),
    ("104222", "Luuk de Graaf", "17-03-2018", "Facilitair", "Huismeester"),
    ("104223", "Roos Koster", "16-03-2021", "HRM", "HR-adviseur"),
    ("104290", "Mark de Vos", "04-03-2021", "Beleid", "Beleidsmedewerker (gedetacheerd BZK)"),
]
_ENDS = {"104206": "30-09-2026"}
# department changes: Joost Willems left Financiën (and the Kassa application) for Beleid, but
# kept his Kassa rights (the moved-rights finding); Iris Peters moved and holds nothing old
_MOVES = {"104216": ("Financiën", "01-09-2025"), "104211": ("Beleid", "01-03-2026")}
_EXTRA = [
    ["104291", "Tim van Es", "01-03-2026", "31-12-2026", "ICT", "J. de Vries", "Stagiair", "", ""],
    ["104224", "Henk Post", "01-02-2015", "30-06-2026", "Facilitair", "R. Vos", "Bode", "", ""],
    ["104230", "Wim Smits", "01-02-2024", "31-13-2026", "Financiën", "M. van Leeuwen",
     "Medewerker crediteuren", "", ""],
]
_MANAGERS = {"ICT": "J. de Vries", "Financiën": "M. van Leeuwen", "Beleid": "B. Hendriks",
             "HRM": "S. Meijer", "Facilitair": "R. Vos", "Communicatie": "T. Schouten",
             "Directie": "-"}
REQUEST_ROWS = [
    ["REQ-2024-0102", "j.willems", "104216", "01-02-2024 09:10", "05-02-2024 14:00", "B. Hendriks"],
    ["REQ-2024-0290", "s.dijkstra", "104218", "06-05-2024 10:00", "08-05-2024 11:30", "J. de Vries"],
    ["REQ-2024-0311", "i.peters", "104211", "03-06-2024 08:45", "05-06-2024 16:20",
     "M. van Leeuwen"],
    ["REQ-2026-0088", "t.vanes", "104291", "20-02-2026 09:00", "04-03-2026 10:30", "J. de Vries"],
]


def person_rows() -> list[list[str]]:
    rows = [[eid, name, start, _ENDS.get(eid, ""), dept, _MANAGERS[dept], function,
             *_MOVES.get(eid, ("", ""))]
            for eid, name, start, dept, function in _STAFF]
    return rows + [list(r) for r in _EXTRA]


def _csv(header: list[str], rows: list[list[str]]) -> str:
    """Dutch Excel: BOM, `;`, CRLF, day-first dates."""
    return "\ufeff" + "\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n"


def demo_persons_csv() -> str:
    return _csv(PERSON_HEADER, person_rows())


def demo_requests_csv() -> str:
    return _csv(REQUEST_HEADER, REQUEST_ROWS)


def write_config(folder: Path, persons: str, requests: str | None = None,
                 **options: object) -> Path:
    """A config whose `hr` section reads `persons` (and `requests`) as the exports."""
    (folder / "hr-personeel.csv").write_text(persons, encoding="utf-8")
    section: dict = {"persons": {"file": "hr-personeel.csv", "columns": PERSON_COLUMNS}}
    if requests is not None:
        (folder / "aanvragen.csv").write_text(requests, encoding="utf-8")
        section["requests"] = {"file": "aanvragen.csv", "columns": REQUEST_COLUMNS}
    section.update(options)
    config = folder / "gitc-agent.yaml"
    config.write_text(json.dumps({"hr": section, "output": {"dir": "out"}}), encoding="utf-8")
    return config


def demo_documents(folder: Path) -> list[dict]:
    """Collect the demo CSVs with the real collector, dated and placed as the demo's evidence."""
    from gitc_agent.collectors.hr import collect
    from gitc_agent.settings.config import load_config

    config = load_config(write_config(folder, demo_persons_csv(), demo_requests_csv(),
                                      timezone="Europe/Amsterdam",
                                      date_formats=["%d-%m-%Y", "%d-%m-%Y %H:%M"]))
    assert config.hr is not None
    out = []
    for doc in collect.collect(config.hr):
        doc.target = TARGET
        doc.collected_at = COLLECTED_AT
        doc.data["source"]["file"] = DEMO_FILES["persons" if doc.kind == "hr.persons"
                                                else "requests"]
        out.append(doc.to_dict())
    return out


def main() -> None:
    import tempfile

    from gitc_agent import demo

    with tempfile.TemporaryDirectory() as tmp:
        payloads = demo_documents(Path(tmp))
    for payload in payloads:
        out = demo.evidence_dir() / f"{payload['kind']}@{payload['target']}.json"
        out.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                       encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
