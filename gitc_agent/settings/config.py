"""The environment config (`gitc-agent.yaml`): where to look and how to connect.

Owned by the administrator. It references secrets (environment variable, owner-only file or OS
keyring), never contains them. Insecure transport needs an explicit opt-in.

One model per section. Pydantic checks the shape; each section's `resolve` then does what needs
the file's location or the outside world (relative paths made absolute, secrets read, CA files
that must exist, combinations TLS would not protect), so every problem names the file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlparse

from pydantic import Field, ValidationError, model_validator

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.run.redact import MASK
from gitc_agent.settings.ad_hygiene_config import ADHygieneSettings
from gitc_agent.settings.base import FROM_FILE, RESOLVED, Section
from gitc_agent.settings.controls_config import ControlsSettings
from gitc_agent.settings.credentials import PasswordSource, Secret
from gitc_agent.settings.datafix_config import DatafixSettings
from gitc_agent.settings.db_config import DatabaseSettings
from gitc_agent.settings.events_config import EventsSettings
from gitc_agent.settings.group_reviews_config import GroupReviewsSettings
from gitc_agent.settings.hr_config import HRSettings
from gitc_agent.settings.vuln_config import VulnSettings
from gitc_agent.settings.yaml_source import Path_, YamlDocument, load_yaml

# --- Active Directory ----------------------------------------------------------------------------


class BindSettings(Section):
    method: Literal["simple", "ntlm", "kerberos"] = "simple"
    user: str | None = None
    password: PasswordSource | None = None
    service_host: str | None = None  # DC host name in its SPN, when the URL holds an address
    secret: Annotated[Secret | None, RESOLVED] = None  # read from `password`

    @model_validator(mode="after")
    def _needs(self) -> BindSettings:
        if self.method != "kerberos" and (
                not self.user or (self.password is None and self.secret is None)):
            raise ValueError(msg("a {method} bind needs 'user' and 'password' (env or file)",
                                 method=self.method))
        return self


class ADSettings(Section):
    servers: list[str] = Field(min_length=1)
    base_dn: str | None = None
    bind: BindSettings
    starttls: bool = False
    ca_file: Path | None = None
    validate_certificate: bool = True
    allow_plain_bind: bool = False
    timeout_seconds: float = Field(default=15, gt=0, le=600)
    page_size: int = Field(default=500, ge=1, le=5000)
    # Worker processes that read users and computers in partitions, each over its own connection:
    # one connection leaves the client's decoding and the server's work in series.
    parallel_reads: int = Field(default=2, ge=1, le=16)
    hygiene: ADHygieneSettings = Field(default_factory=ADHygieneSettings)  # secret patterns

    def resolve(self, doc: YamlDocument) -> ADSettings:
        """Refuse binds that TLS would not protect, check the CA file, read the bind secret."""
        for index, url in enumerate(self.servers):
            parsed = urlparse(url)
            if parsed.scheme not in ("ldap", "ldaps") or not parsed.hostname:
                raise doc.error(("ad", "servers", index),
                                msg("{url!r} is not an ldap:// or ldaps:// URL", url=url))
            plain = parsed.scheme == "ldap" and not self.starttls
            if plain and self.bind.method == "ntlm":
                raise doc.error(("ad", "servers", index),
                                msg("{url} is plain LDAP: NTLM binds are made only over TLS. Use ldaps:// "
                                    "or set 'starttls: true'", url=url))
            if plain and not self.allow_plain_bind:
                raise doc.error(("ad", "servers", index),
                                msg("{url} is plain LDAP: the bind would not be protected by TLS. Use "
                                    "ldaps://, or set 'starttls: true', or (only for a lab) "
                                    "'allow_plain_bind: true'", url=url))
        ca_file = doc.beside(self.ca_file) if self.ca_file else None
        if ca_file and not ca_file.is_file():
            raise doc.error(("ad", "ca_file"), msg("CA file {ca_file} does not exist",
                                                   ca_file=ca_file))
        bind = self.bind
        if bind.password is not None:
            secret = bind.password.read(doc, ("ad", "bind", "password"))
            bind = bind.model_copy(update={"secret": secret})
        return self.model_copy(update={"ca_file": ca_file, "bind": bind})


# --- WinRM hosts ---------------------------------------------------------------------------------

WinRMTransport = Literal["ntlm", "kerberos", "basic"]
WinRMScheme = Literal["https", "http"]


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


def _winrm_host(name: str, address: str | None, transport: str, scheme: str, port: int | None,
                user: str | None, password: Secret | None, validate_certificate: bool,
                ca_file: Path | None) -> WinRMHost:
    address = address or name
    host_part = f"[{address}]" if ":" in address else address
    port = port or (5986 if scheme == "https" else 5985)
    return WinRMHost(name=name, endpoint=f"{scheme}://{host_part}:{port}/wsman",
                     transport=transport, user=user,
                     password=password if transport != "kerberos" else None,
                     validate_certificate=validate_certificate, ca_file=ca_file,
                     message_encryption="always" if scheme == "http" else "auto")


class WinRMHostEntry(Section):
    """One Windows host; every key but `name` overrides the section default for this host."""

    name: str = Field(min_length=1)
    address: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    transport: WinRMTransport | None = None
    scheme: WinRMScheme | None = None
    user: str | None = None
    password: PasswordSource | None = None
    ca_file: Path | None = None


class WinRMFromAD(Section):
    """Targets read from AD: computer objects under `base`, through the `ad` section's bind."""

    base: str = Field(min_length=3)
    os_filter: str | None = "Windows*"  # operatingSystem; `*` is a wildcard
    include_disabled: bool = False


