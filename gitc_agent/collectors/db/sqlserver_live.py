"""Read one SQL Server live with pymssql (FreeTDS): the shipped catalog script, run as it is, its
result sets mapped by the same code as the DBA's hand-over (`sqlserver.map_result_sets`).

Why the script itself and not queries of our own: one set of SQL is reviewed by the DBA, run by
either route, and yields the same result sets, so one mapping (tested on recorded output)
serves both. Every cell is turned into the text sqlcmd prints (bit 1/0, NULL as None), so the
mapping cannot tell the routes apart.

Why a generated freetds.conf: pymssql exposes only the encryption level; certificate and host
name validation (`ca file`, `check certificate hostname`) are FreeTDS settings. The file is
written owner-only in a private temporary folder, holds no secret, and is named by FREETDSCONF
for the one connection (under a lock, because the variable is process-wide).
"""

from __future__ import annotations

import datetime as dt
import decimal
import os
import re
import tempfile
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from gitc_agent.collectors.db.result_sets import MARKER_COLUMN, MARKER_PREFIX, Rows
from gitc_agent.collectors.db.sqlserver import map_result_sets
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.run.redact import redact
from gitc_agent.settings.db_config import DatabaseServer

COLLECTOR = "db.sqlserver"
DEFAULT_PORT = 1433
#: sslmode (the config's one TLS vocabulary) -> FreeTDS encryption, validate chain, check name
TLS = {"verify-full": ("require", True, True), "verify-ca": ("require", True, False),
       "require": ("require", False, False), "prefer": ("request", False, False),
       "disable": ("off", False, False)}
_CONF_LOCK = threading.Lock()


class ScriptOutputError(ValueError):
    """The server's answer does not have the script's shape (a marker missing or doubled)."""


def script() -> str:
    return resources.files("gitc_agent.collectors.db").joinpath("sqlserver_catalog.sql") \
        .read_text(encoding="utf-8")


def freetds_conf(server: DatabaseServer) -> str:
    """The FreeTDS section for this server: TLS as the config asks, TDS 7.4 (SQL Server 2012+)."""
    encryption, validate, check_name = TLS[server.sslmode]
    lines = [f"[{section(server)}]", f"  host = {server.host}",
             f"  port = {server.port or DEFAULT_PORT}", "  tds version = 7.4",
             f"  encryption = {encryption}"]
    if validate:
        lines.append(f"  ca file = {server.ca_file or 'system'}")
        lines.append(f"  check certificate hostname = {'yes' if check_name else 'no'}")
    return "\n".join(lines) + "\n"


def section(server: DatabaseServer) -> str:
    return f"gitc-{server.name}"


def cell(value: Any) -> str | None:
    """A value as sqlcmd -W prints it, so both routes feed the mapping the same text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex().upper()
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | int | float):
        return str(value)
    return str(value).rstrip()


def result_sets(cursor: Any, sets: dict[str, Rows] | None = None) -> dict[str, Rows]:
    """The named result sets of one run of the script (DB-API cursor with `nextset`), added to
    `sets` as they arrive (so a script stopped half-way keeps what it gave)."""
    sets = {} if sets is None else sets
    pending: str | None = None
    while True:
        if cursor.description:
            header = [str(d[0]) for d in cursor.description]
            rows = [{h: cell(v) for h, v in zip(header, row, strict=True)}
                    for row in cursor.fetchall()]
            if header == [MARKER_COLUMN]:
                names = [r[MARKER_COLUMN] or "" for r in rows]
                if len(names) != 1 or not names[0].startswith(MARKER_PREFIX) or pending:
                    raise ScriptOutputError(f"unexpected marker rows {names[:3]!r}")
                pending = names[0][len(MARKER_PREFIX):]
            elif pending is None:
                raise ScriptOutputError("a result set without the 'gitc:<name>' marker")
            else:
                if pending in sets:
                    raise ScriptOutputError(f"result set {pending} appears twice")
                sets[pending] = rows
                pending = None
        if not cursor.nextset():
            return sets


def run_script(cursor: Any, driver_error: type[Exception]) -> tuple[dict[str, Rows], str | None]:
    """The script's result sets, and the server's message if it refused a statement half-way
    (the sets before it still count); a client-side error (DB-Lib) is raised."""
    sets: dict[str, Rows] = {}
    try:
        cursor.execute(script())
        result_sets(cursor, sets)
    except driver_error as exc:
        if not _from_server(exc):
            raise
        return sets, _message(exc)
    return sets, None


def _message(exc: BaseException) -> str:
    """pymssql's error text (bytes inside a tuple) as one redacted line per message."""
    args = getattr(exc, "args", ())
    raw = args[0][1] if args and isinstance(args[0], tuple) and len(args[0]) > 1 else (
        args[1] if len(args) > 1 else str(exc))
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    lines = [x.strip() for x in text.splitlines() if x.strip()
             and not x.startswith("DB-Lib error message")]
    return redact(f"{type(exc).__name__}: {'; '.join(lines) or type(exc).__name__}")[:500]


