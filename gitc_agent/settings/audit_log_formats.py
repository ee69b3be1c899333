"""Preset column mappings and statement codes of the audit-log formats gitc-agent knows.

Why presets: the SQL Server result set comes from the script gitc-agent ships
(gitc_agent/collectors/datafix/sqlserver_audit.sql), so its column names and the audit action
ids it holds are known; a config should not have to repeat them (and could get them wrong). A
config's own `columns` and `statement_map` still win. Action ids are SQL Server's
(`sys.dm_audit_actions`); an id not listed here is not guessed: the log check reports it as
unrecognised until the config maps it.
"""

from __future__ import annotations

SQLSERVER_COLUMNS = {"timestamp": "event_time", "principal": "server_principal_name",
                     "statement": "action_id", "object": "object_name",
                     "database": "database_name", "session": "session_id",
                     "ticket": "ticket_ref"}
SQLSERVER_ACTIONS = {
    "IN": "INSERT", "UP": "UPDATE", "DL": "DELETE", "SL": "SELECT", "EX": "EXECUTE",
    "RC": "SELECT",  # RECEIVE (reads a queue)
    "CR": "CREATE", "AL": "ALTER", "DR": "DROP",
    "G": "GRANT", "GWG": "GRANT", "R": "REVOKE", "D": "DENY",
    "APRL": "ALTER", "DPRL": "ALTER",  # ALTER ROLE ... ADD / DROP MEMBER
    "LGIS": "LOGIN", "LGIF": "LOGIN", "LGO": "LOGOUT",
    "BA": "BACKUP", "BAL": "BACKUP",
}
LOG_FORMAT_DEFAULTS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "sqlserver_audit": (SQLSERVER_COLUMNS, SQLSERVER_ACTIONS),
}
