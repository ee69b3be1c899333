"""The languages a report can be written in: English (the msgids, in the code) and Dutch.

Kept in the model layer so the policy (`language:`), the command line (`--lang`) and the
translator (gitc_agent.i18n, which has a catalog for each language but English) agree on one list.
"""

from __future__ import annotations

ENGLISH = "en"
LANGUAGES = ("en", "nl")
DEFAULT = ENGLISH
