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

from gitc_agent.errors import InputError
from gitc_agent.settings.credentials import (
    Secret,
    secret_from_env,
    secret_from_file,
    secret_from_keyring,
)
from gitc_agent.settings.datafix_config import DatafixModel, DatafixSettings, datafix_settings
from gitc_agent.settings.yaml_source import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KeyringEntry(_Strict):
    service: str = Field(min_length=1)
    username: str = Field(min_length=1)


class PasswordSource(_Strict):
    """Where a secret comes from; the secret itself is never in the config."""

    env: str | None = None
    file: Path | None = None
    keyring: KeyringEntry | None = None

    @model_validator(mode="after")
    def _one(self) -> PasswordSource:
        if sum(x is not None for x in (self.env, self.file, self.keyring)) != 1:
            raise ValueError("give exactly one of 'env' (variable name), 'file' (path) or "
                             "'keyring' (service and username in the OS keyring)")
        return self


class BindModel(_Strict):
    method: Literal["simple", "ntlm", "kerberos"] = "simple"
    user: str | None = None
    password: PasswordSource | None = None
    service_host: str | None = None  # DC host name in its SPN, when the URL holds an address

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
    # Worker processes that read users and computers in partitions, each over its own connection:
    # one connection leaves the client's decoding and the server's work in series.
    parallel_reads: int = Field(default=2, ge=1, le=16)


class OutputModel(_Strict):
    dir: Path = Path("gitc-reports")


# --- WinRM hosts, the local admin host and vulnerability feeds (issue 3) -------------------

WinRMTransport = Literal["ntlm", "kerberos", "basic"]


class WinRMHostModel(_Strict):
    """One Windows host; every key but `name` overrides the section default for this host."""

    name: str = Field(min_length=1)
    address: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    transport: WinRMTransport | None = None
    scheme: Literal["https", "http"] | None = None
    user: str | None = None
    password: PasswordSource | None = None
    ca_file: Path | None = None


class WinRMFromADModel(_Strict):
    """Targets read from AD: computer objects under `base`, through the `ad` section's bind."""

    base: str = Field(min_length=3)
    os_filter: str | None = "Windows*"  # operatingSystem; `*` is a wildcard
    include_disabled: bool = False


class WinRMModel(_Strict):
    transport: WinRMTransport = "ntlm"
    scheme: Literal["https", "http"] = "https"
    port: int | None = Field(default=None, ge=1, le=65535)
    user: str | None = None
    password: PasswordSource | None = None
    ca_file: Path | None = None
    validate_certificate: bool = True
    allow_http: bool = False
    allow_basic: bool = False
    workers: int = Field(default=16, ge=1, le=256)
    deadline_seconds: float = Field(default=120, gt=0, le=3600)
    operation_timeout_seconds: int = Field(default=20, ge=1, le=600)
    services: list[str] = Field(default_factory=list)
    hosts: list[str | WinRMHostModel] = Field(default_factory=list)
    from_ad: WinRMFromADModel | None = None

    @model_validator(mode="after")
    def _targets(self) -> WinRMModel:
        if not self.hosts and self.from_ad is None:
            raise ValueError("name the Windows hosts: 'hosts' (a list), 'from_ad' (an OU to read "
                             "computer objects from), or both")
        return self


class LocalHostModel(_Strict):
    enabled: bool = True
    command_timeout_seconds: float = Field(default=120, gt=0, le=1800)


class FeedsModel(_Strict):
    kev_catalog: Path | None = None
    kev_fix_map: Path | None = None


class ConfigModel(_Strict):
    ad: ADModel | None = None
    winrm: WinRMModel | None = None
    local_host: LocalHostModel | None = None
    feeds: FeedsModel | None = None
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
    service_host: str | None = None  # the DC's host name for Kerberos/NTLM
    parallel_reads: int = 1  # worker processes for partitioned reads; 1 = one connection


@dataclass(frozen=True)
class WinRMHost:
    """Everything needed to reach one Windows host; the password stays a masked Secret."""

    name: str
    endpoint: str
    transport: str
    user: str | None
    password: Secret | None
    validate_certificate: bool
    ca_file: Path | None
    message_encryption: str  # "always" over HTTP, "auto" over HTTPS


@dataclass(frozen=True)
class WinRMDefaults:
    """The section's connection settings, for hosts only known at run time (read from AD)."""

    transport: str
    scheme: str
    port: int
    user: str | None
    password: Secret | None
    validate_certificate: bool
    ca_file: Path | None

    def host(self, name: str, address: str | None = None) -> WinRMHost:
        address = address or name
        host_part = f"[{address}]" if ":" in address else address
        return WinRMHost(
            name=name, endpoint=f"{self.scheme}://{host_part}:{self.port}/wsman",
            transport=self.transport, user=self.user,
            password=self.password if self.transport != "kerberos" else None,
            validate_certificate=self.validate_certificate, ca_file=self.ca_file,
            message_encryption="always" if self.scheme == "http" else "auto")


@dataclass(frozen=True)
class WinRMFromAD:
    base: str
    os_filter: str | None
    include_disabled: bool


@dataclass(frozen=True)
class WinRMSettings:
    hosts: tuple[WinRMHost, ...]
    workers: int
    deadline: float
    operation_timeout: int
    services: tuple[str, ...]
    from_ad: WinRMFromAD | None = None
    defaults: WinRMDefaults | None = None  # set when from_ad is


@dataclass(frozen=True)
class LocalHostSettings:
    command_timeout: float


@dataclass(frozen=True)
class FeedSettings:
    kev_catalog: Path | None
    kev_fix_map: Path | None


