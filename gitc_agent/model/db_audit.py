"""Is the database's own audit on? One reading of `db.instance` `data.audit` for every check.

`db.audit.enabled` and the datafix log checks both depend on it: a datafix log check that passes
while the audit was off would be a silent pass, so both ask this module and treat `on=None`
(unknown) and `on=False` as "cannot look".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gitc_agent.model.message import Message, msg

PGAUDIT_CLASSES = ("read", "write", "function", "role", "ddl", "misc", "misc_set")
DEFAULT_PG_CLASSES = ("write", "ddl", "role")
SERVER_ROLE_ACTIONS = ("SERVER_ROLE_MEMBER_CHANGE_GROUP",)
DATABASE_DML_ACTIONS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class AuditState:
    """`reasons` and `summary` are phrases (Messages) a check's sentence translates; a reason
    may also be a collector's recorded error text (data)."""

    on: bool | None  # None: unknown (unreadable)
    reasons: list[Message | str] = field(default_factory=list)
    summary: Message | str = ""


def pgaudit_classes(setting: str | None) -> list[str] | None:
    """pgaudit.log as the set of classes it logs: 'all' expanded, '-class' removed (pgaudit's
    own rule); None when the value is missing or holds a class pgaudit does not know."""
    if setting is None:
        return None
    chosen: set[str] = set()
    for raw in str(setting).split(","):
        item = raw.strip().lower()
        if not item or item == "none":
            continue
        minus = item.startswith("-")
        name = item.lstrip("-").strip()
        names = set(PGAUDIT_CLASSES) if name == "all" else {name}
        if not names <= set(PGAUDIT_CLASSES):
            return None
        chosen = chosen - names if minus else chosen | names
    return sorted(chosen)


def _pg_state(audit: Mapping[str, Any], required: Iterable[str]) -> AuditState:
    loaded = audit.get("loaded")
    classes = audit.get("log_classes")
    if not isinstance(loaded, bool) or not isinstance(classes, list) or \
            not all(isinstance(c, str) and c in PGAUDIT_CLASSES for c in classes):
        return AuditState(None, [msg("the pgaudit state could not be read")])
    if not loaded:
        return AuditState(False, [msg("pgaudit is not in shared_preload_libraries: nothing is "
                                      "audited")])
    required = set(required)
    summary = (msg("pgaudit loaded, pgaudit.log = {classes}", classes=", ".join(classes))
               if classes else msg("pgaudit loaded, pgaudit.log = none"))
    reasons: list[Message | str] = []
    missing = sorted(required - set(classes))
    if missing:
        reasons.append(msg("pgaudit.log does not log {classes}", classes=", ".join(missing)))
    overrides = audit.get("overrides", [])
    if not isinstance(overrides, list):
        return AuditState(None, [msg("the per-role pgaudit settings could not be read")])
    for item in overrides:
        if not isinstance(item, Mapping) or item.get("setting") != "pgaudit.log":
            continue
        local = pgaudit_classes(item.get("value"))
        where = {"role": item.get("role", "*"), "database": item.get("database", "*"),
                 "value": repr(item.get("value"))}
        if local is None:
            return AuditState(None, [msg("role {role} in database {database} sets pgaudit.log "
                                         "to {value}, which could not be understood", **where)],
                              summary)
        lacking = sorted(required - set(local))
        if lacking:
            reasons.append(msg("role {role} in database {database} overrides pgaudit.log = "
                               "{value}, so its sessions do not log {classes}", **where,
                               classes=", ".join(lacking)))
    return AuditState(not reasons, reasons, summary)


def _enabled_audits(audit: Mapping[str, Any]) -> set[str] | None:
    audits = audit.get("server_audits")
    if not isinstance(audits, list):
        return None
    out = set()
    for a in audits:
        if not isinstance(a, Mapping) or not isinstance(a.get("enabled"), bool):
            return None
        if a["enabled"]:
            out.add(str(a.get("name")))
    return out


def _actions(spec: Mapping[str, Any]) -> set[str] | None:
    acts = spec.get("actions")
    if not isinstance(acts, list):
        return None
    out = set()
    for a in acts:
        name = a.get("action") if isinstance(a, Mapping) else a
        if not isinstance(name, str):
            return None
        out.add(name.upper())
    return out


def _mssql_state(audit: Mapping[str, Any], databases: Iterable[str]) -> AuditState:
    enabled = _enabled_audits(audit)
    server_specs = audit.get("server_specifications")
    db_specs = audit.get("database_specifications")
    if enabled is None or not isinstance(server_specs, list) or not isinstance(db_specs, list):
        return AuditState(None, [msg("the SQL Server audit catalog could not be read")])
    reasons: list[Message | str] = []
    covered: set[str] = set()
    for spec in server_specs:
        acts = _actions(spec) if isinstance(spec, Mapping) else None
        if acts is None or not isinstance(spec.get("enabled"), bool):
            return AuditState(None, [msg("a server audit specification could not be read")])
        if spec["enabled"] and str(spec.get("audit")) in enabled:
            covered |= acts
    missing = [a for a in SERVER_ROLE_ACTIONS if a not in covered]
    if missing:
        reasons.append(msg("no enabled server audit specification on an enabled audit covers "
                           "{actions} (role membership changes)", actions=", ".join(missing)))
    for db in databases:
        acts_db: set[str] = set()
        for spec in db_specs:
            if not isinstance(spec, Mapping) or spec.get("database") != db:
                continue
            acts = _actions(spec)
            if acts is None or not isinstance(spec.get("enabled"), bool):
                return AuditState(None, [msg("the audit specification of database {database} "
                                             "could not be read", database=db)])
            if spec["enabled"] and str(spec.get("audit")) in enabled:
                acts_db |= acts
        lacking = [a for a in DATABASE_DML_ACTIONS if a not in acts_db]
        if lacking:
            reasons.append(msg("database {database}: no enabled database audit specification "
                               "covers {actions}", database=db, actions=", ".join(lacking)))
    summary = msg("{count} enabled server audit(s)", count=len(enabled))
    return AuditState(not reasons, reasons, summary)


def audit_state(data: Mapping[str, Any], unreadable: Any = None, *,
                required_classes: Iterable[str] = DEFAULT_PG_CLASSES,
                audited_databases: Iterable[str] = ()) -> AuditState:
    """The audit state of one `db.instance` document's `data`. `unreadable` is the document's
    `audit` (or `connection`) error message, if any (text or a Message); it makes the state
    unknown."""
    if unreadable:
        return AuditState(None, [unreadable])
    audit = data.get("audit")
    engine = data.get("engine")
    if not isinstance(audit, Mapping):
        return AuditState(None, [msg("the audit state is missing from the evidence")])
    if engine == "postgresql":
        return _pg_state(audit, required_classes)
    if engine == "sqlserver":
        return _mssql_state(audit, audited_databases)
    return AuditState(None, [msg("unknown database engine {engine}", engine=repr(engine))])
