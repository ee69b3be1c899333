"""Shared helpers for the WinRM tests: a WinRMHost that points at a test server."""

from __future__ import annotations

from pathlib import Path

from gitc_agent.settings.config import WinRMHost, WinRMSettings
from gitc_agent.settings.credentials import Secret
from tests.wsman.server import WSManServer


def host_for(server: WSManServer, name: str, password: str | None = None,
             ca_file: str | None = None) -> WinRMHost:
    user, real = server.auth
    # The test server speaks Basic only (no NTLM/Kerberos): Basic over HTTPS here, and over
    # plain HTTP only in the wire-protocol test (the config refuses that combination).
    return WinRMHost(name=name, endpoint=server.endpoint, transport="basic", user=user,
                     password=Secret(password if password is not None else real, "test"),
                     validate_certificate=True,
                     ca_file=Path(ca_file or server.ca_file) if server.scheme == "https" else None,
                     message_encryption="auto")


def settings(hosts: list[WinRMHost], workers: int = 8, deadline: float = 10,
             operation_timeout: int = 2, services: tuple[str, ...] = ()) -> WinRMSettings:
    return WinRMSettings(targets=tuple(hosts), workers=workers, deadline_seconds=deadline,
                         operation_timeout_seconds=operation_timeout, services=list(services))