@dataclass(frozen=True)
class Config:
    source: Path
    ad: ADSettings | None
    output_dir: Path
    winrm: WinRMSettings | None = None
    local_host: LocalHostSettings | None = None
    feeds: FeedSettings | None = None
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
            if plain and m.bind.method == "ntlm":
                raise doc.error(("ad", "servers", index),
                                f"{url} is plain LDAP: NTLM binds are made only over TLS. Use "
                                "ldaps:// or set 'starttls: true'")
            if plain and not m.allow_plain_bind:
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
            secret = _resolve_secret(m.bind.password, path, doc.line_of(loc), rel)
        ad = ADSettings(servers=tuple(m.servers), base_dn=m.base_dn, method=m.bind.method,
                        user=m.bind.user, password=secret, service_host=m.bind.service_host,
                        starttls=m.starttls, ca_file=ca_file,
                        validate_certificate=m.validate_certificate, timeout=m.timeout_seconds,
                        page_size=m.page_size, parallel_reads=m.parallel_reads)
    winrm = _winrm(model.winrm, doc, path, rel) if model.winrm is not None else None
    if winrm is not None and winrm.from_ad is not None and ad is None:
        raise doc.error(("winrm", "from_ad"), "winrm.from_ad reads computer objects through the "
                                              "'ad' section's connection: add an 'ad' section")
    local = None
    if model.local_host is not None and model.local_host.enabled:
        local = LocalHostSettings(command_timeout=model.local_host.command_timeout_seconds)
    feeds = None
    if model.feeds is not None:
        found = {}
        for key in ("kev_catalog", "kev_fix_map"):
            value = getattr(model.feeds, key)
            found[key] = rel(value) if value is not None else None
        feeds = FeedSettings(**found)
    datafix = datafix_settings(model.datafix, doc, base) if model.datafix is not None else None
    return Config(source=path, ad=ad, output_dir=rel(model.output.dir), winrm=winrm,
                  local_host=local, feeds=feeds, datafix=datafix)


def _resolve_secret(source: PasswordSource, where: Path, line: int | None, rel) -> Secret:
    if source.env:
        return secret_from_env(source.env, where, line)
    if source.keyring is not None:
        return secret_from_keyring(source.keyring.service, source.keyring.username, where, line)
    return secret_from_file(rel(source.file), where, line)


def _winrm(m: WinRMModel, doc, path: Path, rel) -> WinRMSettings:
    """Resolve per-host overrides and refuse insecure combinations unless opted in."""
    secrets: dict[tuple, Secret] = {}

    def secret(source: PasswordSource, loc: tuple) -> Secret:
        key = source.model_dump_json()
        if key not in secrets:
            secrets[key] = _resolve_secret(source, path, doc.line_of(loc), rel)
        return secrets[key]

    def resolve(h: WinRMHostModel, at: tuple) -> WinRMDefaults:
        transport = h.transport or m.transport
        scheme = h.scheme or m.scheme
        if scheme == "http":
            if not m.allow_http:
                raise doc.error(at, f"{h.name}: WinRM over HTTP needs 'allow_http: true' in the "
                                    "winrm section (HTTPS on 5986 is the default)")
            if transport == "basic":
                raise doc.error(at, f"{h.name}: basic authentication over HTTP would send the "
                                    "password readably; use HTTPS or ntlm/kerberos (which "
                                    "encrypt the messages)")
        if transport == "basic" and not m.allow_basic:
            raise doc.error(at, f"{h.name}: basic authentication needs 'allow_basic: true' "
                                "(prefer ntlm or kerberos)")
        user = h.user or m.user
        source = h.password or m.password
        if transport != "kerberos" and (not user or source is None):
            raise doc.error(at, f"{h.name}: {transport} needs 'user' and 'password' "
                                "(env or file), in the host entry or the winrm section")
        password = None
        if source is not None and transport != "kerberos":
            where = (*at, "password") if h.password else ("winrm", "password")
            password = secret(source, where)
        ca = h.ca_file or m.ca_file
        ca_file = rel(ca) if ca else None
        if ca_file and not ca_file.is_file():
            raise doc.error(at, f"CA file {ca_file} does not exist")
        port = h.port or m.port or (5986 if scheme == "https" else 5985)
        return WinRMDefaults(transport=transport, scheme=scheme, port=port, user=user,
                             password=password, validate_certificate=m.validate_certificate,
                             ca_file=ca_file)

    hosts: list[WinRMHost] = []
    seen: set[str] = set()
    for index, entry in enumerate(m.hosts):
        h = entry if isinstance(entry, WinRMHostModel) else WinRMHostModel(name=entry)
        at = ("winrm", "hosts", index)
        if h.name.lower() in seen:
            raise doc.error(at, f"host {h.name!r} is listed twice")
        seen.add(h.name.lower())
        hosts.append(resolve(h, at).host(h.name, h.address))
    from_ad = defaults = None
    if m.from_ad is not None:
        # Hosts found in AD use the section's settings: refuse insecure ones now, not mid-run.
        defaults = resolve(WinRMHostModel(name="hosts from AD"), ("winrm", "from_ad"))
        from_ad = WinRMFromAD(base=m.from_ad.base, os_filter=m.from_ad.os_filter,
                              include_disabled=m.from_ad.include_disabled)
    return WinRMSettings(hosts=tuple(hosts), workers=m.workers, deadline=m.deadline_seconds,
                         operation_timeout=m.operation_timeout_seconds,
                         services=tuple(m.services), from_ad=from_ad, defaults=defaults)
