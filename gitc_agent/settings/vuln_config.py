"""The `vuln:` section of the environment config: where the advisories, the inventory export
and the back office's ticket export are on disk, and how to read the exports.

Why in the config: which folders mirror NCSC-NL's and Microsoft's CSAF providers and which
columns the endpoint manager and the ticket system export are facts of one environment; how old
a source may be and how fast an advisory must be fixed are the policy's norms. Nothing is
downloaded at run time: a source is a folder of CSAF documents or a local provider mirror.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section, check_time_zone
from gitc_agent.settings.datafix_config import ExportSettings, Table
from gitc_agent.settings.yaml_source import Path_, YamlDocument

INVENTORY_FIELDS = ("host", "name", "version", "publisher")
INVENTORY_REQUIRED = ("host", "name", "version")
TICKET_FIELDS = ("ticket", "opened_at", "closed_at", "reference", "category", "queue", "title")
TICKET_REQUIRED = ("ticket", "opened_at", "closed_at", "reference")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,62}$")


class CsafSource(Section):
    """One advisory source: a folder of CSAF 2.0 JSON documents or a provider mirror (a folder
    with `provider-metadata.json`, its ROLIE feeds or `changes.csv`)."""

    name: str  # names the evidence and the policy's per-source settings: ncsc-nl, microsoft
    path: Path

    @field_validator("name")
    @classmethod
    def _plain(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(msg("a source name is lower-case letters, digits, '.', '_' or '-' (e.g. "
                                 "ncsc-nl, microsoft)"))
        return value


class VulnSettings(ExportSettings):
    sources: list[CsafSource] = Field(default_factory=list)
    inventory: Table | None = None  # installed software per host from the endpoint manager
    tickets: Table | None = None  # the back office's ticket export
    multi_value_separators: str = "\n|,;"
    target: Annotated[str, RESOLVED] = "vuln"  # names the export evidence: the config's folder

    def resolve(self, doc: YamlDocument) -> VulnSettings:
        """Paths made absolute and checked, names unique, columns known; errors name the line."""
        check_time_zone(doc, "vuln", self.timezone)
        seen: set[str] = set()
        sources = []
        for index, source in enumerate(self.sources):
            if source.name in seen:
                raise doc.error(("vuln", "sources", index, "name"),
                                msg("source {source_name!r} is named twice", source_name=source.name))
            seen.add(source.name)
            path = Path(os.path.abspath(doc.beside(source.path)))
            if not path.is_dir():
                raise doc.error(("vuln", "sources", index, "path"),
                                msg("{path} is not a folder (a folder of CSAF documents or a provider "
                                    "mirror with provider-metadata.json)", path=path))
            sources.append(source.model_copy(update={"path": path}))
        tables = {}
        for name, fields, required in (("inventory", INVENTORY_FIELDS, INVENTORY_REQUIRED),
                                       ("tickets", TICKET_FIELDS, TICKET_REQUIRED)):
            table: Table | None = getattr(self, name)
            if table is None:
                continue
            unknown = sorted(set(table.columns) - set(fields))
            if unknown:
                raise doc.error(("vuln", name, "columns"),
                                msg("unknown field(s) {items}; the fields are {items2}",
                                    items=', '.join(unknown), items2=', '.join(fields)))
            path = _export(table.file, self.follow_symlinks, doc, ("vuln", name, "file"))
            tables[name] = table.model_copy(update={
                "file": path, "columns": {f: table.columns.get(f, f) for f in fields},
                "required": required})
        if not sources and not tables:
            raise doc.error(("vuln",), msg("the vuln section names nothing to read (sources, inventory, "
                                           "tickets)"))
        return self.model_copy(update={"sources": sources, **tables,
                                       "target": doc.path.parent.resolve().name or "vuln"})


def _export(file: Path, follow: bool, doc: YamlDocument, loc: Path_) -> Path:
    absolute = Path(os.path.abspath(doc.beside(file)))
    if not follow and absolute.resolve() != absolute:
        raise doc.error(loc, msg("{absolute} goes through a symbolic link (to {target}); name the real "
                                 "file, or set 'follow_symlinks: true'", absolute=absolute,
                                 target=absolute.resolve()))
    if not absolute.is_file():
        raise doc.error(loc, msg("export {absolute} does not exist or is not a file",
                                 absolute=absolute))
    return absolute
