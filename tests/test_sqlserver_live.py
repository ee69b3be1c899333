"""SQL Server read live (pymssql / FreeTDS): the shipped script's result sets mapped by the same
code as the DBA's hand-over, TLS validated by default, and every way the server can fail to
answer (refused, not TDS, silent) an `error` with the reason, the secret nowhere.

No SQL Server runs here. What is real: pymssql's FreeTDS connecting to a port nobody listens on,
to the PostgreSQL lab (a TCP peer that speaks another protocol), to a socket that closes at
once and to one that never answers (the timeout). What is replayed: the server's answer, from
the recorded result sets in tests/data/db/, through the DB-API cursor protocol pymssql gives.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gitc_agent.collectors.db import sqlserver_live
from gitc_agent.collectors.db.result_sets import read_result_sets
from gitc_agent.collectors.db.sqlserver import map_result_sets
from gitc_agent.settings.credentials import Secret
from gitc_agent.settings.db_config import DatabaseServer
from tests.db_helpers import DATA

SECRET = "Sql-Live-Secr3t-Passw0rd!"
ADDRESS = os.environ.get("GITC_LAB_ADDRESS", "127.0.0.2")
BITS = {"is_disabled", "is_policy_checked", "is_expiration_checked", "password_set", "orphaned",
        "guest_connect", "enabled"}
LOGIN_MAP = {"kassa_app": "svc-sql01"}


def server(port: int, **extra) -> DatabaseServer:
    values = {"name": "sql-kassa", "engine": "sqlserver", "host": ADDRESS, "port": port,
              "user": "gitc_audit", "secret": Secret(SECRET, "test"), "timeout_seconds": 2,
              **extra}
    return DatabaseServer(**values)


class Replay:
    """A DB-API cursor that answers with recorded result sets, typed as pymssql types them
    (bit -> bool), each after its marker set, in the order the script selects them."""

    def __init__(self, sets: dict[str, list[dict]], order: list[str]) -> None:
        self._sets: list[tuple[list[str], list[tuple]]] = []
        for name in order:
            self._sets.append((["result_set"], [(f"gitc:{name}",)]))
            rows = sets[name]
            header = list(rows[0]) if rows else ["x"]
            self._sets.append((header, [tuple(self._typed(h, r[h]) for h in header)
                                        for r in rows]))
        self._at = 0

    @staticmethod
    def _typed(column: str, value: object) -> object:
        if column in BITS and value is not None:
            return value == "1"
        return value

    @property
    def description(self):
        return [(h, 1, None, None, None, None, None) for h in self._sets[self._at][0]]

    def fetchall(self):
        return list(self._sets[self._at][1])

    def nextset(self):
        self._at += 1
        return True if self._at < len(self._sets) else None


def script_order() -> list[str]:
    return re.findall(r"SELECT 'gitc:(\w+)' AS result_set", sqlserver_live.script())


def test_the_live_route_maps_exactly_what_the_script_route_maps() -> None:
    recorded = read_result_sets(DATA / "sqlserver-catalog.txt")
    live = sqlserver_live.result_sets(Replay(recorded, script_order()))
    assert live == recorded
    assert map_result_sets(live, LOGIN_MAP) == map_result_sets(recorded, LOGIN_MAP)
    assert set(script_order()) == set(recorded)


def test_cells_read_as_sqlcmd_prints_them() -> None:
    import datetime as dt

    assert [sqlserver_live.cell(v) for v in (True, False, None, 7, b"\x01\x05", "S ",
                                            dt.datetime(2026, 1, 2, 3, 4))] == \
        ["1", "0", None, "7", "0x0105", "S", "2026-01-02T03:04:00"]


def test_an_answer_without_markers_is_not_read_as_empty() -> None:
    class Bare(Replay):
        def __init__(self) -> None:
            self._sets, self._at = [(["name"], [("sa",)])], 0

    with pytest.raises(sqlserver_live.ScriptOutputError, match="without the 'gitc:<name>'"):
        sqlserver_live.result_sets(Bare())


class Refused(Exception):
    """Raised the way pymssql raises a server message: args ((number, text),)."""


def test_a_statement_refused_half_way_keeps_what_came_before() -> None:
    recorded = read_result_sets(DATA / "sqlserver-catalog.txt")

    class HalfWay(Replay):
        def execute(self, script: str) -> None:
            assert "gitc:database_users" in script

        def nextset(self):
            if self._at >= 9:  # after five named result sets
                raise Refused((229, b"The SELECT permission was denied on the object "
                                    b"'server_audits', database 'master', schema 'sys'."))
            return super().nextset()

    sets, stopped = sqlserver_live.run_script(HalfWay(recorded, script_order()), Refused)
    assert list(sets) == script_order()[:5] and "SELECT permission was denied" in stopped
    _, errors = map_result_sets(sets, LOGIN_MAP)
    assert {e["part"] for e in errors} >= {"audit", "databases"}  # each missing set is an error

    class Dropped(HalfWay):
        def nextset(self):
            raise Refused((20047, b"DBPROCESS is dead or not enabled"))

    with pytest.raises(Refused):  # a client-side (DB-Lib) error: the connection is gone
        sqlserver_live.run_script(Dropped(recorded, script_order()), Refused)


def test_tls_is_required_and_validated_by_default(tmp_path: Path) -> None:
    conf = sqlserver_live.freetds_conf(server(1433))
    assert "encryption = require" in conf and "ca file = system" in conf
    assert "check certificate hostname = yes" in conf and SECRET not in conf
    ca = tmp_path / "ca.pem"
    conf = sqlserver_live.freetds_conf(server(1433, ca_file=ca, sslmode="verify-ca"))
    assert f"ca file = {ca}" in conf and "check certificate hostname = no" in conf
    lax = sqlserver_live.freetds_conf(server(1433, sslmode="require", allow_unvalidated_tls=True))
    assert "ca file" not in lax and "encryption = require" in lax


@pytest.mark.parametrize("bad", [{"host": "sql01\n  dump file = /tmp/x"},
                                 {"host": "[gitc-other]"},
                                 {"ca_file": Path("/tmp/ca.pem\n  ca file = none")}])
def test_nothing_from_the_config_can_add_lines_to_the_freetds_conf(bad: dict) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="host name or IP address"):
        server(1433, **bad)


def _config(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    (tmp_path / "gitc-agent.yaml").write_text(
        "databases:\n  servers:\n" + body + "output:\n  dir: out\n")
    return subprocess.run([sys.executable, "-m", "gitc_agent", "collect", "--config",
                           str(tmp_path / "gitc-agent.yaml"), "--out", str(tmp_path / "ev")],
                          cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "GITC_TEST_SQL_PW": SECRET})


def test_weak_tls_without_opt_in_and_half_configured_servers_are_exit_2(tmp_path: Path) -> None:
    weak = _config(tmp_path, "    - {name: sql-kassa, engine: sqlserver, host: sql01, user: a, "
                             "password: {env: GITC_TEST_SQL_PW}, sslmode: require}\n")
    assert weak.returncode == 2 and "allow_unvalidated_tls" in weak.stderr + weak.stdout
    both = _config(tmp_path, "    - {name: sql-kassa, engine: sqlserver, host: sql01, user: a, "
                             "password: {env: GITC_TEST_SQL_PW}, result_sets: x.txt}\n")
    assert both.returncode == 2 and "not both" in both.stderr + both.stdout
    neither = _config(tmp_path, "    - {name: sql-kassa, engine: sqlserver}\n")
    assert neither.returncode == 2 and "read live" in neither.stderr + neither.stdout
    for done in (weak, both, neither):
        assert "Traceback" not in done.stderr and SECRET not in done.stdout + done.stderr


# --- the real driver against peers that are not a SQL Server --------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((ADDRESS, 0))
        return s.getsockname()[1]


@pytest.fixture
def peer(request) -> Iterator[int]:
    """A TCP peer on the lab address: `close` hangs up after the first packet, `silent` accepts
    and never answers, `junk` answers with HTTP."""
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((ADDRESS, 0))
    listener.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            if request.param == "silent":
                held.append(conn)
                continue
            conn.recv(4096)
            if request.param == "junk":
                conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


def _assert_connection_error(doc, reason: str, caplog, capfd) -> None:
    assert doc.data == {} and [e["part"] for e in doc.errors] == ["connection"]
    assert re.search(reason, doc.errors[0]["message"], re.I), doc.errors[0]["message"]
    out, err = capfd.readouterr()
    assert SECRET not in json.dumps(doc.to_dict()) + out + err + caplog.text


def test_nobody_listening_is_a_connection_error(caplog, capfd) -> None:
    caplog.set_level(logging.DEBUG)
    doc = sqlserver_live.collect(server(_free_port()), LOGIN_MAP)
    _assert_connection_error(doc, "connection refused", caplog, capfd)


@pytest.mark.parametrize("peer", ["close", "junk"], indirect=True)
def test_a_peer_that_is_not_tds_is_a_connection_error(peer: int, caplog, capfd) -> None:
    caplog.set_level(logging.DEBUG)
    doc = sqlserver_live.collect(server(peer), LOGIN_MAP)
    _assert_connection_error(doc, "unexpected EOF|connection failed", caplog, capfd)


@pytest.mark.parametrize("peer", ["silent"], indirect=True)
def test_a_silent_peer_times_out(peer: int, caplog, capfd) -> None:
    started = time.monotonic()
    doc = sqlserver_live.collect(server(peer, timeout_seconds=2), LOGIN_MAP)
    took = time.monotonic() - started
    _assert_connection_error(doc, "timed out", caplog, capfd)
    assert took < 30  # the login timeout holds, not FreeTDS's default of 60 s per attempt


@pytest.mark.postgres
def test_the_postgresql_lab_port_is_not_a_sql_server(postgres_lab, caplog, capfd) -> None:
    doc = sqlserver_live.collect(server(postgres_lab.port, host=postgres_lab.address), LOGIN_MAP)
    _assert_connection_error(doc, "unexpected EOF|connection failed|timed out", caplog, capfd)


@pytest.mark.parametrize("peer", ["close"], indirect=True)
def test_collect_end_to_end_is_incomplete_and_keeps_the_secret_out(peer: int,
                                                                    tmp_path: Path) -> None:
    from tests.db_helpers import policy_file

    (tmp_path / "gitc-agent.yaml").write_text(
        "databases:\n  servers:\n"
        f"    - {{name: sql-kassa, engine: sqlserver, host: '{ADDRESS}', port: {peer}, "
        "user: gitc_audit, password: {env: GITC_TEST_SQL_PW}, timeout_seconds: 3}\n"
        "output:\n  dir: out\n")
    done = subprocess.run([sys.executable, "-m", "gitc_agent", "scan", "--config",
                           str(tmp_path / "gitc-agent.yaml"), "--policy",
                           str(policy_file(tmp_path)), "--log-file", str(tmp_path / "run.log")],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GITC_TEST_SQL_PW": SECRET})
    assert done.returncode == 3, done.stdout + done.stderr
    report = json.loads((tmp_path / "out" / "latest" / "report.json").read_text())
    mine = [r for r in report["results"] if r["check"].startswith("db.")]
    assert mine and all(r["status"] == "error" for r in mine)
    assert any("connection" in r["message"] for r in mine)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    assert SECRET not in done.stdout + done.stderr


# --- TLS for real: FreeTDS against a peer that negotiates TLS inside TDS ---------------------


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path, Path]]:
    from tests.lab.postgres_lab import _write_tls

    out = {}
    for label, address in (("right", ADDRESS), ("other-name", "192.0.2.7")):
        folder = tmp_path_factory.mktemp(f"tls-{label}")
        out[label] = _write_tls(folder, address)  # (ca, cert, key): an IP SAN for the address
    return out


@pytest.mark.parametrize("certificate, extra, outcome", [
    ("right", {}, "failed"),  # default: the system trust store does not know the lab CA
    ("right", {"ca": True}, "login sent"),
    ("other-name", {"ca": True}, "hung up"),  # verify-full: the name is checked
    ("other-name", {"ca": True, "sslmode": "verify-ca"}, "login sent"),
    ("right", {"sslmode": "require", "allow_unvalidated_tls": True}, "login sent"),
], ids=["system-trust", "own-ca", "wrong-name", "wrong-name-verify-ca", "no-validation-opt-in"])
def test_the_certificate_and_host_name_are_validated(certificates, certificate: str, extra: dict,
                                                     outcome: str, caplog, capfd) -> None:
    from tests.tds_tls_peer import TdsTlsPeer

    ca, cert, key = certificates[certificate]
    options = {k: v for k, v in extra.items() if k != "ca"}
    if extra.get("ca"):
        options["ca_file"] = ca
    with TdsTlsPeer(ADDRESS, cert, key) as peer:
        doc = sqlserver_live.collect(server(peer.port, **options), LOGIN_MAP)
        deadline = time.monotonic() + 5
        while not peer.outcomes and time.monotonic() < deadline:
            time.sleep(0.05)
    assert len(peer.outcomes) == 1 and outcome in peer.outcomes[0], peer.outcomes
    _assert_connection_error(doc, "connection failed", caplog, capfd)  # the peer has no login
    if outcome != "login sent":
        assert "certificate may not be trusted" in doc.errors[0]["message"]
