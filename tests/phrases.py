"""What the Dutch-phrase tests share: where nested phrases are in a result, whether a catalog has
Dutch for one, and the heuristic that tells an English phrase passed as a value from data.

A value in a message is data (a name, a date, a title the evidence gives) or a phrase we write,
and a phrase must be a message of its own (model/message.py). The heuristic cannot know which a
text is; each test lists the values that are data, with where they come from.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from gitc_agent.i18n import catalog

#: small English words: two of them, or one in a text of three words, make a text read English
FUNCTION_WORDS = frozenset(re.findall(r"[a-z]+", """
no the is has not of and or by with without was were are be been
matches none than for to in on at from which whose"""))
#: words our own phrases use besides (a guard over the whole demo uses these too)
OUR_WORDS = FUNCTION_WORDS | frozenset(re.findall(r"[a-z]+", """
days day working after before published class version
build nested named policy same name it its as also listed given hidden them start type stopped
running disabled enabled expired unknown missing set since until older newer earlier later member
members reviewer executor approver approved reviewed executed statement first last"""))


def looks_english(value: str, words: frozenset[str] = FUNCTION_WORDS) -> bool:
    tokens = re.findall(r"[a-z]+", value)
    hits = sum(t in words for t in tokens)
    return hits >= 2 or (hits >= 1 and len(tokens) >= 3 and " " in value.strip())


def nested_nodes(params: Mapping[str, Any] | Iterable[Any]) -> Iterator[Mapping[str, Any]]:
    """Every nested {"template", "params"} node of a result's JSON-form message_params."""
    values = params.values() if isinstance(params, Mapping) else params
    for value in values:
        if not isinstance(value, Mapping):
            continue
        if isinstance(value.get("template"), str):
            yield value
            yield from nested_nodes(value.get("params") or {})
        elif isinstance(value.get("items"), list):
            yield from nested_nodes(value["items"])


def nested_templates(params: Mapping[str, Any]) -> Iterator[str]:
    return (node["template"] for node in nested_nodes(params))


@functools.cache
def dutch() -> Mapping[str, str]:
    """msgid -> Dutch, as the tool reads it (the compiled catalogs, chained)."""
    return catalog.load("nl")._catalog  # type: ignore[attr-defined]


def has_dutch(template: str) -> bool:
    """The catalog has the template ("build >= {build}" may read the same in Dutch)."""
    return template in dutch()


def english_values(results: Iterable[Mapping[str, Any]], data: Iterable[tuple[str, str]],
                   words: frozenset[str] = FUNCTION_WORDS) -> list[tuple[str, str, str]]:
    """(check, name, value) of each top-level text value that reads English and is not data."""
    known = set(data)
    return sorted({(r["check"], name, value[:80]) for r in results
                   for name, value in (r.get("message_params") or {}).items()
                   if isinstance(value, str) and (r["check"], name) not in known
                   and looks_english(value, words)})
