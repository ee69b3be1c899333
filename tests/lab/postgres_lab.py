"""A throwaway PostgreSQL 15 server with pgaudit on a loopback address, for tests against a real
database.

Why: the `db` collector must be tested against a real catalog (pg_roles, pg_auth_members,
pg_hba_file_rules, pg_authid permissions, TLS with certificate validation), not a mock. The
server listens only on its own loopback address (GITC_LAB_ADDRESS, like the Samba lab) and a
socket inside its folder, so it never collides with anything else on the machine. initdb refuses
root, so under root (CI) the server runs as the `postgres` system user (Debian's package creates
it) through `runuser`; otherwise as the current user. initdb and start take about two seconds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DEBIAN_PACKAGES = ("postgresql-15", "postgresql-15-pgaudit")
BIN = Path("/usr/lib/postgresql/15/bin")
SUPERUSER = "postgres"
ADMIN_PASSWORD = "Lab-Pg-Super-Passw0rd!"  # gitc_super: the collector's full-read account
READER_PASSWORD = "Lab-Pg-Reader-Passw0rd!"  # gitc_reader: no superuser, denied pg_authid

#: Roles, memberships and hba rules the lab seeds; tests assert the verdicts these must give.
SEED_SQL = """
CREATE ROLE gitc_super LOGIN SUPERUSER PASSWORD '{admin}';
CREATE ROLE gitc_reader LOGIN PASSWORD '{reader}';
GRANT pg_read_all_settings TO gitc_reader;
CREATE ROLE dba_admins NOLOGIN SUPERUSER;
CREATE ROLE dba_team NOLOGIN;
GRANT dba_admins TO dba_team;
CREATE ROLE alice LOGIN PASSWORD 'Alice-Passw0rd-123';
GRANT dba_team TO alice;
CREATE ROLE bob LOGIN SUPERUSER PASSWORD 'Bob-Passw0rd-123';
CREATE ROLE carol LOGIN CREATEROLE PASSWORD 'Carol-Passw0rd-123' VALID UNTIL '2030-01-01';
GRANT dba_admins TO carol WITH ADMIN OPTION;
SET password_encryption = 'md5';
CREATE ROLE app_kassa LOGIN PASSWORD 'Kassa-App-Passw0rd';
RESET password_encryption;
CREATE ROLE olduser LOGIN;
CREATE ROLE kassa_owner NOLOGIN;
CREATE DATABASE kassa OWNER kassa_owner;
"""

HBA = """\
# TYPE  DATABASE  USER         ADDRESS            METHOD
local   all       postgres                        trust
hostssl all       app_kassa    {address}/32       md5
host    all       olduser      10.0.0.0/8         password
hostssl all       all          {address}/32       scram-sha-256
"""


class PostgresLabError(RuntimeError):
    """The lab could not be initialised, started or seeded."""


def missing_programs() -> list[str]:
    return [p for p in ("initdb", "pg_ctl", "postgres")
            if not (BIN / p).exists()] + ([] if (Path("/usr/lib/postgresql/15/lib/pgaudit.so")
                                                  .exists()) else ["pgaudit.so"])


def _free_port(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def _write_tls(folder: Path, address: str) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for `address` (an IP SAN: verify-full checks it)."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gitc-agent pg lab CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, address)]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(address))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.crt", folder / "server.key"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


class PostgresLab:
    """One server: `start()`, connect as `gitc_super` / `gitc_reader` over TLS, `stop()`."""

    def __init__(self, address: str = "127.0.0.2", pgaudit: bool = True):
        self.address = address
        self.pgaudit = pgaudit
        self.port = 0
        self.root = Path(tempfile.mkdtemp(prefix="gitc-pglab-"))
        self.data = self.root / "data"
        self.tls = self.root / "tls"
        self.ca_file = self.tls / "ca.pem"
        self.log_dir = self.data / "log"
        self._as_postgres = os.geteuid() == 0

    # -- running programs as the server's user ------------------------------------------------
    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        cmd = [str(a) for a in args]
        if self._as_postgres:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            cmd = [runuser, "-u", SUPERUSER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if done.returncode != 0:
            raise PostgresLabError(f"{' '.join(cmd)} failed ({done.returncode}): "
                                   f"{done.stderr.strip() or done.stdout.strip()}")
        return done

    def _own(self, *paths: Path) -> None:
        if self._as_postgres:
            user = pwd.getpwnam(SUPERUSER)
            for p in paths:
                os.chown(p, user.pw_uid, user.pw_gid)

    def start(self) -> None:
        missing = missing_programs()
        if missing:
            raise PostgresLabError(f"missing {', '.join(missing)}; install Debian packages: "
                                   f"{' '.join(DEBIAN_PACKAGES)}")
        self._own(self.root)
        self.tls.mkdir()
        _write_tls(self.tls, self.address)
        self._own(self.tls, *self.tls.iterdir())
        pwfile = self.root / "pw"
        pwfile.write_text(ADMIN_PASSWORD)
        self._own(pwfile)
        self._run(BIN / "initdb", "-D", self.data, "-U", SUPERUSER, "--pwfile", pwfile,
                  "-A", "scram-sha-256", "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8")
        pwfile.unlink()
        self.port = _free_port(self.address)
        conf = [
            f"listen_addresses = '{self.address}'", f"port = {self.port}",
            f"unix_socket_directories = '{self.data}'",
            "ssl = on", f"ssl_cert_file = '{self.tls / 'server.crt'}'",
            f"ssl_key_file = '{self.tls / 'server.key'}'",
            "password_encryption = 'scram-sha-256'", "log_connections = on",
            "logging_collector = on", "log_destination = 'csvlog'", "log_directory = 'log'",
            "fsync = off", "shared_buffers = 16MB",
        ]
        if self.pgaudit:
            conf += ["shared_preload_libraries = 'pgaudit'", "pgaudit.log = 'write, ddl, role'",
                     "pgaudit.log_relation = on"]
        with (self.data / "postgresql.conf").open("a") as f:
            f.write("\n".join(conf) + "\n")
        (self.data / "pg_hba.conf").write_text(HBA.format(address=self.address))
        self._own(self.data / "pg_hba.conf")
        self._run(BIN / "pg_ctl", "-D", self.data, "-l", self.root / "server.log", "-w",
                  "-t", "30", "start")
        self._seed()

    def _seed(self) -> None:
        import psycopg

        sql = SEED_SQL.format(admin=ADMIN_PASSWORD, reader=READER_PASSWORD)
        with psycopg.connect(host=str(self.data), port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as conn:
            for statement in (s.strip() for s in sql.split(";")):
                if statement:
                    conn.execute(statement)
            if self.pgaudit:
                conn.execute("CREATE EXTENSION pgaudit")

    def execute(self, *statements: str, dbname: str = "postgres") -> None:
        """Run statements as the bootstrap superuser over the lab's socket (test setup only)."""
        import psycopg

        with psycopg.connect(host=str(self.data), port=self.port, user=SUPERUSER,
                             dbname=dbname, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)

    def stop(self) -> None:
        with contextlib.suppress(PostgresLabError, subprocess.TimeoutExpired):
            if (self.data / "postmaster.pid").exists():
                self._run(BIN / "pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop",
                          timeout=30)
        shutil.rmtree(self.root, ignore_errors=True)


def wait_closed(address: str, port: int, seconds: float = 5) -> None:
    """Until nothing answers on the port (a stopped server, for the unreachable test)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        with socket.socket() as s:
            if s.connect_ex((address, port)) != 0:
                return
        time.sleep(0.05)
