"""A message a user reads, kept as a template and its values so it can be shown in any language.

Checks say what they found in English (`msg("{account} left on {end}", account=..., end=...)`);
the English text is the gettext msgid, and a renderer looks the template up in the catalog of the
report's language and fills in the same values. Values are plain scalars, so a saved report can
be rendered again later in another language from its JSON alone.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Message:
    template: str
    params: Mapping[str, Scalar]

    def __str__(self) -> str:
        return render(self.template, self.params)


def N_(text: str) -> str:
    """Marks an English template kept in a table or a constant, so extraction
    (`python3 -m gitc_agent.i18n extract`, which knows the marker by its name) finds it; it is
    translated where it is shown. A table of whole sentences is how a check says one of several
    (a disabled or an expired account) without gluing fragments together."""
    return text


def NP_(context: str, text: str) -> str:
    """N_ with a context, for a short word that is ambiguous alone (`pass`, `open`)."""
    return text


def msg(template: str, /, **params: Any) -> Message:
    """A translatable message; a placeholder without a value (or a value no template uses) is a
    programming error, raised at once so a test finds it rather than a user."""
    fields = template_fields(template)
    if fields != set(params):
        missing, extra = sorted(fields - set(params)), sorted(set(params) - fields)
        raise ValueError(f"message template {template!r}: missing values {missing}, "
                         f"unused values {extra}")
    return Message(template, {name: _scalar(value) for name, value in params.items()})


@functools.lru_cache(maxsize=4096)
def template_fields(template: str) -> frozenset[str]:
    """The named placeholders of a str.format template; positional or indexed ones are refused
    because a translation may reorder them."""
    names = set()
    for _text, name, _spec, _conv in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier():
            raise ValueError(f"message template {template!r}: placeholder {{{name}}} must be a "
                             "plain name")
        names.add(name)
    return frozenset(names)


def render(template: str, params: Mapping[str, Scalar]) -> str:
    return template.format_map(params)


def _scalar(value: Any) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)
