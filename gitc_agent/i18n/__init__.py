"""Every text a user reads, in the report's language (see catalog.py, translator.py, terms.py).

English is the msgid, written in the code; other languages are gettext catalogs under
locale/<lang>/LC_MESSAGES/<area>.po, compiled to .mo files that the stdlib reads at run time.
"""

from __future__ import annotations

from gitc_agent.i18n.translator import Translator
from gitc_agent.model.language import DEFAULT, LANGUAGES
from gitc_agent.model.message import N_, NP_

__all__ = ["DEFAULT", "LANGUAGES", "NP_", "N_", "Translator"]
