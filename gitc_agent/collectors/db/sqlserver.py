"""Map the SQL Server catalog script's result sets to a `db.instance` document.

Why a mapping and not a live read: the auditor usually gets the script's output from a DBA, not a
login. Each result set fills one part; a set that is absent or lacks a column is an `errors`
entry for that part (the DBA may lack a permission), never an empty list that would read as
"nobody". No SQL Server runs here: this mapping is tested on recorded sqlcmd and SSMS output.
"""

from __future__ import annotations

from typing import Any

from gitc_agent.collectors.db.result_sets import Rows, read_result_sets
from gitc_agent.collectors.db.shape import empty_data
from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.settings.db_config import DatabaseServer

COLLECTOR = "db.sqlserver_script"
TYPES = {"S": "sql_login", "U": "windows_login", "G": "windows_group", "R": "server_role",
         "C": "certificate", "K": "asymmetric_key"}
USER_TYPES = {"S": "sql_user", "U": "windows_user", "G": "windows_group"}
#: result set -> (part it fills, columns it must have)
SETS = {
    "server": ("server", ("server_name", "version")),
    "server_principals": ("principals", ("name", "type", "is_disabled", "sid",
                                         "is_policy_checked", "is_expiration_checked",
                                         "password_set")),
    "server_role_members": ("memberships", ("role", "member")),
    "server_permissions": ("principals", ("principal", "permission", "state")),
    "databases": ("databases", ("name", "owner")),
    "database_users": ("databases", ("database_name", "name", "type", "login", "orphaned")),
    "database_role_members": ("memberships", ("database_name", "role", "member")),
    "database_guest": ("databases", ("database_name", "guest_connect")),
    "server_audits": ("audit", ("name", "enabled", "destination", "file_path")),
    "server_audit_specifications": ("audit", ("name", "audit", "enabled", "action")),
    "database_audit_specifications": ("audit", ("database_name", "name", "audit", "enabled",
                                                "action", "class", "object", "principal")),
}


class _Bad(ValueError):
    """A value the mapping cannot read; becomes an error for the part."""


def _bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    raise _Bad(f"{value!r} is not a bit (0/1)")


def collect(server: DatabaseServer, login_map: dict[str, str]) -> EvidenceDoc:
    """Read the result sets (InputError, exit 2, if the file cannot be parsed) and map them."""
    assert server.result_sets is not None
    sets = read_result_sets(server.result_sets)
    data, errors = map_result_sets(sets, login_map)
    data["file"] = str(server.result_sets)
    return EvidenceDoc(kind=DB_INSTANCE, target=server.name, collector=COLLECTOR, data=data,
                       errors=errors)


