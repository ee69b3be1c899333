"""The state of one reader process: its settings and its own bound LDAP connection.

Why its own module: the tasks a reader process runs (in `accounts`) and the pool that starts the
processes (`parallel`) both need it, and it needs neither of them. A process receives the bind
password as a start-up argument, which travels through the pipe to the process, never its
command line or environment; it is wrapped in a Secret there, so the process redacts it too.
"""

from __future__ import annotations

from typing import Any

from ldap3 import Connection

from gitc_agent.collectors.ad.session import LdapReadError, open_connection
from gitc_agent.settings.config import ADSettings
from gitc_agent.settings.credentials import Secret

_worker: dict[str, Any] = {}


def init_worker(settings: ADSettings, password: str | None) -> None:
    """Runs in each process: bind at once (while the parent still reads), or on first use."""
    secret = Secret(password, "parent") if password is not None else None  # registers redaction
    bind = settings.bind.model_copy(update={"secret": secret})
    _worker["settings"] = settings.model_copy(update={"bind": bind})
    _worker["conn"] = None
    try:
        connection()
    except LdapReadError:
        _worker["conn"] = None  # the first task reports the failure


def connection() -> Connection:
    """This process's connection to the parent's server; raises LdapReadError if it cannot bind."""
    if _worker.get("conn") is None:
        settings: ADSettings = _worker["settings"]
        _worker["conn"] = open_connection(settings.servers[0], settings)
    return _worker["conn"]


def secret_patterns() -> dict[str, str]:
    """The description/info patterns of this process's settings (ad.hygiene.secret_patterns)."""
    return dict(_worker["settings"].hygiene.secret_patterns)
