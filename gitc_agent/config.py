"""The environment config (`gitc-agent.yaml`): where to look and how to connect.

Owned by the administrator. It references secrets (environment variable or owner-only file),
never contains them. Insecure transport needs an explicit opt-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlparse

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gitc_agent.credentials import Secret, secret_from_env, secret_from_file
from gitc_agent.datafix_config import DatafixModel, DatafixSettings, datafix_settings
from gitc_agent.errors import InputError
from gitc_agent.yaml_source import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PasswordSource(_Strict):
    env: str | None = None
    file: Path | None = None

    @model_validator(mode="after")
    def _one(self) -> PasswordSource:
        if (self.env is None) == (self.file is None):
            raise ValueError("give exactly one of 'env' (variable name) or 'file' (path)")
        return self


class BindModel(_Strict):
    method: Literal["simple", "ntlm", "kerberos"] = "simple"
    user: str | None = None
    password: PasswordSource | None = None

    @model_validator(mode="after")
    def _needs(self) -> BindModel:
        if self.method != "kerberos" and (not self.user or self.password is None):
            raise ValueError(f"a {self.method} bind needs 'user' and 'password' (env or file)")
        return self


class ADModel(_Strict):
    servers: list[str] = Field(min_length=1)
    base_dn: str | None = None
    bind: BindModel
    starttls: bool = False
    ca_file: Path | None = None
    validate_certificate: bool = True
    allow_plain_bind: bool = False
    timeout_seconds: float = Field(default=15, gt=0, le=600)
    page_size: int = Field(default=500, ge=1, le=5000)


class OutputModel(_Strict):
    dir: Path = Path("gitc-reports")


class ConfigModel(_Strict):
    ad: ADModel | None = None
    datafix: DatafixModel | None = None  # issue 4: datafix register, DB roles, audit log
    output: OutputModel = Field(default_factory=OutputModel)


@dataclass(frozen=True)
class ADSettings:
    servers: tuple[str, ...]
    base_dn: str | None
    method: str
    user: str | None
    password: Secret | None
    starttls: bool
    ca_file: Path | None
    validate_certificate: bool
    timeout: float
    page_size: int


@dataclass(frozen=True)
class Config:
    source: Path
    ad: ADSettings | None
    output_dir: Path
    datafix: DatafixSettings | None = None


def load_config(path: Path) -> Config:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError("a config must be a mapping (ad:, output:)", path, 1)
    try:
        model = ConfigModel.model_validate(doc.data)
    except ValidationError as exc:
        raise doc.validation_error(exc) from None
    base = path.parent

    def rel(p: Path) -> Path:
        return p if p.is_absolute() else (base / p)

    ad = None
    if model.ad is not None:
        m = model.ad
        for index, url in enumerate(m.servers):
            parsed = urlparse(url)
            if parsed.scheme not in ("ldap", "ldaps") or not parsed.hostname:
                raise doc.error(("ad", "servers", index),
                                f"{url!r} is not an ldap:// or ldaps:// URL")
            plain = parsed.scheme == "ldap" and not m.starttls
            if plain and m.bind.method != "kerberos" and not m.allow_plain_bind:
                raise doc.error(("ad", "servers", index),
                                f"{url} is plain LDAP: the bind would not be protected by TLS. "
                                "Use ldaps://, or set 'starttls: true', or (only for a lab) "
                                "'allow_plain_bind: true'")
        ca_file = rel(m.ca_file) if m.ca_file else None
        if ca_file and not ca_file.is_file():
            raise doc.error(("ad", "ca_file"), f"CA file {ca_file} does not exist")
        secret = None
        if m.bind.password is not None:
            loc = ("ad", "bind", "password")
            if m.bind.password.env:
                secret = secret_from_env(m.bind.password.env, path, doc.line_of(loc))
            else:
                secret = secret_from_file(rel(m.bind.password.file), path, doc.line_of(loc))
        ad = ADSettings(servers=tuple(m.servers), base_dn=m.base_dn, method=m.bind.method,
                        user=m.bind.user, password=secret, starttls=m.starttls, ca_file=ca_file,
                        validate_certificate=m.validate_certificate, timeout=m.timeout_seconds,
                        page_size=m.page_size)
    datafix = datafix_settings(model.datafix, doc, base) if model.datafix is not None else None
    return Config(source=path, ad=ad, output_dir=rel(model.output.dir), datafix=datafix)
