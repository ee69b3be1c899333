"""The `databases:` section of the environment config: which database servers to read and how.

Why in the config: host names, ports, CA files, the reading account and where its secret comes
from are facts of one environment; which roles are privileged and who is approved are the
policy's. TLS with certificate *and host name* validation (`sslmode: verify-full`) is the default;
anything weaker must be asked for by name. SQL Server is read from the result sets of the shipped
catalog script (`result_sets:`), the usual audit route where the auditor gets no login, or live
(`host`, `user`, `password`; the optional `sqlserver` extra, pymssql) with the same script, so
one mapping serves both routes.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section
from gitc_agent.settings.credentials import PasswordSource, Secret
from gitc_agent.settings.yaml_source import YamlDocument

SslMode = Literal["verify-full", "verify-ca", "require", "prefer", "disable"]
HOST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")  # a host name, IPv4 or IPv6 address
PATH_TEXT = re.compile(r"[^\x00-\x1f\[\]]+")
VALIDATING = ("verify-full", "verify-ca")


class DatabaseServer(Section):
    """One database server; `name` becomes the evidence target (`db.instance@<name>`)."""

    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
    engine: Literal["postgresql", "sqlserver"]
    host: str | None = None
    port: int | None = Field(default=None, ge=1, le=65535)
    dbname: str = "postgres"  # the database to connect to (the catalog is cluster-wide);
    #                           SQL Server: master unless given
    user: str | None = None
    password: PasswordSource | None = None
    sslmode: SslMode = "verify-full"
    ca_file: Path | None = None  # default: the system trust store
    allow_unvalidated_tls: bool = False  # required for sslmode require/prefer/disable
    timeout_seconds: float = Field(default=10, gt=0, le=600)
    result_sets: Path | None = None  # sqlserver: the catalog script's output (file or folder)
    secret: Annotated[Secret | None, RESOLVED] = None

    @model_validator(mode="after")
    def _needs(self) -> DatabaseServer:
        if self.engine == "postgresql":
            if not self.host or not self.user or (self.password is None and self.secret is None):
                raise ValueError(msg("{name}: a postgresql server needs 'host', 'user' and 'password' "
                                     "(env, file or keyring)", name=self.name))
            if self.result_sets is not None:
                raise ValueError(msg("{name}: 'result_sets' is for sqlserver", name=self.name))
        elif self.result_sets is not None:
            if self.host or self.user or self.password is not None:
                raise ValueError(msg("{name}: give either 'result_sets' (the catalog script's output) or "
                                     "'host', 'user' and 'password' (read live), not both",
                                     name=self.name))
        elif not self.host or not self.user or (self.password is None and self.secret is None):
            raise ValueError(msg("{name}: a sqlserver is read live (give 'host', 'user' and 'password': "
                                 "env, file or keyring) or from the result sets of the shipped catalog "
                                 "script (give 'result_sets': a file or folder; see docs/databases.md)",
                                 name=self.name))
        elif not HOST.fullmatch(self.host) or (self.ca_file is not None
                                               and not PATH_TEXT.fullmatch(str(self.ca_file))):
            # both go into a generated freetds.conf: a line break would add settings to it
            raise ValueError(msg("{name}: 'host' must be a host name or IP address, and 'ca_file' a path "
                                 "without line breaks or brackets", name=self.name))
        return self

    @property
    def live(self) -> bool:
        """Read over the network (PostgreSQL always; SQL Server without `result_sets`)."""
        return self.result_sets is None

    @property
    def database(self) -> str:
        """The database the session opens: `dbname`, or the engine's default."""
        if self.engine == "sqlserver" and "dbname" not in self.model_fields_set:
            return "master"
        return self.dbname


class DatabaseSettings(Section):
    servers: list[DatabaseServer] = Field(min_length=1)
    # DB login or Windows login -> AD account (sAMAccountName, UPN, DN or SID), so a person is
    # the same person in AD, the database and the datafix register.
    login_map: dict[str, str] = Field(default_factory=dict)

    def resolve(self, doc: YamlDocument) -> DatabaseSettings:
        """Refuse duplicate names and weak TLS without opt-in, check files, read the secrets."""
        seen: set[str] = set()
        servers = []
        for index, server in enumerate(self.servers):
            at = ("databases", "servers", index)
            if server.name.lower() in seen:
                raise doc.error(at, msg("database server {server_name!r} is listed twice",
                                        server_name=server.name))
            seen.add(server.name.lower())
            if server.live and server.sslmode not in VALIDATING \
                    and not server.allow_unvalidated_tls:
                raise doc.error((*at, "sslmode"),
                                msg("{server_name}: sslmode {sslmode} does not validate the server's "
                                    "certificate, so the password could go to an impostor. Use verify-full "
                                    "(the default) or, only for a lab, set 'allow_unvalidated_tls: true'",
                                    server_name=server.name, sslmode=server.sslmode))
            update: dict[str, object] = {}
            if server.ca_file is not None:
                ca = doc.beside(server.ca_file)
                if not ca.is_file():
                    raise doc.error((*at, "ca_file"), msg("CA file {ca} does not exist", ca=ca))
                update["ca_file"] = ca
            if server.result_sets is not None:
                sets = doc.beside(server.result_sets)
                if not sets.exists():
                    raise doc.error((*at, "result_sets"), msg("{sets} does not exist", sets=sets))
                update["result_sets"] = sets
            if server.password is not None:
                update["secret"] = server.password.read(doc, (*at, "password"))
            servers.append(server.model_copy(update=update))
        return self.model_copy(update={"servers": servers})