class WinRMSettings(Section):
    transport: WinRMTransport = "ntlm"
    scheme: WinRMScheme = "https"
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
    hosts: list[str | WinRMHostEntry] = Field(default_factory=list)
    from_ad: WinRMFromAD | None = None
    # Filled by `resolve`: the section's own password (for hosts read from AD), and the hosts
    # to read, each with its overrides applied.
    secret: Annotated[Secret | None, RESOLVED] = None
    targets: Annotated[tuple[WinRMHost, ...], RESOLVED] = ()

    @model_validator(mode="after")
    def _has_targets(self) -> WinRMSettings:
        if not self.hosts and self.from_ad is None and not self.targets:
            raise ValueError(msg("name the Windows hosts: 'hosts' (a list), 'from_ad' (an OU to read "
                                 "computer objects from), or both"))
        return self

    def host(self, name: str, address: str | None = None) -> WinRMHost:
        """A host known only at run time (read from AD), reached with the section's settings."""
        return _winrm_host(name, address, self.transport, self.scheme, self.port, self.user,
                           self.secret, self.validate_certificate, self.ca_file)

    def resolve(self, doc: YamlDocument) -> WinRMSettings:
        """Apply per-host overrides and refuse insecure combinations unless opted in."""
        secrets: dict[str, Secret] = {}  # one read per source, however many hosts use it

        def secret(source: PasswordSource, loc: Path_) -> Secret:
            key = source.model_dump_json()
            if key not in secrets:
                secrets[key] = source.read(doc, loc)
            return secrets[key]

        section_ca = doc.beside(self.ca_file) if self.ca_file else None

        def connection(h: WinRMHostEntry, at: Path_) -> WinRMHost:
            transport = h.transport or self.transport
            scheme = h.scheme or self.scheme
            if scheme == "http":
                if not self.allow_http:
                    raise doc.error(at, msg("{host}: WinRM over HTTP needs 'allow_http: true' in the "
                                            "winrm section (HTTPS on 5986 is the default)",
                                            host=h.name))
                if transport == "basic":
                    raise doc.error(at, msg("{host}: basic authentication over HTTP would send the "
                                            "password readably; use HTTPS or ntlm/kerberos (which encrypt "
                                            "the messages)", host=h.name))
            if transport == "basic" and not self.allow_basic:
                raise doc.error(at, msg("{host}: basic authentication needs 'allow_basic: true' (prefer "
                                        "ntlm or kerberos)", host=h.name))
            user = h.user or self.user
            source = h.password or self.password
            if transport != "kerberos" and (not user or source is None):
                raise doc.error(at, msg("{host}: {transport} needs 'user' and 'password' (env or file), "
                                        "in the host entry or the winrm section", host=h.name,
                                        transport=transport))
            password = None
            if source is not None and transport != "kerberos":
                where = (*at, "password") if h.password else ("winrm", "password")
                password = secret(source, where)
            ca_file = doc.beside(h.ca_file) if h.ca_file else section_ca
            if ca_file and not ca_file.is_file():
                raise doc.error(at, msg("CA file {ca_file} does not exist", ca_file=ca_file))
            return _winrm_host(h.name, h.address, transport, scheme, h.port or self.port, user,
                               password, self.validate_certificate, ca_file)

        targets: list[WinRMHost] = []
        seen: set[str] = set()
        for index, entry in enumerate(self.hosts):
            h = entry if isinstance(entry, WinRMHostEntry) else WinRMHostEntry(name=entry)
            at = ("winrm", "hosts", index)
            if h.name.lower() in seen:
                raise doc.error(at, msg("host {host!r} is listed twice", host=h.name))
            seen.add(h.name.lower())
            targets.append(connection(h, at))
        if self.from_ad is not None:
            # Hosts found in AD use the section's settings: refuse insecure ones now, not mid-run.
            connection(WinRMHostEntry(name="hosts from AD"), ("winrm", "from_ad"))
        own = secrets.get(self.password.model_dump_json()) if self.password else None
        return self.model_copy(update={"targets": tuple(targets), "secret": own,
                                       "ca_file": section_ca})


# --- the local admin host, vulnerability feeds, output -------------------------------------------


class LocalHostSettings(Section):
    enabled: bool = True
    command_timeout_seconds: float = Field(default=120, gt=0, le=1800)


class FeedSettings(Section):
    kev_catalog: Path | None = None
    kev_fix_map: Path | None = None

    def resolve(self, doc: YamlDocument) -> FeedSettings:
        return self.model_copy(update={
            "kev_catalog": doc.beside(self.kev_catalog) if self.kev_catalog else None,
            "kev_fix_map": doc.beside(self.kev_fix_map) if self.kev_fix_map else None})


