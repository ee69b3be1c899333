"""The HR collector on real files (Dutch Excel CSV, JSON), and bad input through the real CLI:
invalid config is exit 2 with file and line; a bad export is an error result naming the file;
bad rows are rejected with file, row and reason and make the affected accounts `error`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from gitc_agent import demo
from gitc_agent.collectors.hr import collect
from gitc_agent.settings.config import load_config
from tests.cli_run import gitc, latest_report, results_by_subject
from tests.hr_exports import (
    PERSON_HEADER,
    demo_persons_csv,
    demo_requests_csv,
    write_config,
)

AD_DEMO = demo.evidence_dir() / "ad.accounts@corp.vbz.example.json"


def _csv(header: list[str], *rows: list[str]) -> str:
    return "\ufeff" + "\r\n".join(";".join(r) for r in [header, *rows]) + "\r\n"


def _docs(config: Path) -> dict[str, object]:
    settings = load_config(config).hr
    assert settings is not None
    return {d.kind: d for d in collect.collect(settings)}


def test_dutch_excel_export_with_bad_rows(tmp_path: Path) -> None:
    persons = _csv(PERSON_HEADER,
                   ["104200", "Jan de Vries", "16-02-2017", "", "ICT", "", "", "HRM",
                    "01-06-2024"],
                   ["104200", "Jan Dubbel", "16-02-2017", "", "ICT", "", "", "", ""],
                   ["104201", "Petra Bakker", "18-02-2020", "31-13-2026", "ICT", "", "", "", ""],
                   ["", "Zonder Nummer", "01-01-2020", "", "HRM", "", "", "", ""],
                   ["104202", "Kees Mulder", "19-04-2018", "01-01-2018", "ICT", "", "", "", ""],
                   ["104203", "Eva; Smit", "13-01-2023"])
    docs = _docs(write_config(tmp_path, persons))
    doc = docs["hr.persons"]
    assert not doc.errors
    data = doc.data
    assert data["counts"] == {"read": 6, "used": 1, "rejected": 5}
    assert data["persons"][0]["employee_id"] == "104200"
    assert data["persons"][0]["start"] == "2017-02-16" and data["persons"][0]["end"] is None
    assert data["persons"][0]["previous_department"] == "HRM"
    assert data["persons"][0]["moved_on"] == "2024-06-01"
    assert "previous_department" in data["source"]["fields"]
    reasons = {r["row"]: (r.get("employee_id"), r["line"], r["reason"]) for r in data["rejected"]}
    assert reasons[2][0] == "104200" and "already on row 1" in reasons[2][2]
    assert reasons[3][0] == "104201" and "'31-13-2026' matches none" in reasons[3][2]
    assert reasons[4][0] is None and "employee id is empty" in reasons[4][2]
    assert "before start date" in reasons[5][2]
    assert "fields where the header has" in reasons[6][2]
    assert reasons[2][1] == 3  # the line in the file (header is line 1)
    assert all(r["file"] == "hr-personeel.csv" for r in data["rejected"])
    assert len(data["source"]["sha256"]) == 64 and data["source"]["delimiter"] == ";"


def test_json_export_mapping_file_and_requests(tmp_path: Path) -> None:
    (tmp_path / "hr.json").write_text(json.dumps({"medewerkers": [
        {"nr": "E 17", "naam": "A", "in": "2020-01-01", "uit": "2026-05-31", "afd": "ICT"}]}))
    (tmp_path / "map.csv").write_text("account,employee_id\nadm-a,E17\nadm-a,E18\n,E19\n")
    (tmp_path / "req.csv").write_text(
        "ticket,account,employee_id,requested_at,approved_at\n"
        "R1,a,,2026-01-02,2026-01-03\nR1,b,,2026-01-02,\nR2,,,2026-01-02,\n"
        "R3,c,,2026-02-30,\n")
    config = tmp_path / "gitc-agent.yaml"
    config.write_text(yaml.safe_dump({"hr": {
        "persons": {"file": "hr.json", "json_records": "medewerkers",
                    "columns": {"employee_id": "nr", "name": "naam", "start": "in",
                                "end": "uit", "department": "afd"}},
        "requests": {"file": "req.csv"},
        "match": {"mapping": {"file": "map.csv"}, "accounts": {"Adm-B": "E20"}},
        "date_formats": ["iso"], "timezone": "Europe/Amsterdam"}}))
    docs = _docs(config)
    persons = docs["hr.persons"].data
    assert persons["persons"][0]["end"] == "2026-05-31"
    assert persons["source"]["fields"] == ["employee_id", "name", "start", "end", "department"]
    match = persons["match"]
    assert match["accounts"] == {"adm-a": "E17", "adm-b": "E20"}
    assert [r["row"] for r in match["rejected"]] == [2, 3]
    assert match["rejected"][0]["account"] == "adm-a"
    requests = docs["hr.requests"].data
    assert [r["ticket"] for r in requests["requests"]] == ["R1"]
    assert requests["requests"][0]["approved_at"].startswith("2026-01-03T00:00:00+01:00")
    reasons = {r["row"]: r["reason"] for r in requests["rejected"]}
    assert "already on row 1" in reasons[2]
    assert "neither an account nor an employee id" in reasons[3]
    assert "'2026-02-30' matches none" in reasons[4]
    assert requests["rejected"][2]["account"] == "c"


def test_a_missing_column_is_an_evidence_error_naming_file_and_column(tmp_path: Path) -> None:
    header = [h for h in PERSON_HEADER if h != "Datum uit dienst"]
    docs = _docs(write_config(tmp_path, _csv(header, ["1", "A", "01-01-2020", "ICT", "", ""])))
    doc = docs["hr.persons"]
    assert doc.data == {}
    message = doc.errors[0]["message"]
    assert "hr-personeel.csv" in message and "end (column 'Datum uit dienst')" in message
    # an optional column the config maps explicitly must be there too
    header = [h for h in PERSON_HEADER if h != "Functie"]
    doc = _docs(write_config(tmp_path, _csv(header, ["1", "A", "01-01-2020", "", "ICT", ""])))[
        "hr.persons"]
    assert "function (column 'Functie')" in doc.errors[0]["message"]
    # not text in the configured encoding (a cp1252 export read as UTF-8)
    config = write_config(tmp_path, "")
    (tmp_path / "hr-personeel.csv").write_bytes(demo_persons_csv()[1:].encode("cp1252"))
    doc = _docs(config)["hr.persons"]
    assert "not utf-8-sig text" in doc.errors[0]["message"]
    assert "hr-personeel.csv" in doc.errors[0]["message"]


def _policy(tmp_path: Path) -> Path:
    """The demo policy with only the lifecycle checks, so other areas cannot move the exit."""
    policy = yaml.safe_load(demo.policy_path().read_text())
    policy["checks"] = {k: v for k, v in policy["checks"].items()
                        if k in ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record",
                                 "ad.accounts.joiner_without_request")}
    policy["shared"] = {"register": policy["shared"]["register"]}
    policy["exceptions"] = []
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(policy, default=str))
    return path


def test_invalid_config_is_exit_2_with_file_and_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, demo_persons_csv())
    text = json.loads(config.read_text())
    policy = _policy(tmp_path)
    for change, expected in (
            (lambda s: s["persons"]["columns"].update(manger="X"), "unknown field(s) manger"),
            (lambda s: s.update(timezone="Mars/Olympus"), "unknown time zone"),
            (lambda s: s["persons"].update(file="nope.csv"), "does not exist"),
            (lambda s: s["match"].update(attribute="employeeNumber")
             if "match" in s else s.update(match={"attribute": "employeeNumber"}), "attribute")):
        section = json.loads(json.dumps(text["hr"]))
        change(section)
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump({"hr": section, "output": {"dir": "out"}}))
        run = gitc("scan", "--policy", policy, "--config", bad, "--out", tmp_path / "o",
                   "--quiet")
        assert run.code == 2, run.output
        assert "bad.yaml" in run.output and expected in run.output, run.output
        assert "Traceback" not in run.output
        assert not (tmp_path / "o").exists()


def test_collect_then_evaluate_offline_with_bad_rows(tmp_path: Path) -> None:
    persons = demo_persons_csv().replace("104203;Eva Smit;13-01-2023;",
                                         "104203;Eva Smit;31-02-2023;")
    config = write_config(tmp_path, persons, demo_requests_csv(),
                          date_formats=["%d-%m-%Y", "%d-%m-%Y %H:%M"],
                          timezone="Europe/Amsterdam")
    assert gitc("collect", "--config", config, "--out", tmp_path / "ev").code == 0
    shutil.copy(AD_DEMO, tmp_path / "ev" / AD_DEMO.name)  # the directory, as recorded
    run = gitc("evaluate", "--policy", _policy(tmp_path), "--evidence", tmp_path / "ev",
               "--out", tmp_path / "eval", "--as-of", "2026-11-16", "--quiet")
    assert run.code == 3, run.output  # the rejected row leaves e.smit not assessed
    report = latest_report(tmp_path / "eval")
    leavers = results_by_subject(report, "ad.accounts.leaver_enabled")
    assert leavers["person:employee:104206"]["status"] == "fail"  # o.dekker, still enabled
    no_hr = results_by_subject(report, "ad.accounts.no_hr_record")
    assert no_hr["account:e.smit"]["status"] == "error"
    assert "hr-personeel.csv row 4" in no_hr["account:e.smit"]["message"]
    assert "'31-02-2023'" in no_hr["account:e.smit"]["message"]
    joiners = results_by_subject(report, "ad.accounts.joiner_without_request")
    assert joiners["account:t.vanes"]["status"] == "fail"
    coverage = [c for c in report["coverage"] if c["check"] == "ad.accounts.no_hr_record"]
    assert coverage[0]["population"]["hr.persons"]["rejected"] == 2
    assert coverage[0]["completeness"] == "partial"


def test_a_missing_column_through_the_cli_is_an_error_result_naming_the_file(
        tmp_path: Path) -> None:
    persons = demo_persons_csv().replace("Datum uit dienst", "Uitdienst")
    config = write_config(tmp_path, persons)
    collected = gitc("collect", "--config", config, "--out", tmp_path / "ev")
    assert collected.code == 3 and "hr-personeel.csv" in collected.output  # incomplete
    shutil.copy(AD_DEMO, tmp_path / "ev" / AD_DEMO.name)
    run = gitc("evaluate", "--policy", _policy(tmp_path), "--evidence", tmp_path / "ev",
               "--out", tmp_path / "eval", "--quiet", "--lang", "en")
    assert run.code == 3, run.output
    report = latest_report(tmp_path / "eval")
    for check in ("ad.accounts.leaver_enabled", "ad.accounts.no_hr_record"):
        (result,) = results_by_subject(report, check).values()
        assert result["status"] == "error"
        assert "hr-personeel.csv" in result["message"]
        assert "end (column 'Datum uit dienst')" in result["message"]
