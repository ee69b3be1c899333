"""`N_` and `NP_`: mark a module-level string for extraction without translating it there.

A constant is defined before any language is known (a column header, a status label), so it is
written in English, marked so `python3 -m gitc_agent.i18n extract` finds it, and translated where
it is shown. `NP_` adds a context for a short word that is ambiguous alone (`pass`, `open`).
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text


def NP_(context: str, text: str) -> str:
    return text