def _from_server(exc: BaseException) -> bool:
    """A SQL Server message (Msg 229 permission denied, ...), not a client-side DB-Lib error:
    pymssql raises both as OperationalError; DB-Lib numbers its own from 20000."""
    args = getattr(exc, "args", ())
    first = args[0] if args else None
    number = first[0] if isinstance(first, tuple) and first else first
    return isinstance(number, int) and 0 < number < 20000


def _hint(server: DatabaseServer, exc: BaseException) -> str:
    """FreeTDS reports a refused certificate only as "connection failed": say what it may be."""
    text = str(exc)
    if TLS[server.sslmode][1] and "20002" in text and not re.search(r"refused|timed out", text):
        return (" (the TLS certificate may not be trusted by "
                f"{server.ca_file or 'the system trust store'}"
                + (" or may not name the host" if TLS[server.sslmode][2] else "")
                + "; FreeTDS reports no more than this)")
    return ""


def _connect(server: DatabaseServer, folder: Path):
    import pymssql

    conf = folder / "freetds.conf"
    fd = os.open(conf, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(freetds_conf(server))
    timeout = max(1, int(server.timeout_seconds))
    with _CONF_LOCK:
        before = os.environ.get("FREETDSCONF")
        os.environ["FREETDSCONF"] = str(conf)
        try:
            return pymssql.connect(
                server=section(server), port=str(server.port or DEFAULT_PORT),
                user=server.user, password=server.secret.reveal() if server.secret else None,
                database=server.database, login_timeout=timeout, timeout=timeout,
                appname="gitc-agent", autocommit=True)
        finally:
            if before is None:
                os.environ.pop("FREETDSCONF", None)
            else:
                os.environ["FREETDSCONF"] = before


def collect(server: DatabaseServer, login_map: dict[str, str]) -> EvidenceDoc:
    """One `db.instance` document; unreachable, refused or not TDS is a `connection` error with
    the driver's reason, never a crash and never the secret."""
    def doc(data: dict[str, Any], errors: list[dict[str, str]]) -> EvidenceDoc:
        return EvidenceDoc(kind=DB_INSTANCE, target=server.name, collector=COLLECTOR,
                           data=data, errors=errors)

    try:
        import pymssql
    except ImportError:
        return doc({}, [{"part": "connection", "message": "reading SQL Server live needs the "
                         "pymssql driver: pip install 'gitc-agent[sqlserver]' (or hand over "
                         "the catalog script's result sets: 'result_sets')"}])
    with tempfile.TemporaryDirectory(prefix="gitc-tds-") as folder:
        try:
            conn = _connect(server, Path(folder))
        except (pymssql.Error, OSError) as exc:
            return doc({}, [{"part": "connection", "message": _message(exc) + _hint(server, exc)}])
    try:
        sets, stopped = run_script(conn.cursor(), pymssql.Error)
    except ScriptOutputError as exc:
        return doc({}, [{"part": "connection", "message": f"the server's answer to the catalog "
                         f"script is not understood: {exc}"}])
    except pymssql.Error as exc:  # DB-Lib: the connection dropped or the query timed out
        return doc({}, [{"part": "connection", "message": _message(exc)}])
    finally:
        conn.close()
    data, errors = map_result_sets(sets, login_map)
    if stopped:
        errors = [{**e, "message": f"{e['message']} (the server stopped the script: {stopped})"}
                  if "missing" in e["message"] else e for e in errors]
    encryption, validate, check_name = TLS[server.sslmode]
    data["source"] = "live"
    data["endpoint"] = f"sqlserver://{server.host}:{server.port or DEFAULT_PORT}/{server.database}"
    data["server"] = {**data["server"], "port": server.port or DEFAULT_PORT,
                      "tls": {"sslmode": server.sslmode, "encryption": encryption,
                              "certificate_validated": validate, "host_name_checked": check_name}}
    return doc(data, errors)
