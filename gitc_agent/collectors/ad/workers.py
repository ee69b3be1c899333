"""The state of one reader process: its settings and its own bound LDAP connection.

Why its own module: the tasks a reader process runs (in `accounts`) and the pool that starts the
processes (`parallel`) both need it, and it needs neither of them. A process receives the bind
password as a start-up argument, which travels through the pipe to the process, never its
command line or environment; it is wrapped in a secret there, so the process redacts it too.
The settings are `ReaderSettings` (plain dataclasses), so that a process does not import the
pydantic config models to unpickle them.
"""

from __future__ import annotations

from typing import Any

from ldap3 import Connection

from gitc_agent.collectors.ad.reader_settings import ReaderSettings
from gitc_agent.collectors.ad.session import LdapReadError, open_connection

_worker: dict[str, Any] = {}


def init_worker(settings: ReaderSettings, password: str | None) -> None:
    """Runs in each process: bind at once (while the parent still reads), or on first use."""
    _worker["settings"] = settings.with_password(password)  # registers it for redaction
    _worker["conn"] = None
    try:
        connection()
    except LdapReadError:
        _worker["conn"] = None  # the first task reports the failure


def connection() -> Connection:
    """This process's connection to the parent's server; raises LdapReadError if it cannot bind."""
    if _worker.get("conn") is None:
        settings: ReaderSettings = _worker["settings"]
        _worker["conn"] = open_connection(settings.servers[0], settings)
    return _worker["conn"]


def secret_patterns() -> dict[str, str]:
    """The description/info patterns of this process's settings (ad.hygiene.secret_patterns)."""
    return dict(_worker["settings"].secret_patterns)
