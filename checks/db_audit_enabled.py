"""db.audit.enabled: the database audit that makes datafixes visible is on.

PostgreSQL: pgaudit is in shared_preload_libraries and pgaudit.log covers `write`, `ddl` and
`role` (the policy may ask for more), with no role or database override that switches classes
off. SQL Server: an enabled server audit specification on an enabled audit covers role
membership changes, and each audited database has an enabled database audit specification
covering INSERT, UPDATE and DELETE. An audit that is off or unknown also makes the datafix log
checks `error`, never pass.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator

from pydantic import Field, field_validator

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.db_audit import PGAUDIT_CLASSES, audit_state
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.model.message import msg_list

from ._db import SYSTEM_DATABASES, DbServer, db_servers


class Params(CheckParams):
    pgaudit_classes: list[str] = Field(default_factory=lambda: ["write", "ddl", "role"])
    audited_databases: list[str] = Field(default_factory=lambda: ["*"])  # SQL Server globs

    @field_validator("pgaudit_classes")
    @classmethod
    def _known(cls, values: list[str]) -> list[str]:
        bad = [v for v in values if v.lower() not in PGAUDIT_CLASSES]
        if bad:
            raise ValueError(f"{bad}: pgaudit classes are {', '.join(PGAUDIT_CLASSES)}")
        return [v.lower() for v in values]


@check(
    id="db.audit.enabled",
    title="The database audit of data and role changes is on",
    likelihood=3,
    impact=5,
    evidence=[DB_INSTANCE],
    each=db_servers,
    params=Params,
    references=["ISO 27002:2022 8.15", "BIO2 8.15", "CIS SQL Server 5.4", "CIS PostgreSQL 3.2"],
    remediation=(
        "PostgreSQL: add pgaudit to shared_preload_libraries, set pgaudit.log = 'write, ddl, "
        "role' and remove per-role overrides. SQL Server: create and enable a server audit "
        "with a server audit specification (SERVER_ROLE_MEMBER_CHANGE_GROUP) and, per audited "
        "database, a database audit specification for INSERT, UPDATE, DELETE."
    ),
)
def judge(server: DbServer, params: Params) -> Iterator[Verdict]:
    unreadable = server.problem("audit", "settings") if server.engine == "postgresql" \
        else server.problem("audit", "databases")
    databases = [] if server.engine == "postgresql" else [
        db["name"] for db in server.instance.databases
        if db["name"].lower() not in SYSTEM_DATABASES
        and any(fnmatch.fnmatchcase(db["name"].lower(), g.lower())
                for g in params.audited_databases)]
    state = audit_state(server.data, unreadable, required_classes=params.pgaudit_classes,
                        audited_databases=databases)
    evidence = {"audit": server.data.get("audit"), "audited_databases": databases}
    if state.on is None:
        yield unknown(msg("Whether the audit on {server} is on is unknown: {reasons}",
                          server=server.name, reasons=msg_list(state.reasons)), **evidence)
    elif state.on:
        yield ok(msg("The audit on {server} is on ({summary}).", server=server.name,
                     summary=state.summary), **evidence)
    else:
        yield fail(msg("The audit on {server} does not cover data and role changes: {reasons}. "
                       "Datafixes made there are not visible in its log.", server=server.name,
                       reasons=msg_list(state.reasons)), **evidence)
