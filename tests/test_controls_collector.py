"""The control-log collector: the Dutch calendar it is judged on, and bad input as rejected
rows with file, row and reason (the rest still read) or exit 2 for a broken config."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from gitc_agent.collectors import controls_log
from gitc_agent.errors import InputError
from gitc_agent.model.workdays import WorkCalendar, local_date
from gitc_agent.settings.config import load_config
from tests.cli_run import gitc
from tests.controls_exports import HEADER, demo_csv, write_config


def test_dutch_calendar_skips_public_holidays_weekends_and_closing_days() -> None:
    cal = WorkCalendar()
    assert cal.holiday(date(2026, 4, 27)) == "King's Day"
    assert cal.holiday(date(2027, 5, 6)) == "Ascension Day"  # computed from Easter per year
    assert cal.holiday(date(2026, 5, 14)) == "Ascension Day"
    assert cal.holiday(date(2026, 5, 16)) == "weekend"
    assert cal.is_working_day(date(2026, 5, 5))  # Liberation Day: public only every 5th year
    # the close of March 2026 is Tue 31 March; 5 working days later skips Good Friday and
    # Easter Monday
    assert cal.last_working_day(2026, 3) == date(2026, 3, 31)
    assert cal.shift(date(2026, 3, 31), 5) == date(2026, 4, 9)
    assert cal.shift(date(2026, 4, 30), -2) == date(2026, 4, 28)  # skips King's Day
    assert cal.last_working_day(2026, 5) == date(2026, 5, 29)  # 31 May is a Sunday
    closed = WorkCalendar([date(2026, 5, 29), date(2026, 5, 5)])
    assert closed.last_working_day(2026, 5) == date(2026, 5, 28)
    assert closed.holiday(date(2026, 5, 5)) == "closing day"
    assert WorkCalendar(open_days=[date(2026, 4, 3)]).shift(date(2026, 3, 31), 5) \
        == date(2026, 4, 8)  # an office that works on Good Friday
    assert cal.working_days_between(date(2026, 4, 24), date(2026, 4, 29)) == 2  # Mon 27 is off
    # 23:30 UTC on 31 August is 1 September in the Netherlands
    assert local_date(datetime.fromisoformat("2026-08-31T23:30:00+00:00")) == date(2026, 9, 1)


def _collect(tmp_path: Path, rows: list[str], **options: object) -> dict:
    text = "\ufeff" + "\r\n".join([";".join(HEADER), *rows]) + "\r\n"
    config = load_config(write_config(tmp_path, text, **options))
    assert config.controls is not None
    doc = controls_log.collect(config.controls)
    assert doc.kind == "controls.register" and not doc.errors
    return doc.data


def test_demo_export_is_read_whole_with_periods_and_times_normalised(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, demo_csv(), timezone="Europe/Amsterdam"))
    data = controls_log.collect(config.controls).data
    assert data["counts"] == {"read": 41, "used": 41, "rejected": 0}
    first = data["executions"][0]
    assert first["period"] == "2026-01" and first["executed_at"] == "2026-01-27T10:15:00+01:00"
    assert data["source"]["delimiter"] == ";" and len(data["source"]["sha256"]) == 64
    not_done = [e for e in data["executions"] if e["control"] == "IC-08"]
    assert not_done[0]["executed_at"] is None and "Niet uitgevoerd" in not_done[0]["note"]


def test_bad_rows_are_rejected_with_file_row_and_reason_and_the_rest_is_read(
        tmp_path: Path) -> None:
    rows = [
        "IC-01;08-2026;27-08-2026 10:00;27-08-2026 11:00;a.bakker;h.vos;;",  # good, local+zone
        "IC-01;08-2026;28-08-2026 10:00;28-08-2026 11:00;a.bakker;h.vos;;",  # duplicate
        "IC-02;2026-13;27-08-2026;27-08-2026;a.bakker;;;",  # month 13
        "IC-03;08-2026;31-02-2026;02-03-2026;r.jansen;;;",  # no such date
        "IC-04;08-2026;27-08-2026;26-08-2026;r.jansen;;;",  # recorded before executed
        "IC-05;08-2026;27-08-2026;;r.jansen;;;",  # never recorded
        "IC-06;08-2026;27-08-2026;28-08-2026;;;;",  # executed by nobody
        ";08-2026;27-08-2026;28-08-2026;x;;;",  # no control id
        "IC-07;2026;2026-09-01T10:00:00Z;2026-09-01;r.jansen;;;",  # yearly, ISO with zone
        "IC-08;08-2026;;30-09-2026 11:00;;;;niet uitgevoerd",  # not executed: kept
        "IC-09;08-2026;27-08-2026;28-08-2026;r.jansen;;",  # a field short
    ]
    data = _collect(tmp_path, rows, timezone="Europe/Amsterdam")
    rejected = {r["row"]: r for r in data["rejected"]}
    assert data["counts"] == {"read": 11, "used": 3, "rejected": 8}
    assert all(r["file"] == "controles.csv" and r["line"] == r["row"] + 1
               for r in data["rejected"])
    assert "duplicate" in rejected[2]["reason"] and "row 1" in rejected[2]["reason"]
    assert rejected[2]["control"] == "IC-01" and rejected[2]["period"] == "2026-08"
    assert "period '2026-13'" in rejected[3]["reason"]
    assert "'31-02-2026' matches none of the date formats" in rejected[4]["reason"]
    assert "before executed_at" in rejected[5]["reason"]
    assert "recorded_at is empty" in rejected[6]["reason"]
    assert "executed_by is empty" in rejected[7]["reason"]
    assert "control id is empty" in rejected[8]["reason"]
    assert "7 fields" in rejected[11]["reason"]
    used = {e["control"]: e for e in data["executions"]}
    assert used["IC-01"]["executed_at"] == "2026-08-27T10:00:00+02:00"
    assert used["IC-07"]["period"] == "2026" and used["IC-07"]["recorded_at"] == "2026-09-01"
    assert used["IC-08"]["executed_at"] is None


def test_a_time_without_zone_is_rejected_unless_the_config_names_the_zone(
        tmp_path: Path) -> None:
    rows = ["IC-01;08-2026;27-08-2026 10:00;27-08-2026 11:00;a.bakker;h.vos;;",
            "IC-02;08-2026;27-08-2026;27-08-2026;a.bakker;;;"]  # dates only: no zone needed
    data = _collect(tmp_path, rows)
    assert data["counts"]["rejected"] == 1
    reason = data["rejected"][0]["reason"]
    assert data["rejected"][0]["row"] == 1 and "no time zone" in reason and "timezone" in reason
    assert data["executions"][0]["executed_at"] == "2026-08-27"


def test_unreadable_export_is_an_evidence_error_not_an_empty_log(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, demo_csv(), timezone="Europe/Amsterdam"))
    (tmp_path / "controles.csv").unlink()
    doc = controls_log.collect(config.controls)
    assert doc.status == "error" and doc.errors[0]["part"] == "file"
    assert "cannot read the export" in doc.errors[0]["message"]


@pytest.mark.parametrize(("options", "header", "needle", "line_key"), [
    ({"timezone": "Mars/Olympus"}, None, "unknown time zone", '"timezone"'),
    ({"period_formats": ["%m"]}, None, "has no year", '"%m"'),
    ({}, ["Beheersmaatregel", "Periode"], "required column(s) missing", None),
])
def test_broken_config_or_export_is_exit_2_with_file_and_line(tmp_path: Path, options: dict,
                                                              header: list[str] | None,
                                                              needle: str,
                                                              line_key: str | None) -> None:
    text = demo_csv() if header is None else ";".join(header) + "\nIC-01;08-2026\n"
    config = write_config(tmp_path, text, **options)
    # one key per line, so that an error can name its line
    config.write_text(json.dumps(json.loads(config.read_text()), indent=1))
    run = gitc("collect", "--config", config, "--out", tmp_path / "ev")
    assert run.code == 2, run.output
    assert needle in run.stderr and "Traceback" not in run.output
    if line_key:
        line = next(i for i, text in enumerate(config.read_text().splitlines(), 1)
                    if line_key in text)
        assert f"{config}:{line}:" in run.stderr
    else:
        assert "controles.csv" in run.stderr and "executed_at" in run.stderr
    assert not (tmp_path / "ev").exists()


def test_unknown_column_mapping_is_refused_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "gitc-agent.yaml"
    (tmp_path / "log.csv").write_text(demo_csv())
    config.write_text("controls:\n  log:\n    file: log.csv\n    columns:\n"
                      "      control: Beheersmaatregel\n      executor: Uitgevoerd door\n")
    with pytest.raises(InputError) as info:
        load_config(config)
    assert "unknown field(s) executor" in str(info.value) and info.value.line == 4


def test_a_json_export_with_its_own_field_names_is_read_the_same_way(tmp_path: Path) -> None:
    records = {"items": [
        {"ControlId": "IC-03", "Period": "2026-08", "Done": "2026-09-04T10:00:00+02:00",
         "Logged": "2026-09-09T08:00:00+02:00", "By": "r.jansen", "Reviewer": "l.meijer"},
        {"ControlId": "IC-03", "Period": "2026-09", "Done": "2026-10-06T10:00:00",
         "Logged": "2026-10-06T11:00:00+02:00", "By": "r.jansen", "Reviewer": None},
    ]}
    (tmp_path / "log.json").write_text(json.dumps(records))
    columns = {"control": "ControlId", "period": "Period", "executed_at": "Done",
               "recorded_at": "Logged", "executed_by": "By", "reviewed_by": "Reviewer"}
    (tmp_path / "gitc-agent.yaml").write_text(json.dumps({"controls": {"log": {
        "file": "log.json", "json_records": "items", "columns": columns}}}))
    config = load_config(tmp_path / "gitc-agent.yaml")
    data = controls_log.collect(config.controls).data
    assert data["source"]["format"] == "json"
    assert data["counts"] == {"read": 2, "used": 1, "rejected": 1}
    assert data["executions"][0]["recorded_at"] == "2026-09-09T08:00:00+02:00"
    assert data["rejected"][0]["row"] == 2 and "no time zone" in data["rejected"][0]["reason"]
