"""The languages gitc-agent speaks, English (the msgids, in the code) and Dutch, and which one a
command speaks.

Kept in the model layer so the policy (`language:`), the command line (`--lang`) and the
translator (gitc_agent.i18n, which has a catalog for each language but English) agree on one list.

Two rules, on purpose different:
- a **report** (report.json's language, the console findings view, HTML, PDF, workbook, CSV) is
  `--lang`, else the policy's `language:`, else English: never the environment, so the same
  evidence and policy give the same audit file on any machine;
- everything else a **command** says (status lines, `verify`, `policy validate`, input errors)
  is `--lang`, else the policy's `language:` once the command has loaded one, else the
  environment the way gettext reads it (the first of LANGUAGE, LC_ALL, LC_MESSAGES, LANG that is
  set and not empty), else English.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ENGLISH = "en"
LANGUAGES = ("en", "nl")
DEFAULT = ENGLISH
#: gettext's order (Python's gettext.find and GNU gettext): the first one set and not empty wins
ENVIRONMENT = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def from_environment(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the environment asks for, or None (English). The first variable that is set
    decides; LANGUAGE may list several (`fr:nl`), tried in order. `C`/`POSIX` mean English, as
    does an `en...` entry (gettext would skip it for want of an English catalog, but a user who
    writes English means English); a language gitc-agent does not speak is skipped."""
    env = os.environ if environ is None else environ
    value = next((env[name] for name in ENVIRONMENT if env.get(name)), "")
    for entry in value.split(":"):
        code = entry.strip().split(".")[0].split("@")[0].replace("-", "_").lower()
        if code in ("c", "posix") or code.startswith(ENGLISH):
            return None
        for language in LANGUAGES:
            if code == language or code.startswith(language + "_"):
                return language
    return None


def report_language(lang: str | None, policy_language: str | None) -> str:
    """A report's language: --lang, else the policy's, else English (never the environment)."""
    return lang or policy_language or DEFAULT


def command_language(lang: str | None, policy_language: str | None = None,
                     environ: Mapping[str, str] | None = None) -> str:
    """What a command says (not its report): --lang, else the policy's language when the command
    loaded a policy, else the environment, else English."""
    return lang or policy_language or from_environment(environ) or DEFAULT
