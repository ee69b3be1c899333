"""What every settings model shares: unknown keys are errors, and what the loader resolves
cannot be written in the file.

A misspelt key in a policy or config must fail with file and line, not quietly leave a default in
force. A config section is one model: the keys as the administrator writes them, plus a few
fields the loader fills from them (a secret read from its source, the hosts it connects to). Those
are marked `RESOLVED`; a file that sets one gets "unknown key", so a secret or a connection
target can never come from the file itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from gitc_agent.model.message import msg

if TYPE_CHECKING:
    from gitc_agent.settings.yaml_source import YamlDocument

#: Validation context for values read from a file (see `Section`).
FROM_FILE = {"from_file": True}


class Strict(BaseModel):
    """Unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")


class _Resolved:
    """Marks a field the loader fills: `secret: Annotated[Secret | None, RESOLVED] = None`."""

    def __repr__(self) -> str:
        return "RESOLVED"


RESOLVED = _Resolved()


class Section(Strict):
    """A config section: immutable once loaded; its RESOLVED fields are refused from a file.

    Code (and tests) may construct a section with resolved values directly.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    @field_validator("*", mode="before")
    @classmethod
    def _not_from_file(cls, value: Any, info: ValidationInfo) -> Any:
        if (info.context or {}).get("from_file") and info.field_name is not None \
                and RESOLVED in cls.model_fields[info.field_name].metadata:
            raise PydanticCustomError("extra_forbidden", "Extra inputs are not permitted")
        return value


def check_time_zone(doc: YamlDocument, section: str, name: str) -> None:
    """A section's `timezone` names a zone this machine knows, or the config fails at its line
    (naive timestamps in an export are read in it)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise doc.error((section, "timezone"), msg("unknown time zone {name!r} (e.g. Europe/Amsterdam)",
                                                   name=name)) from None