def map_result_sets(sets: dict[str, Rows],
                    login_map: dict[str, str]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    data = empty_data("sqlserver", "script")
    data["login_map"] = dict(login_map)
    errors: list[dict[str, str]] = []
    usable: dict[str, Rows] = {}
    for name, (part, columns) in SETS.items():
        rows = sets.get(name)
        if rows is None:
            errors.append({"part": part, "message": f"result set {name} is missing from the "
                                                    "script output"})
            continue
        lacking = sorted({c for r in rows for c in columns if c not in r})
        if lacking:
            errors.append({"part": part, "message": f"result set {name} lacks column(s) "
                                                    f"{', '.join(lacking)}"})
            continue
        usable[name] = rows
    for name, fill in _FILL.items():
        if name not in usable:
            continue
        try:
            fill(data, usable[name])
        except (_Bad, KeyError) as exc:
            errors.append({"part": SETS[name][0], "message": f"result set {name}: {exc}"})
    data["counts"] = {k: len(data[k]) for k in ("principals", "memberships", "databases",
                                                "hba_rules")}
    return data, errors


def _server(data: dict[str, Any], rows: Rows) -> None:
    if len(rows) != 1:
        raise _Bad(f"{len(rows)} rows, expected 1")
    data["server"] = {"host": rows[0]["server_name"], "port": None,
                      "version": rows[0]["version"], "tls": None}


def _principals(data: dict[str, Any], rows: Rows) -> None:
    for r in rows:
        code = str(r["type"]).strip().upper()
        if code not in TYPES:
            raise _Bad(f"principal {r['name']!r} has unknown type {r['type']!r}")
        login = code in ("S", "U", "G")
        data["principals"].append({
            "name": r["name"], "type": TYPES[code], "login": login,
            "disabled": _bool(r["is_disabled"]), "superuser": None, "createrole": None,
            "createdb": None, "replication": None, "bypassrls": None, "valid_until": None,
            "password_set": _bool(r["password_set"]) if code == "S" else None,
            "password_hash": None, "password_policy": _bool(r["is_policy_checked"]),
            "password_expiration": _bool(r["is_expiration_checked"]), "sid": r["sid"],
            "permissions": [], "builtin": str(r["name"]).upper().startswith(("BUILTIN\\", "NT "))})


def _permissions(data: dict[str, Any], rows: Rows) -> None:
    by_name = {p["name"].lower(): p for p in data["principals"]}
    for r in rows:
        principal = by_name.get(str(r["principal"]).lower())
        if principal is None:
            raise _Bad(f"permission for {r['principal']!r}, which is not in server_principals")
        principal["permissions"].append(str(r["permission"]).upper())


def _role_members(data: dict[str, Any], rows: Rows) -> None:
    data["memberships"] += [{"role": r["role"], "member": r["member"], "admin_option": None,
                             "scope": "server"} for r in rows]


def _databases(data: dict[str, Any], rows: Rows) -> None:
    data["databases"] = [{"name": r["name"], "owner": r["owner"], "state": r.get("state"),
                          "users": [], "guest_connect": None} for r in rows]


def _db(data: dict[str, Any], name: Any) -> dict[str, Any]:
    for db in data["databases"]:
        if db["name"] == name:
            return db
    raise _Bad(f"database {name!r} is not in the databases result set")


def _users(data: dict[str, Any], rows: Rows) -> None:
    for r in rows:
        code = str(r["type"]).strip().upper()
        _db(data, r["database_name"])["users"].append({
            "name": r["name"], "login": r["login"], "type": USER_TYPES.get(code, code),
            "orphaned": _bool(r["orphaned"])})


def _db_members(data: dict[str, Any], rows: Rows) -> None:
    for r in rows:
        _db(data, r["database_name"])
        data["memberships"].append({"role": r["role"], "member": r["member"],
                                    "admin_option": None,
                                    "scope": f"database:{r['database_name']}"})


def _guest(data: dict[str, Any], rows: Rows) -> None:
    for r in rows:
        _db(data, r["database_name"])["guest_connect"] = _bool(r["guest_connect"])


def _audits(data: dict[str, Any], rows: Rows) -> None:
    data["audit"]["server_audits"] = [{"name": r["name"], "enabled": _bool(r["enabled"]),
                                       "destination": r["destination"],
                                       "file_path": r["file_path"]} for r in rows]


def _server_specs(data: dict[str, Any], rows: Rows) -> None:
    specs: dict[str, dict[str, Any]] = {}
    for r in rows:
        spec = specs.setdefault(r["name"], {"name": r["name"], "audit": r["audit"],
                                            "enabled": _bool(r["enabled"]), "actions": []})
        if r["action"]:
            spec["actions"].append(str(r["action"]).upper())
    data["audit"]["server_specifications"] = list(specs.values())


def _db_specs(data: dict[str, Any], rows: Rows) -> None:
    specs: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        key = (r["database_name"], r["name"])
        spec = specs.setdefault(key, {"database": r["database_name"], "name": r["name"],
                                      "audit": r["audit"], "enabled": _bool(r["enabled"]),
                                      "actions": []})
        if r["action"]:
            spec["actions"].append({"action": str(r["action"]).upper(), "class": r["class"],
                                    "object": r["object"], "principal": r["principal"]})
    data["audit"]["database_specifications"] = list(specs.values())
    data["audit"]["loaded"] = True  # SQL Server Audit is built in; specs say what it covers


# order matters: principals before their permissions, databases before their users
_FILL = {"server": _server, "server_principals": _principals,
         "server_permissions": _permissions, "server_role_members": _role_members,
         "databases": _databases, "database_users": _users,
         "database_role_members": _db_members, "database_guest": _guest,
         "server_audits": _audits, "server_audit_specifications": _server_specs,
         "database_audit_specifications": _db_specs}
