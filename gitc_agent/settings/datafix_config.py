"""The `datafix:` section of the environment config: where the datafix exports are and how to
read them.

Why in the config and not the policy: file locations, separators, date formats and column names
are facts of one environment (which ticket system, which database), while the norms (who may hold
which role, how many days a review may take) are the policy's. Relative paths are relative to the
config file; a path through a symlink is refused unless `follow_symlinks: true`, so an export
folder cannot silently point somewhere else.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from gitc_agent.model.message import msg
from gitc_agent.settings.audit_log_formats import LOG_FORMAT_DEFAULTS
from gitc_agent.settings.base import RESOLVED, Section, check_time_zone
from gitc_agent.settings.yaml_source import Path_, YamlDocument

ISO = "iso"  # pseudo-format in a date list: ISO 8601 (datetime.fromisoformat)
REGISTER_FIELDS = ("ticket", "requester", "approver", "approved_at", "executor",
                   "execution_start", "execution_end", "reviewer", "reviewed_at",
                   "window_start", "window_end", "database", "title")
REGISTER_REQUIRED = ("ticket", "requester", "approver", "approved_at", "executor",
                     "execution_start", "reviewer", "reviewed_at")
DB_ROLE_FIELDS = ("principal", "role", "database")
DB_ROLE_REQUIRED = ("principal", "role")
AUDIT_FIELDS = ("timestamp", "principal", "statement", "object", "ticket", "database", "session")
AUDIT_REQUIRED = ("timestamp", "principal", "statement", "object")
LOGIN_FIELDS = ("login", "account")
LOGIN_REQUIRED = ("login", "account")
DEFAULT_DATE_FORMATS = ["%d-%m-%Y %H:%M", "%d-%m-%Y %H:%M:%S", "%d-%m-%Y", ISO]


class Table(Section):
    """How to read one export: its file, format, dialect and column mapping.

    Resolved, `file` is absolute, `columns` maps every field of the export (a field the config
    does not map is looked for under its own name) and `required` names the fields that must be
    there.
    """

    file: Path
    format: Literal["auto", "csv", "json"] = "auto"  # auto: by suffix
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)  # None: sniff , ; tab |
    encoding: str = "utf-8-sig"
    json_records: str | None = None  # key of the list of records in a JSON object
    columns: dict[str, str] = Field(default_factory=dict)  # field -> column name in the export
    required: Annotated[tuple[str, ...], RESOLVED] = ()

    @field_validator("encoding")
    @classmethod
    def _text_encoding(cls, value: str) -> str:
        """Refused here, with the config line: an unknown or bytes-to-bytes codec (rot13,
        base64) would otherwise fail mid-collection, when the export is read."""
        try:
            b"a".decode(value)
        except UnicodeDecodeError:
            pass  # a text codec; this one byte is just not valid in it (utf-16)
        except (LookupError, UnicodeError):
            raise ValueError(msg("{value!r} is not a text encoding Python knows (e.g. utf-8-sig, cp1252, "
                                 "utf-16)", value=value)) from None
        return value


class AuditLogTable(Table):
    """The audit-log export: a table, plus how its statement values read as SQL statements.

    Logs often hold codes (SQL Server audit `action_id`: UP, DL, IN, SL) rather than words; an
    unmapped value is not guessed: the log check reports it as unrecognised.
    """

    statement_map: dict[str, str] = Field(default_factory=dict)  # value in the export -> statement
    # export: any CSV/JSON table; pgaudit: PostgreSQL's csvlog; sqlserver_audit: the result set
    # of the shipped script (sys.fn_get_audit_file), with its columns and action ids preset
    log_format: Literal["export", "pgaudit", "sqlserver_audit"] = "export"
    # the `db.instance` target (databases: name) whose audit state this log depends on
    instance: str | None = Field(default=None, min_length=1)

    def with_format_defaults(self) -> AuditLogTable:
        """The preset columns and statement codes of the log format, under the config's own."""
        columns, codes = LOG_FORMAT_DEFAULTS.get(self.log_format, ({}, {}))
        return self.model_copy(update={"columns": {**columns, **self.columns},
                                       "statement_map": {**codes, **self.statement_map}})


_KNOWN = {"register_export": (REGISTER_FIELDS, REGISTER_REQUIRED),
          "db_roles": (DB_ROLE_FIELDS, DB_ROLE_REQUIRED),
          "audit_log": (AUDIT_FIELDS, AUDIT_REQUIRED),
          "logins": (LOGIN_FIELDS, LOGIN_REQUIRED)}


class ExportSettings(Section):
    """What every section that reads exported tables shares: how their dates are written, the
    zone of naive timestamps (checked by the section's `resolve`), and whether a link to an
    export is followed."""

    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS),
                                    min_length=1)
    timezone: str = "UTC"
    follow_symlinks: bool = False

    @property
    def zone(self) -> ZoneInfo:
        """The time zone of naive timestamps."""
        return ZoneInfo(self.timezone)


class DatafixSettings(ExportSettings):
    # `register` would shadow a BaseModel attribute, hence the alias
    register_export: Table | None = Field(default=None, alias="register")
    db_roles: Table | None = None
    audit_log: AuditLogTable | None = None
    logins: Table | None = None  # DB login -> AD account (sAMAccountName, UPN or DN)
    login_map: dict[str, str] = Field(default_factory=dict)  # the same, inline
    multi_value_separators: str = "\n|"
    target: Annotated[str, RESOLVED] = "datafix"  # names the evidence: the config's folder name

    def resolve(self, doc: YamlDocument) -> DatafixSettings:
        """Check paths, column names and the time zone; errors point at the config line."""
        check_time_zone(doc, "datafix", self.timezone)
        tables: dict[str, Table] = {}
        for name, (fields, required) in _KNOWN.items():
            table: Table | None = getattr(self, name)
            if table is None:
                continue
            if isinstance(table, AuditLogTable):
                table = table.with_format_defaults()
            at = "register" if name == "register_export" else name
            unknown = sorted(set(table.columns) - set(fields))
            if unknown:
                raise doc.error(("datafix", at, "columns"),
                                msg("unknown field(s) {items}; the fields are {items2}",
                                    items=', '.join(unknown), items2=', '.join(fields)))
            path = _path(table.file, self.follow_symlinks, doc, ("datafix", at, "file"))
            tables[name] = table.model_copy(update={
                "file": path, "columns": {f: table.columns.get(f, f) for f in fields},
                "required": required})
        if not tables:
            raise doc.error(("datafix",), msg("the datafix section names no export (register, db_roles, "
                                              "audit_log)"))
        return self.model_copy(update={**tables,
                                       "target": doc.path.parent.resolve().name or "datafix"})


def _path(file: Path, follow: bool, doc: YamlDocument, loc: Path_) -> Path:
    absolute = Path(os.path.abspath(doc.beside(file)))
    if not follow and absolute.resolve() != absolute:
        raise doc.error(loc, msg("{absolute} goes through a symbolic link (to {target}); name the real "
                                 "file, or set 'follow_symlinks: true'", absolute=absolute,
                                 target=absolute.resolve()))
    if not absolute.is_file():
        raise doc.error(loc, msg("export {absolute} does not exist or is not a file",
                                 absolute=absolute))
    return absolute

