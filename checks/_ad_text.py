"""`N_`: marks an English message template kept in a table, so extraction finds it.

Why here: checks may import only gitc_agent.core and gitc_agent.model, and the extractor
(`python3 -m gitc_agent.i18n extract`) recognises the marker by its name. A table of templates
is how a check says one of several complete sentences (a disabled or an expired account, one
reason or another) without gluing English fragments together, so each can be translated whole.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text
