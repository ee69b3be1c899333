"""Where secrets come from: an environment variable, a file only the owner can read, or the OS
keyring. (Kerberos needs no secret here: the ticket cache in KRB5CCNAME is used.)

The config names the source, never the secret. A loaded secret is registered for redaction
and wrapped so that printing it (repr, str, f-string, logging) shows a mask.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from pydantic import Field, model_validator

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.run.redact import MASK, register_secret
from gitc_agent.settings.base import Section
from gitc_agent.settings.yaml_source import Path_, YamlDocument


class Secret:
    """A secret value that never shows itself by accident."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str):
        self._value = value
        self.source = source
        register_secret(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.source}, {MASK})"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)


class KeyringEntry(Section):
    service: str = Field(min_length=1)
    username: str = Field(min_length=1)


class PasswordSource(Section):
    """Where a secret comes from; the secret itself is never in the config."""

    env: str | None = None
    file: Path | None = None
    keyring: KeyringEntry | None = None

    @model_validator(mode="after")
    def _one(self) -> PasswordSource:
        if sum(x is not None for x in (self.env, self.file, self.keyring)) != 1:
            raise ValueError(msg("give exactly one of 'env' (variable name), 'file' (path) or 'keyring' "
                                 "(service and username in the OS keyring)"))
        return self

    def read(self, doc: YamlDocument, loc: Path_) -> Secret:
        """The secret; a problem names the config line at `loc` (a file is relative to it)."""
        line = doc.line_of(loc)
        if self.env:
            return secret_from_env(self.env, doc.path, line)
        if self.keyring is not None:
            return secret_from_keyring(self.keyring.service, self.keyring.username, doc.path,
                                       line)
        assert self.file is not None
        return secret_from_file(doc.beside(self.file), doc.path, line)


def secret_from_env(name: str, where: Path, line: int | None) -> Secret:
    value = os.environ.get(name)
    if not value:
        raise InputError(msg("environment variable {name} (the bind password) is not set or empty",
                             name=name),
                         where, line)
    return Secret(value, f"env:{name}")


def secret_from_file(path: Path, where: Path, line: int | None) -> Secret:
    """Refuse a secret file that others can read or that another user owns."""
    try:
        info = path.stat()
    except OSError as exc:
        raise InputError(msg("cannot read password file {path}: {reason}", path=path,
                             reason=exc.strerror), where, line) from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(msg("password file {path} is not a regular file", path=path), where, line)
    if info.st_uid != os.geteuid():
        raise InputError(msg("password file {path} is owned by uid {owner}, not by the user running "
                             "gitc-agent (uid {uid})", path=path, owner=info.st_uid,
                             uid=os.geteuid()), where, line)
    if info.st_mode & 0o077:
        raise InputError(msg("password file {path} has mode {mode:04o}; others must not be able to read "
                             "it (chmod 600 {path})", path=path,
                             mode=stat.S_IMODE(info.st_mode)), where, line)
    try:
        value = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(msg("cannot read password file {path}: {problem}", path=path, problem=exc),
                         where, line) from None
    if not value:
        raise InputError(msg("password file {path} is empty", path=path), where, line)
    return Secret(value, f"file:{path}")


def secret_from_keyring(service: str, username: str, where: Path, line: int | None) -> Secret:
    """A password stored with `keyring set SERVICE USERNAME` (the optional 'keyring' package)."""
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise InputError(msg("the config takes the password from the OS keyring, but the 'keyring' package "
                             "is not installed (pip install 'gitc-agent[keyring]')"),
                         where, line) from None
    try:
        value = keyring.get_password(service, username)
    except (KeyringError, RuntimeError) as exc:
        raise InputError(msg("the OS keyring could not be read: {type_name}",
                             type_name=type(exc).__name__), where,
                         line) from None
    if not value:
        raise InputError(msg("no password in the OS keyring for service {service!r}, user {username!r} "
                             "(store it with: keyring set {service} {username})", service=service,
                             username=username),
                         where, line)
    return Secret(value, f"keyring:{service}/{username}")
