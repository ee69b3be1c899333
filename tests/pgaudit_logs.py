"""Write the generated audit log (tests/datafix_exports.py) as PostgreSQL csvlog lines of pgaudit.

Why: the same change population in both forms lets a test prove that reading pgaudit gives the
verdicts the export gives. The lines look like PostgreSQL 15's: no header, 26 columns, times
with the log_timezone abbreviation (CET/CEST), the ticket reference in application_name, the
statement text (with a password in it) in the message, and connection lines that are not audit.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.datafix_exports import FMT, Lab

ZONE = ZoneInfo("Europe/Amsterdam")
SECRET = "Geheim-Wachtw00rd!"
CLASSES = {"SELECT": "READ", "INSERT": "WRITE", "UPDATE": "WRITE", "DELETE": "WRITE"}


def csvlog_line(at: datetime, user: str, database: str, message: str, app: str = "",
                session: str = "65a1b2c3.1f40") -> list[str]:
    stamp = at.strftime("%Y-%m-%d %H:%M:%S.") + f"{at.microsecond // 1000:03d} {at.tzname()}"
    return [stamp, user, database, "8000", "127.0.0.1:50000", session, "1", "UPDATE", stamp,
            "3/7", "0", "LOG", "00000", message, "", "", "", "", "", "", "", "", app,
            "client backend", "", "0"]


def audit_message(klass: str, command: str, obj: str, statement: str) -> str:
    return f"AUDIT: SESSION,1,1,{klass},{command},TABLE,{obj},\"{statement}\",<not logged>"


def write_csvlog(lab: Lab, path: Path) -> int:
    """The lab's audit.csv as a csvlog file; returns the number of non-audit lines added."""
    with open(lab.files["audit_log"], encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))[1:]
    extra = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for i, (when, principal, action, obj, ref, database, session) in enumerate(rows):
            at = datetime.strptime(when, FMT).replace(tzinfo=ZONE)
            statement = (f"{action} {obj} SET note = 'x'; ALTER ROLE {principal} PASSWORD "
                         f"'{SECRET}'")
            writer.writerow(csvlog_line(at, principal, database, audit_message(
                CLASSES[action], action, obj, statement), ref, session))
            if i % 1000 == 0:
                writer.writerow(csvlog_line(at, principal, database,
                                            f"connection authorized: user={principal}"))
                extra += 1
    return extra
