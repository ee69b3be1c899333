"""datafix.audit_log from the result set of the shipped SQL Server Audit script (recorded data:
no SQL Server runs here): preset columns and action ids give the verdicts of the export; an
action id the preset does not know is reported as unrecognised until the config maps it."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from gitc_agent.core.results import Status
from gitc_agent.settings.audit_log_formats import SQLSERVER_COLUMNS
from tests.datafix_exports import FMT, generate
from tests.test_pgaudit_log import pg_config as _pg_config
from tests.test_pgaudit_log import results

SCRIPT = Path(__file__).resolve().parent.parent / "gitc_agent/collectors/datafix/sqlserver_audit.sql"
ACTIONS = {"INSERT": "IN", "UPDATE": "UP", "DELETE": "DL", "SELECT": "SL"}
HEADER = ["event_time", "action_id", "server_principal_name", "database_name", "object_name",
          "session_id", "ticket_ref"]


def _result_set(source: Path, target: Path, extra: list[list[str]] = ()) -> None:
    """The generated log as the script's result set (times ISO with offset, action ids)."""
    zone = ZoneInfo("Europe/Amsterdam")
    with open(source, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))[1:]
    with open(target, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        for when, principal, action, obj, ref, database, session in rows:
            at = datetime.strptime(when, FMT).replace(tzinfo=zone).isoformat()
            writer.writerow([at, ACTIONS[action], principal, database, obj, session, ref])
        writer.writerows(extra)


def pg_config(lab, block: str) -> str:
    """The lab's config with this audit-log block; the script writes ISO 8601 times."""
    return _pg_config(lab, block).replace('"%d-%m-%Y"]', '"%d-%m-%Y", "iso"]')


BLOCK = "  audit_log:\n    file: sql-audit.csv\n    log_format: sqlserver_audit\n"


def test_the_script_selects_the_preset_columns_and_no_statement_text() -> None:
    text = SCRIPT.read_text()
    header = next(line for line in text.splitlines() if line.startswith("-- Header:"))
    assert header.split(":", 1)[1].strip().split(";") == HEADER
    assert set(SQLSERVER_COLUMNS.values()) == set(HEADER)
    select = text.split("SELECT", 1)[1].split("FROM sys.fn_get_audit_file")[0]
    assert "statement" not in select.replace("'", "")


def test_result_set_gives_the_verdicts_of_the_export(tmp_path: Path) -> None:
    lab = generate(tmp_path / "x", tickets=1200, app_lines=2000, seed=9)
    _result_set(lab.files["audit_log"], lab.folder / "sql-audit.csv")
    export, _ = results(lab, tmp_path, pg_config(lab, BLOCK.replace("sqlserver_audit", "export")
                                                 .replace("sql-audit.csv", "audit.csv")
                                                 + "    columns: {statement: action, "
                                                   "timestamp: event_time, principal: "
                                                   "server_principal_name, object: object_name,"
                                                   " ticket: ticket_ref, database: database_name}"
                                                   "\n"))
    sql, docs = results(lab, tmp_path, pg_config(lab, BLOCK))
    assert sql == export
    log = next(d for d in docs if d.kind == "datafix.audit_log")
    assert log.data["source"]["statement_map"]["UP"] == "UPDATE"
    assert {k for k, s in sql.items() if s is Status.FAIL and k[0] == "datafix.log.unticketed"}


def test_an_unknown_action_id_is_unrecognised_until_mapped(tmp_path: Path) -> None:
    lab = generate(tmp_path / "x", tickets=1200, app_lines=500, seed=9)
    audit_change = ["2025-03-01T10:00:00+01:00", "AUSC", "CORP\\adm-zsmit", "KASSA", "", "60", ""]
    _result_set(lab.files["audit_log"], lab.folder / "sql-audit.csv", [audit_change])
    unmapped, _ = results(lab, tmp_path, pg_config(lab, BLOCK))
    assert unmapped[("datafix.log.unticketed", "export:datafix.audit_log")] is Status.ERROR
    mapped, _ = results(lab, tmp_path, pg_config(lab, BLOCK + "    statement_map: {AUSC: SET}\n"))
    assert ("datafix.log.unticketed", "export:datafix.audit_log") not in mapped
