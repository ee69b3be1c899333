"""The `hr:` section of the environment config: where the HR export and the joiner requests are,
how to read them, and how an AD account is tied to a person.

Why in the config: the files, their separators, date formats and column names are facts of one
environment (which HR system, which ticket system); the norms (grace days after the last working
day, how long before creation a request must be approved) are the policy's. The exports are read
like the datafix register (collectors/datafix/tabular.py): same column mapping, same handling of
Dutch Excel CSV, same rejected rows with file, row and reason.

A mapped column that the export lacks is a configuration error (exit 2), also for an optional
field: a mapping written in the config says the column is there.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gitc_agent.model.message import msg
from gitc_agent.settings.base import RESOLVED, Section, check_time_zone
from gitc_agent.settings.datafix_config import ExportSettings, Table, _path
from gitc_agent.settings.yaml_source import YamlDocument

PERSON_FIELDS = ("employee_id", "name", "start", "end", "department", "manager", "function",
                 "previous_department", "moved_on")  # the last two: a department change
PERSON_REQUIRED = ("employee_id", "name", "start", "end")
REQUEST_FIELDS = ("ticket", "account", "employee_id", "requested_at", "approved_at", "approver")
REQUEST_REQUIRED = ("ticket", "requested_at")
MAPPING_FIELDS = ("account", "employee_id")
MAPPING_REQUIRED = ("account", "employee_id")
#: AD attributes the accounts collector reads that can carry the HR key
MATCH_ATTRIBUTES = ("employeeID", "sAMAccountName", "userPrincipalName", "mail")


class Match(Section):
    """How an AD account is tied to an HR record: an attribute holding the employee id, plus
    an account -> employee id mapping (file and inline) for accounts that do not carry it (the
    admin account of a person)."""

    attribute: Literal["employeeID", "sAMAccountName", "userPrincipalName", "mail"] = "employeeID"
    mapping: Table | None = None  # columns: account (sAMAccountName or UPN), employee_id
    accounts: dict[str, str] = Field(default_factory=dict)  # the same, inline


class HRSettings(ExportSettings):
    persons: Table  # the HR export (columns: PERSON_FIELDS)
    requests: Table | None = None  # the joiner requests (columns: REQUEST_FIELDS)
    match: Match = Field(default_factory=Match)
    # timezone: of naive request timestamps; HR dates are calendar days
    target: Annotated[str, RESOLVED] = "hr"  # names the evidence: the config's folder name

    def resolve(self, doc: YamlDocument) -> HRSettings:
        """Check paths, column names and the time zone; errors point at the config line."""
        check_time_zone(doc, "hr", self.timezone)
        persons = _table(self.persons, PERSON_FIELDS, PERSON_REQUIRED, self.follow_symlinks,
                         doc, ("hr", "persons"))
        requests = None if self.requests is None else _table(
            self.requests, REQUEST_FIELDS, REQUEST_REQUIRED, self.follow_symlinks, doc,
            ("hr", "requests"))
        match = self.match
        if match.mapping is not None:
            match = match.model_copy(update={"mapping": _table(
                match.mapping, MAPPING_FIELDS, MAPPING_REQUIRED, self.follow_symlinks, doc,
                ("hr", "match", "mapping"))})
        for account, employee in match.accounts.items():
            if not account.strip() or not str(employee).strip():
                raise doc.error(("hr", "match", "accounts"),
                                msg("an account or employee id in the inline mapping is empty"))
        return self.model_copy(update={"persons": persons, "requests": requests, "match": match,
                                       "target": doc.path.parent.resolve().name or "hr"})


def _table(table: Table, fields: tuple[str, ...], required: tuple[str, ...], follow: bool,
           doc: YamlDocument, at: tuple[str, ...]) -> Table:
    unknown = sorted(set(table.columns) - set(fields))
    if unknown:
        raise doc.error((*at, "columns"), msg("unknown field(s) {items}; the fields are {items2}",
                                              items=', '.join(unknown), items2=', '.join(fields)))
    path = _path(table.file, follow, doc, (*at, "file"))
    mapped = tuple(f for f in fields if f in table.columns and f not in required)
    return table.model_copy(update={"file": path,
                                    "columns": {f: table.columns.get(f, f) for f in fields},
                                    "required": (*required, *mapped)})
