"""What a reader process needs of the AD settings, as plain frozen dataclasses.

Why not ADSettings itself: a reader process is started with `spawn`, so it imports everything it
unpickles. ADSettings drags in every config section's pydantic model; that import was half of a
reader's start-up (about 0.15 s of CPU and 17 MB each, measured on the 2-core bench machine).
These carry the same field names `session.open_connection` reads, so either can be passed.
The password is not part of them: it travels separately and is wrapped in `WorkerSecret`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from gitc_agent.run.redact import MASK, register_secret

if TYPE_CHECKING:
    from gitc_agent.settings.config import ADSettings


class WorkerSecret:
    """The bind password inside a reader process: registered for redaction, never shown."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(parent, {MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


@dataclass(frozen=True)
class ReaderBind:
    method: str
    user: str | None
    service_host: str | None
    secret: WorkerSecret | None = None


@dataclass(frozen=True)
class ReaderSettings:
    servers: tuple[str, ...]
    bind: ReaderBind
    starttls: bool
    ca_file: Path | None
    validate_certificate: bool
    timeout_seconds: float
    secret_patterns: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: ADSettings, url: str) -> ReaderSettings:
        """The settings for a reader bound to `url`, without the password."""
        bind = settings.bind
        return cls(servers=(url,), bind=ReaderBind(bind.method, bind.user, bind.service_host),
                   starttls=settings.starttls, ca_file=settings.ca_file,
                   validate_certificate=settings.validate_certificate,
                   timeout_seconds=settings.timeout_seconds,
                   secret_patterns=dict(settings.hygiene.secret_patterns))

    def with_password(self, password: str | None) -> ReaderSettings:
        secret = WorkerSecret(password) if password is not None else None
        return ReaderSettings(self.servers, ReaderBind(self.bind.method, self.bind.user,
                                                       self.bind.service_host, secret),
                              self.starttls, self.ca_file, self.validate_certificate,
                              self.timeout_seconds, self.secret_patterns)
