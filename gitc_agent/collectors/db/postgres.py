"""Read one PostgreSQL server's own truth with psycopg 3: roles, memberships, hba rules, settings,
database owners and the pgaudit state, as a `db.instance` document.

Why each part is read on its own: a reading account that is not superuser is denied pg_authid and
pg_hba_file_rules; that must become an `error` for exactly those parts (never "no md5 passwords"),
while the rest is still read. Password hashes are classified on the server (md5 / SCRAM / none),
so no hash ever reaches the evidence. The session is read-only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gitc_agent.collectors.db.shape import empty_data
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.db_audit import pgaudit_classes
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.run.redact import redact
from gitc_agent.settings.db_config import DatabaseServer

COLLECTOR = "db.postgresql"
SETTINGS = ("password_encryption", "log_connections", "shared_preload_libraries", "ssl",
            "pgaudit.log", "pgaudit.log_relation", "pgaudit.log_catalog", "pgaudit.role")

Q_ROLES = """SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
 rolcanlogin, rolvaliduntil FROM pg_roles ORDER BY rolname"""
# classified here, so the hash itself never leaves the server
Q_HASHES = """SELECT rolname, CASE WHEN rolpassword IS NULL THEN 'none'
 WHEN rolpassword LIKE 'md5%%' THEN 'md5' WHEN rolpassword LIKE 'SCRAM-SHA-256$%%'
 THEN 'scram-sha-256' ELSE 'plain' END FROM pg_authid"""
Q_MEMBERS = """SELECT r.rolname, m.rolname, am.admin_option FROM pg_auth_members am
 JOIN pg_roles r ON r.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
 ORDER BY r.rolname, m.rolname"""
Q_DATABASES = """SELECT datname, pg_get_userbyid(datdba), datallowconn FROM pg_database
 WHERE NOT datistemplate ORDER BY datname"""
Q_HBA = """SELECT line_number, type, database, user_name, address, netmask, auth_method, error
 FROM pg_hba_file_rules ORDER BY line_number"""
Q_SETTINGS = "SELECT name, setting FROM pg_settings WHERE name = ANY(%s)"
Q_OVERRIDES = """SELECT coalesce(d.datname, '*'), coalesce(r.rolname, '*'), s.setconfig
 FROM pg_db_role_setting s LEFT JOIN pg_database d ON d.oid = s.setdatabase
 LEFT JOIN pg_roles r ON r.oid = s.setrole"""


def _error(part: str, exc: BaseException) -> dict[str, str]:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return {"part": part, "message": redact(f"{type(exc).__name__}: {text}")}


def _connect(server: DatabaseServer):
    import psycopg

    kwargs: dict[str, Any] = {
        "host": server.host, "port": server.port or 5432, "dbname": server.dbname,
        "user": server.user, "sslmode": server.sslmode,
        "connect_timeout": max(1, int(server.timeout_seconds)), "autocommit": True,
        "application_name": "gitc-agent",
        "options": "-c default_transaction_read_only=on",
    }
    if server.secret is not None:
        kwargs["password"] = server.secret.reveal()
    if server.sslmode in ("verify-full", "verify-ca"):
        kwargs["sslrootcert"] = str(server.ca_file) if server.ca_file else "system"
    return psycopg.connect(**kwargs)


def collect(server: DatabaseServer, login_map: dict[str, str]) -> EvidenceDoc:
    """One `db.instance` document; unreachable or refused is a `connection` error, not a crash."""
    import psycopg

    def doc(data: dict[str, Any], errors: list[dict[str, str]]) -> EvidenceDoc:
        return EvidenceDoc(kind=DB_INSTANCE, target=server.name, collector=COLLECTOR,
                           data=data, errors=errors)

    try:
        conn = _connect(server)
    except psycopg.Error as exc:
        return doc({}, [_error("connection", exc)])
    try:
        return doc(*_read(conn, server, login_map))
    except psycopg.OperationalError as exc:  # the connection dropped mid-read
        return doc({}, [_error("connection", exc)])
    finally:
        conn.close()


def _read(conn, server: DatabaseServer,
          login_map: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    import psycopg

    data = empty_data("postgresql", "live")
    errors: list[dict[str, str]] = []

    def part(name: str, query: str, params: tuple = ()) -> list[tuple] | None:
        try:
            return conn.execute(query, params).fetchall()
        except psycopg.OperationalError:
            raise
        except psycopg.Error as exc:
            errors.append(_error(name, exc))
            return None

    version = conn.info.server_version
    data["server"] = {"host": server.host, "port": server.port or 5432,
                      "version": f"{version // 10000}.{version % 10000}",
                      "tls": {"sslmode": server.sslmode, "in_use": bool(conn.pgconn.ssl_in_use)}}
    data["endpoint"] = f"postgresql://{server.host}:{server.port or 5432}/{server.dbname}"
    data["login_map"] = dict(login_map)
    roles = part("principals", Q_ROLES)
    hashes = part("password_hashes", Q_HASHES)
    by_hash = dict(hashes) if hashes is not None else {}
    for row in roles or []:
        name, sup, createrole, createdb, repl, bypass, login, valid = row
        kind = by_hash.get(name) if hashes is not None else None
        data["principals"].append({
            "name": name, "type": "role", "login": login, "disabled": False, "superuser": sup,
            "createrole": createrole, "createdb": createdb, "replication": repl,
            "bypassrls": bypass, "valid_until": valid.isoformat() if valid else None,
            "password_set": None if kind is None else kind != "none", "password_hash": kind,
            "password_policy": None, "password_expiration": None, "sid": None,
            "permissions": [], "builtin": name.startswith("pg_")})
    for role, member, admin in part("memberships", Q_MEMBERS) or []:
        data["memberships"].append({"role": role, "member": member, "admin_option": admin,
                                    "scope": "server"})
    for name, owner, allow in part("databases", Q_DATABASES) or []:
        data["databases"].append({"name": name, "owner": owner, "allow_connections": allow,
                                  "users": [], "guest_connect": None})
    for line, typ, dbs, users, address, netmask, method, err in part("hba", Q_HBA) or []:
        data["hba_rules"].append({"line": line, "type": typ, "database": list(dbs or []),
                                  "user_name": list(users or []), "address": address,
                                  "netmask": netmask, "auth_method": method, "error": err})
    settings = part("settings", Q_SETTINGS, (list(SETTINGS),))
    if settings is not None:
        data["settings"] = dict(settings)
        if "shared_preload_libraries" not in data["settings"]:
            errors.append({"part": "settings", "message": "shared_preload_libraries is not "
                           "visible to the reading account (it needs pg_read_all_settings)"})
    _audit(data, errors, part)
    data["counts"] = {k: len(data[k]) for k in ("principals", "memberships", "databases",
                                                "hba_rules")}
    return data, errors


def _audit(data: dict[str, Any], errors: list[dict[str, str]],
           part: Callable[..., list[tuple] | None]) -> None:
    """pgaudit loaded and what it logs, plus per-role/database overrides of pgaudit settings
    (`ALTER ROLE x SET pgaudit.log = 'none'` silently exempts a role)."""
    audit = data["audit"]
    settings = data["settings"]
    libraries = settings.get("shared_preload_libraries")
    if libraries is None:
        errors.append({"part": "audit", "message": "whether pgaudit is loaded is unknown: "
                       "shared_preload_libraries could not be read"})
        return
    loaded = "pgaudit" in [x.strip().strip('"') for x in str(libraries).split(",")]
    audit["loaded"] = loaded
    if not loaded:
        return
    classes = pgaudit_classes(settings.get("pgaudit.log"))
    if classes is None:
        errors.append({"part": "audit", "message": "pgaudit is loaded but pgaudit.log could not "
                       f"be read or understood ({settings.get('pgaudit.log')!r})"})
        audit["loaded"] = None
        return
    audit["log_classes"] = classes
    audit["log_relation"] = settings.get("pgaudit.log_relation") == "on"
    rows = part("audit", Q_OVERRIDES)
    if rows is None:
        audit["loaded"] = None
        return
    for database, role, config in rows:
        for item in config or []:
            key, _, value = str(item).partition("=")
            if key.startswith("pgaudit."):
                audit["overrides"].append({"database": database, "role": role,
                                           "setting": key, "value": value})