class OutputSettings(Section):
    dir: Path = Path("gitc-reports")


class Config(Section):
    """The whole file. After `load_config` a section is None when it has nothing to collect
    (absent, or `local_host: {enabled: false}`)."""

    ad: ADSettings | None = None
    winrm: WinRMSettings | None = None
    local_host: LocalHostSettings | None = None
    feeds: FeedSettings | None = None
    datafix: DatafixSettings | None = None  # datafix register, DB roles, audit log
    events: EventsSettings | None = None  # security-event exports (EVTX, ECS, Splunk, WEF)
    controls: ControlsSettings | None = None  # the internal-control log export
    databases: DatabaseSettings | None = None  # database servers (collector `db`)
    vuln: VulnSettings | None = None  # CSAF advisory sources, inventory and ticket exports
    hr: HRSettings | None = None  # the HR export, joiner requests and the account match
    group_reviews: GroupReviewsSettings | None = None  # review records of group re-certifications
    output: OutputSettings = Field(default_factory=OutputSettings)
    source: Annotated[Path | None, RESOLVED] = None  # the config file

    def resolve(self, doc: YamlDocument) -> Config:
        ad = self.ad.resolve(doc) if self.ad is not None else None
        winrm = self.winrm.resolve(doc) if self.winrm is not None else None
        if winrm is not None and winrm.from_ad is not None and ad is None:
            raise doc.error(("winrm", "from_ad"), msg("winrm.from_ad reads computer objects through the "
                                                      "'ad' section's connection: add an 'ad' section"))
        local = self.local_host if self.local_host is not None and self.local_host.enabled \
            else None
        feeds = self.feeds.resolve(doc) if self.feeds is not None else None
        datafix = self.datafix.resolve(doc) if self.datafix is not None else None
        events = self.events.resolve(doc) if self.events is not None else None
        controls = self.controls.resolve(doc) if self.controls is not None else None
        databases = self.databases.resolve(doc) if self.databases is not None else None
        vuln = self.vuln.resolve(doc) if self.vuln is not None else None
        output = OutputSettings(dir=doc.beside(self.output.dir))
        return self.model_copy(update={"ad": ad, "winrm": winrm, "local_host": local,
                                       "feeds": feeds, "datafix": datafix, "output": output,
                                       "events": events,
                                       "databases": databases,
                                       "controls": controls,
                                       "vuln": vuln,
                                       "hr": self.hr.resolve(doc) if self.hr else None,
                                       "group_reviews": (self.group_reviews.resolve(doc)
                                                         if self.group_reviews else None),
                                       "source": doc.path})


# scheme://userinfo@ : greedy up to the last @ of the authority, so a password with an @ in it
# is masked whole.
_URL_USERINFO = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?P<userinfo>[^/?#\s]*)@")
_HOST_USERINFO = re.compile(r"^(?P<userinfo>[^/?#\s]*)@")


def _host_fields(data: dict[str, Any]) -> set[Path_]:
    """Where the file names a server or host: `user:password@host` there is credentials too."""
    at: set[Path_] = set()
    ad, winrm = data.get("ad"), data.get("winrm")
    if isinstance(ad, dict) and isinstance(ad.get("servers"), list):
        at.update(("ad", "servers", i) for i in range(len(ad["servers"])))
    if isinstance(winrm, dict) and isinstance(winrm.get("hosts"), list):
        for i, host in enumerate(winrm["hosts"]):
            at.update({("winrm", "hosts", i), ("winrm", "hosts", i, "name"),
                       ("winrm", "hosts", i, "address")} if isinstance(host, dict | str) else ())
    return at


def _refuse_credentials_in_urls(doc: YamlDocument) -> None:
    """A user or password written into a URL (`ldaps://svc:pw@dc1`) or a host (`svc:pw@ws01`)
    would travel with the URL into evidence, the report, the log and the console, and the
    secret is then in a file owned by someone else. Checked before anything else reads the
    values, so no other message can echo one; the message masks it."""
    hosts = _host_fields(doc.data)

    def walk(value: Any, at: Path_) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, (*at, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, (*at, index))
        elif isinstance(value, str):
            found = _URL_USERINFO.search(value) or (_HOST_USERINFO.search(value)
                                                    if at in hosts else None)
            if found:
                start, end = found.span("userinfo")
                masked = value[:start] + MASK + value[end:]
                raise doc.error(at, msg("{masked!r}: credentials in a URL or host name are refused (they "
                                        "would be written into evidence, reports and logs); name the "
                                        "account in 'user' and reference its password in 'password' (env, "
                                        "file or keyring)", masked=masked))

    walk(doc.data, ())


def load_config(path: Path) -> Config:
    doc = load_yaml(path)
    if not isinstance(doc.data, dict):
        raise InputError(msg("a config must be a mapping (ad:, output:)"), path, 1)
    _refuse_credentials_in_urls(doc)
    try:
        config = Config.model_validate(doc.data, context=FROM_FILE)
    except ValidationError as exc:
        raise doc.validation_error(exc) from None
    return config.resolve(doc)
