"""The `db` collector and the db.* checks against a real PostgreSQL 15 with pgaudit and TLS.

The lab (tests/lab/postgres_lab.py) seeds: bob SUPERUSER; alice → dba_team → dba_admins
(SUPERUSER); carol in dba_admins WITH ADMIN OPTION; app_kassa with an MD5 password and an md5
pg_hba line; olduser under a `password` line; pgaudit logging write, ddl, role.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gitc_agent.collectors.db import postgres
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.settings.credentials import Secret
from gitc_agent.settings.db_config import DatabaseServer
from tests.db_helpers import by_subject, run
from tests.lab.postgres_lab import ADMIN_PASSWORD, READER_PASSWORD, PostgresLab, wait_closed

pytestmark = pytest.mark.postgres
APPROVED = [{"member": "postgres", "role": "superuser", "until": "2027-12-31",
             "approved_by": "CISO"},
            {"member": "gitc_super", "role": "superuser", "until": "2027-12-31",
             "approved_by": "CISO"},
            {"member": "alice", "role": "dba_team", "until": "2026-01-31",
             "approved_by": "Hoofd DBA"}]


def server(lab: PostgresLab, user: str = "gitc_super", password: str = ADMIN_PASSWORD,
           **extra) -> DatabaseServer:
    values = {"name": "pg-lab", "engine": "postgresql", "host": lab.address, "port": lab.port,
              "user": user, "secret": Secret(password, "test"), "ca_file": lab.ca_file,
              **extra}
    return DatabaseServer(**values)


def collect(lab: PostgresLab, **kw) -> EvidenceDoc:
    return postgres.collect(server(lab, **kw), {"alice": "a.brouwer"})


def test_full_read_records_roles_memberships_hba_and_audit(postgres_lab: PostgresLab) -> None:
    doc = collect(postgres_lab)
    assert doc.errors == []
    data = doc.data
    roles = {p["name"]: p for p in data["principals"]}
    assert roles["bob"]["superuser"] is True and roles["alice"]["superuser"] is False
    assert roles["app_kassa"]["password_hash"] == "md5"
    assert roles["alice"]["password_hash"] == "scram-sha-256"
    assert roles["olduser"]["password_hash"] == "none"
    assert roles["carol"]["valid_until"].startswith("2030-01-01")
    edges = {(m["member"], m["role"]): m["admin_option"] for m in data["memberships"]}
    assert edges[("alice", "dba_team")] is False and edges[("dba_team", "dba_admins")] is False
    assert edges[("carol", "dba_admins")] is True
    methods = {r["line"]: r["auth_method"] for r in data["hba_rules"]}
    assert sorted(methods.values()) == ["md5", "password", "scram-sha-256", "trust"]
    assert data["audit"]["loaded"] is True
    assert data["audit"]["log_classes"] == ["ddl", "role", "write"]
    assert data["server"]["tls"] == {"sslmode": "verify-full", "in_use": True}
    assert {d["name"]: d["owner"] for d in data["databases"]}["kassa"] == "kassa_owner"
    text = json.dumps(doc.to_dict())
    assert ADMIN_PASSWORD not in text and "SCRAM-SHA-256$" not in text and "md5" + "0" not in text


def test_verdicts_on_the_seeded_server(postgres_lab: PostgresLab, tmp_path: Path) -> None:
    doc = collect(postgres_lab)
    res = run([doc], tmp_path, shared={"db_approved": APPROVED})
    members = by_subject(res["db.privileged.unapproved_member"])
    assert members["db:pg-lab/role:superuser/member:bob"] == "fail"
    assert members["db:pg-lab/role:superuser/member:carol"] == "fail"
    assert members["db:pg-lab/role:superuser/member:postgres"] == "pass"
    assert members["db:pg-lab/role:superuser/member:alice"] == "pass"  # via dba_team approval
    alice = next(r for r in res["db.privileged.unapproved_member"] if r.subject.endswith(":alice"))
    assert alice.evidence["path"] == "alice → dba_team → dba_admins"
    assert "alice" not in {s.rsplit(":", 1)[1] for s in members if "dba_admins" in s}
    expired = by_subject(res["db.privileged.approval_expired"])
    assert expired["db:pg-lab/approval:dba_team/alice"] == "fail"
    assert expired["db:pg-lab/approval:superuser/postgres"] == "pass"
    pw = {s.rsplit(":", 1)[1]: st for s, st in by_subject(res["db.logins.password_policy"]).items()}
    assert pw["app_kassa"] == "fail" and pw["olduser"] == "fail" and pw["postgres"] == "fail"
    assert pw["alice"] == "pass" and pw["bob"] == "pass"
    assert pw["pg-lab#password_encryption"] == "pass"
    kassa = next(r for r in res["db.logins.password_policy"] if r.subject.endswith(":app_kassa"))
    assert "MD5" in kassa.message and "line 3" in kassa.message
    assert by_subject(res["db.audit.enabled"]) == {"db:pg-lab": "pass"}


def test_reader_without_superuser_is_error_for_what_it_cannot_see(
        postgres_lab: PostgresLab, tmp_path: Path) -> None:
    doc = collect(postgres_lab, user="gitc_reader", password=READER_PASSWORD)
    parts = {e["part"] for e in doc.errors}
    assert parts == {"password_hashes", "hba"}
    assert "permission denied" in doc.error_for("password_hashes")
    res = run([doc], tmp_path)
    pw = by_subject(res["db.logins.password_policy"])
    logins = {s: st for s, st in pw.items() if "/login:" in s}
    assert logins and set(logins.values()) == {"error"}
    # what it could read is still judged
    assert by_subject(res["db.privileged.unapproved_member"])[
        "db:pg-lab/role:superuser/member:bob"] == "fail"
    assert by_subject(res["db.audit.enabled"]) == {"db:pg-lab": "pass"}


def test_wrong_password_is_a_connection_error_without_the_secret(
        postgres_lab: PostgresLab, tmp_path: Path) -> None:
    wrong = "Not-The-Passw0rd-xyz"
    doc = collect(postgres_lab, password=wrong)
    assert doc.data == {} and doc.errors[0]["part"] == "connection"
    assert "password authentication failed" in doc.errors[0]["message"]
    assert wrong not in json.dumps(doc.to_dict())
    res = run([doc], tmp_path)
    for check, results in res.items():
        assert [r.status.value for r in results] == ["error"], check
        assert all(wrong not in r.message for r in results)


def test_certificate_is_validated_by_default(postgres_lab: PostgresLab, tmp_path: Path) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(Path("/etc/ssl/certs/ca-certificates.crt").read_bytes()
                      if Path("/etc/ssl/certs/ca-certificates.crt").exists() else b"")
    doc = postgres.collect(server(postgres_lab, ca_file=other), {})
    assert doc.errors and doc.errors[0]["part"] == "connection"
    assert "certificate" in doc.errors[0]["message"].lower()


def test_unreachable_server_is_error(postgres_lab: PostgresLab) -> None:
    lab = PostgresLab(postgres_lab.address)
    lab.port = postgres_lab.port + 1 if postgres_lab.port < 65535 else 1
    wait_closed(lab.address, lab.port, 0.1)
    doc = postgres.collect(server(lab, ca_file=postgres_lab.ca_file), {})
    assert doc.errors[0]["part"] == "connection" and doc.data == {}


def test_role_override_of_pgaudit_fails_the_audit(postgres_lab: PostgresLab,
                                                  tmp_path: Path) -> None:
    postgres_lab.execute("ALTER ROLE app_kassa SET pgaudit.log = 'none'")
    try:
        doc = collect(postgres_lab)
    finally:
        postgres_lab.execute("ALTER ROLE app_kassa RESET pgaudit.log")
    assert doc.data["audit"]["overrides"] == [
        {"database": "*", "role": "app_kassa", "setting": "pgaudit.log", "value": "none"}]
    result = run([doc], tmp_path)["db.audit.enabled"][0]
    assert result.status.value == "fail" and "role app_kassa" in result.message


@pytest.fixture(scope="module")
def no_pgaudit() -> PostgresLab:
    lab = PostgresLab(os.environ.get("GITC_LAB_ADDRESS", "127.0.0.2"), pgaudit=False)
    lab.start()
    yield lab
    lab.stop()


def test_pgaudit_not_loaded_fails_the_audit_check(no_pgaudit: PostgresLab,
                                                  tmp_path: Path) -> None:
    doc = collect(no_pgaudit)
    assert doc.errors == [] and doc.data["audit"]["loaded"] is False
    result = run([doc], tmp_path)["db.audit.enabled"][0]
    assert result.status.value == "fail"
    assert "pgaudit is not in shared_preload_libraries" in result.message


def test_scan_end_to_end(postgres_lab: PostgresLab, tmp_path: Path) -> None:
    """`gitc-agent scan` with a databases: section: the db results in the report, the secret in
    no file it wrote; exit 3, because without an `ad:` section who a login belongs to is unknown."""
    (tmp_path / "ca.pem").write_bytes(postgres_lab.ca_file.read_bytes())
    (tmp_path / "gitc-agent.yaml").write_text(
        "databases:\n  servers:\n"
        f"    - {{name: pg-lab, engine: postgresql, host: '{postgres_lab.address}', "
        f"port: {postgres_lab.port}, user: gitc_super, password: {{env: GITC_TEST_DB_PW}}, "
        "ca_file: ca.pem}\n"
        "output:\n  dir: out\n")
    from tests.db_helpers import policy_file

    policy = policy_file(tmp_path, shared={"db_approved": APPROVED})
    env = {**os.environ, "GITC_TEST_DB_PW": ADMIN_PASSWORD}
    done = subprocess.run([sys.executable, "-m", "gitc_agent", "scan", "--config",
                           str(tmp_path / "gitc-agent.yaml"), "--policy", str(policy),
                           "--format", "json,csv", "--lang", "en"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "db.logins.orphaned" in done.stdout and "Run INCOMPLETE" in done.stdout
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    status = {(r["check"], r["subject"]): r["status"] for r in report["results"]}
    assert status[("db.privileged.unapproved_member",
                   "db:pg-lab/role:superuser/member:bob")] == "fail"
    assert status[("db.audit.enabled", "db:pg-lab")] == "pass"
    assert status[("db.logins.orphaned", "db:pg-lab/login:alice")] == "error"
    for path in (tmp_path / "out").rglob("*"):
        if path.is_file():
            assert ADMIN_PASSWORD.encode() not in path.read_bytes(), path
    assert ADMIN_PASSWORD not in done.stdout + done.stderr
