"""Live round trip: statements run on the PostgreSQL lab (pgaudit, csvlog), its log read by the
datafix collector, verdicts asserted; with the DBA's own pgaudit switched off, nothing passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from gitc_agent.collectors.datafix import files as datafix_files
from gitc_agent.collectors.db import postgres
from gitc_agent.core.engine import evaluate
from gitc_agent.core.evidence import EvidenceDoc, EvidenceSet
from gitc_agent.core.policy import load_policy
from gitc_agent.core.registry import discover
from gitc_agent.core.results import Status
from gitc_agent.settings.config import load_config
from gitc_agent.settings.credentials import Secret
from gitc_agent.settings.db_config import DatabaseServer
from tests.lab.postgres_lab import ADMIN_PASSWORD, PostgresLab

pytestmark = pytest.mark.postgres
REGISTRY = discover(use_entry_points=False)
DBA, DBA_PASSWORD = "dba_kees", "Kees-Lab-Passw0rd!"
LEAKED = "Leaked-In-Statement-1!"
UNTICKETED = "datafix.log.unticketed"


def _as_dba(lab: PostgresLab, app: str, *statements: str) -> None:
    with psycopg.connect(host=lab.address, port=lab.port, user=DBA, password=DBA_PASSWORD,
                         dbname="kassa", sslmode="verify-full", sslrootcert=str(lab.ca_file),
                         application_name=app, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)


def _instance(lab: PostgresLab) -> EvidenceDoc:
    return postgres.collect(DatabaseServer(
        name="pg-lab", engine="postgresql", host=lab.address, port=lab.port, user="gitc_super",
        secret=Secret(ADMIN_PASSWORD, "test"), ca_file=lab.ca_file), {})


def _evaluate(lab: PostgresLab, folder: Path, instance: EvidenceDoc) -> dict[str, Status]:
    logs = sorted(lab.log_dir.glob("*.csv"))
    assert logs, "the lab writes no csvlog"
    log = folder / "postgresql.csv"
    log.write_bytes(b"".join(p.read_bytes() for p in logs))  # rotated files, concatenated
    now = datetime.now(UTC)
    start, end = (now - timedelta(hours=1)).isoformat(), (now + timedelta(hours=1)).isoformat()
    (folder / "register.csv").write_text(
        "ticket;requester;approver;approved_at;executor;execution_start;execution_end;"
        "reviewer;reviewed_at;window_start;window_end\n"
        f"DF-LAB-1;j.jansen;a.appel;{(now - timedelta(days=1)).isoformat()};{DBA};{start};"
        f"{end};r.rood;;{start};{end}\n")
    (folder / "gitc-agent.yaml").write_text(
        "datafix:\n  timezone: UTC\n  date_formats: [iso]\n"
        "  register: {file: register.csv}\n"
        "  audit_log: {file: postgresql.csv, log_format: pgaudit, instance: pg-lab,\n"
        "              columns: {ticket: application_name}}\n")
    config = load_config(folder / "gitc-agent.yaml")
    docs = [*datafix_files.collect(config.datafix), instance]
    log_doc = next(d for d in docs if d.kind == "datafix.audit_log")
    assert LEAKED not in str(log_doc.to_dict()) and DBA_PASSWORD not in str(log_doc.to_dict())
    shipped = Path(load_policy("adr-gitc", REGISTRY).source).read_text()
    (folder / "policy.yaml").write_text(shipped.split("\nchecks:")[0]
                                        + f"\nchecks:\n  {UNTICKETED}: {{}}\nexceptions: []\n")
    policy = load_policy(str(folder / "policy.yaml"), REGISTRY)
    results = evaluate(policy, REGISTRY, EvidenceSet(docs), datetime.now(UTC).date())
    return {r.subject: r.status for r in results if r.check == UNTICKETED}


@pytest.fixture
def seeded(postgres_lab: PostgresLab) -> PostgresLab:
    postgres_lab.execute(f"DROP ROLE IF EXISTS {DBA}",
                         f"CREATE ROLE {DBA} LOGIN PASSWORD '{DBA_PASSWORD}'")
    postgres_lab.execute("DROP TABLE IF EXISTS bon", "CREATE TABLE bon (id int, bedrag int)",
                         f"ALTER TABLE bon OWNER TO {DBA}", "INSERT INTO bon VALUES (1, 10), (2, 20)",
                         dbname="kassa")
    yield postgres_lab
    postgres_lab.execute(f"ALTER ROLE {DBA} RESET ALL")
    postgres_lab.execute("DROP TABLE IF EXISTS bon", dbname="kassa")
    postgres_lab.execute(f"DROP ROLE IF EXISTS {DBA}")


def test_ticketed_and_unticketed_changes_from_the_live_log(seeded: PostgresLab,
                                                          tmp_path: Path) -> None:
    _as_dba(seeded, "DF-LAB-1", "UPDATE bon SET bedrag = 11 WHERE id = 1")
    _as_dba(seeded, "DF-LAB-404", f"DELETE FROM bon WHERE id = 2; ALTER ROLE {DBA} PASSWORD "
                                  f"'{LEAKED}'")
    instance = _instance(seeded)
    assert instance.errors == []
    verdicts = _evaluate(seeded, tmp_path, instance)
    day = datetime.now(UTC).date().isoformat()
    assert verdicts[f"session:{DBA}/kassa/{day}"] is Status.FAIL  # the DELETE under DF-LAB-404
    assert "export:datafix.audit_log" not in verdicts


def test_an_audit_switched_off_for_the_dba_makes_nothing_pass(seeded: PostgresLab,
                                                             tmp_path: Path) -> None:
    seeded.execute(f"ALTER ROLE {DBA} SET pgaudit.log = 'ddl'")
    _as_dba(seeded, "", "DELETE FROM bon WHERE id = 2")  # not logged: pgaudit is off for him
    _as_dba(seeded, "DF-LAB-1", "ALTER TABLE bon ADD COLUMN note text")  # ddl: logged
    verdicts = _evaluate(seeded, tmp_path, _instance(seeded))
    assert verdicts["export:datafix.audit_log"] is Status.ERROR
    # the log holds no data change by him: with the audit on that would be a pass
    assert verdicts["log:privileged-changes"] is Status.ERROR
    assert Status.PASS not in verdicts.values()
