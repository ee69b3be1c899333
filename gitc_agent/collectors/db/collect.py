"""Run the `db` collector for every server in the `databases:` section.

PostgreSQL servers are read live (during collection), SQL Server servers live too (pymssql) or
from the result sets of the shipped catalog script, which are local input files and so are read
before the run starts (a broken file is exit 2 before anything is written, like the datafix
exports). Each server gives
one `db.instance` document, also when it could not be read (then its `errors` say why).
"""

from __future__ import annotations

from gitc_agent.core.evidence import EvidenceDoc
from gitc_agent.model.kinds import DB_INSTANCE
from gitc_agent.settings.db_config import DatabaseSettings

KIND = DB_INSTANCE


def read_files(settings: DatabaseSettings) -> list[EvidenceDoc]:
    """The SQL Server servers, from their result-set files (InputError when unparseable)."""
    from gitc_agent.collectors.db import sqlserver

    return [sqlserver.collect(s, settings.login_map) for s in settings.servers
            if s.engine == "sqlserver" and not s.live]


def collect_live(settings: DatabaseSettings) -> list[EvidenceDoc]:
    """The servers read over the network: PostgreSQL, and SQL Server without result sets."""
    from gitc_agent.collectors.db import postgres, sqlserver_live

    readers = {"postgresql": postgres.collect, "sqlserver": sqlserver_live.collect}
    return [readers[s.engine](s, settings.login_map) for s in settings.servers if s.live]


def planned_targets(settings: DatabaseSettings) -> set[tuple[str, str]]:
    return {(KIND, server.name) for server in settings.servers}
