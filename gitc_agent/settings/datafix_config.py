"""The `datafix:` section of the environment config: where the datafix exports are and how to
read them (issue 4).

Why in the config and not the policy: file locations, separators, date formats and column names
are facts of one environment (which ticket system, which database), while the norms (who may hold
which role, how many days a review may take) are the policy's. Relative paths are relative to the
config file; a path through a symlink is refused unless `follow_symlinks: true`, so an export
folder cannot silently point somewhere else.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field

from gitc_agent.collectors.datafix.tabular import ISO, Table
from gitc_agent.settings.yaml_source import YamlDocument

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


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportModel(_Strict):
    file: Path
    format: Literal["auto", "csv", "json"] = "auto"
    delimiter: str | None = Field(default=None, min_length=1, max_length=1)
    encoding: str = "utf-8-sig"
    json_records: str | None = None
    columns: dict[str, str] = Field(default_factory=dict)


class DatafixModel(_Strict):
    # `register` would shadow a BaseModel attribute, hence the alias
    register_export: ExportModel | None = Field(default=None, alias="register")
    db_roles: ExportModel | None = None
    audit_log: ExportModel | None = None
    logins: ExportModel | None = None  # DB login -> AD account (sAMAccountName, UPN or DN)
    login_map: dict[str, str] = Field(default_factory=dict)  # the same, inline
    date_formats: list[str] = Field(default_factory=lambda: list(DEFAULT_DATE_FORMATS),
                                    min_length=1)
    timezone: str = "UTC"
    multi_value_separators: str = "\n|"
    follow_symlinks: bool = False


@dataclass(frozen=True)
class DatafixSettings:
    register: Table | None
    db_roles: Table | None
    audit_log: Table | None
    logins: Table | None
    login_map: dict[str, str]
    date_formats: tuple[str, ...]
    timezone: ZoneInfo
    separators: str
    target: str  # names the evidence documents: the config's folder name


_KNOWN = {"register_export": (REGISTER_FIELDS, REGISTER_REQUIRED),
          "db_roles": (DB_ROLE_FIELDS, DB_ROLE_REQUIRED),
          "audit_log": (AUDIT_FIELDS, AUDIT_REQUIRED),
          "logins": (LOGIN_FIELDS, LOGIN_REQUIRED)}


def datafix_settings(model: DatafixModel, doc: YamlDocument, base: Path) -> DatafixSettings:
    """Validate paths, column names and the time zone; errors point at the config line."""
    try:
        zone = ZoneInfo(model.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise doc.error(("datafix", "timezone"),
                        f"unknown time zone {model.timezone!r} (e.g. Europe/Amsterdam)") from None
    tables: dict[str, Table | None] = {}
    for name, (fields, required) in _KNOWN.items():
        export: ExportModel | None = getattr(model, name)
        at = "register" if name == "register_export" else name
        if export is None:
            tables[name] = None
            continue
        unknown = sorted(set(export.columns) - set(fields))
        if unknown:
            raise doc.error(("datafix", at, "columns"),
                            f"unknown field(s) {', '.join(unknown)}; the fields are "
                            f"{', '.join(fields)}")
        path = _path(export.file, base, model.follow_symlinks, doc, ("datafix", at, "file"))
        columns = {f: export.columns.get(f, f) for f in fields}
        tables[name] = Table(path=path, columns=columns, required=required, format=export.format,
                             delimiter=export.delimiter, encoding=export.encoding,
                             json_records=export.json_records)
    if not any(tables.values()):
        raise doc.error(("datafix",), "the datafix section names no export (register, db_roles, "
                                      "audit_log)")
    return DatafixSettings(register=tables["register_export"], db_roles=tables["db_roles"],
                           audit_log=tables["audit_log"], logins=tables["logins"],
                           login_map=dict(model.login_map), date_formats=tuple(model.date_formats),
                           timezone=zone, separators=model.multi_value_separators,
                           target=base.resolve().name or "datafix")


def _path(file: Path, base: Path, follow: bool, doc: YamlDocument, loc: tuple[str, ...]) -> Path:
    path = file if file.is_absolute() else base / file
    absolute = Path(os.path.abspath(path))
    if not follow and absolute.resolve() != absolute:
        raise doc.error(loc, f"{absolute} goes through a symbolic link (to {absolute.resolve()}); "
                             f"name the real file, or set 'follow_symlinks: true'")
    if not absolute.is_file():
        raise doc.error(loc, f"export {absolute} does not exist or is not a file")
    return absolute

