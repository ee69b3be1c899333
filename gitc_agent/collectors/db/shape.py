"""The empty `db.instance` data every reader fills, so both engines write the same keys
(docs/databases.md is the contract)."""

from __future__ import annotations

from typing import Any


def empty_data(engine: str, source: str) -> dict[str, Any]:
    return {
        "engine": engine, "source": source, "server": {}, "login_map": {},
        "principals": [], "memberships": [], "databases": [], "hba_rules": [], "settings": {},
        "audit": {"engine": "pgaudit" if engine == "postgresql" else "sqlserver_audit",
                  "loaded": None, "log_classes": [], "log_relation": None, "overrides": [],
                  "server_audits": [], "server_specifications": [],
                  "database_specifications": []},
        "counts": {},
    }
