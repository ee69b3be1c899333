"""The `ad.hygiene:` part of the environment config: which text in `description`/`info` looks like
a written-down password.

Why in the config and not the policy: the collector matches the text while it reads it and keeps
only which pattern matched, never the text itself (a password written in a description must not
end up in evidence, reports or logs). The patterns are therefore fixed at collection time; the
evidence records the ids and expressions that were applied, so an auditor sees what was tested.
Patterns are case-insensitive regular expressions (Python `re`).
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from gitc_agent.model.message import msg
from gitc_agent.settings.base import Section

#: id -> expression. Dutch and English, the forms seen in descriptions of service accounts.
DEFAULT_SECRET_PATTERNS: dict[str, str] = {
    "pw-colon": r"\b(pw|pwd|ww)\s*[:=]",
    "password-assign": r"\b(password|passwd|pass)\s*[:=]",
    "wachtwoord": r"\bwachtwoord\b",
    "password-is": r"\b(password|wachtwoord)\s+(is|=)\s+\S",
}


class ADHygieneSettings(Section):
    secret_patterns: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SECRET_PATTERNS))

    @field_validator("secret_patterns")
    @classmethod
    def _compiles(cls, patterns: dict[str, str]) -> dict[str, str]:
        for key, expression in patterns.items():
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", key):
                raise ValueError(msg("pattern id {key!r}: use 1-40 letters, digits, '.', '_' or '-'",
                                     key=key))
            try:
                re.compile(expression, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(msg("pattern {key!r} is not a valid regular expression: {problem}",
                                     key=key, problem=exc)) from exc
        return patterns
