"""A message a user reads, kept as a template and its values so it can be shown in any language.

Checks say what they found in English (`msg("{account} left on {end}", account=..., end=...)`);
the English text is the gettext msgid, and a renderer looks the template up in the catalog of the
report's language and fills in the same values. A value is a plain scalar (data: a name, a date,
a count), or a phrase that is itself a Message (a reason, a problem), or a MessageList of them,
so no English phrase ends up inside a Dutch sentence. In report.json a nested message is kept as
{"template", "params"} and a list as {"join", "items"} (`plain`), so a saved report can be
rendered again later in another language from its JSON alone.
"""

from __future__ import annotations

import functools
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

Scalar = str | int | float | bool | None
SCALARS = (str, int, float, bool, type(None))
_PLAIN = frozenset(SCALARS)
MAX_DEPTH = 8  # a phrase in a phrase in a list ...; a hand-edited report deeper than this is refused


@dataclass(frozen=True, slots=True)
class Message:
    """A template and its values. Immutable, so a phrase a check builds once (a due-date basis
    shared by 10,000 results) renders its English and its JSON form once, and every result
    shares the same JSON dict (nothing downstream changes a result's params in place)."""

    template: str
    params: Mapping[str, Any]  # Scalar, Message or MessageList
    _english: str | None = field(default=None, init=False, compare=False, repr=False)
    _json: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __str__(self) -> str:
        if self._english is None:
            object.__setattr__(self, "_english", _fill(self.template, self.params, None, 0))
        return self._english  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class MessageList:
    """Phrases shown one after another ("no employeeID; name matches 'svc-*'"), each translated."""

    items: tuple[Message | str, ...]
    separator: str = "; "
    _json: dict[str, Any] | None = field(default=None, init=False, compare=False, repr=False)

    def __str__(self) -> str:
        return self.separator.join(str(item) for item in self.items)


def msg_list(items: Iterable[Message | str], sep: str = "; ") -> MessageList:
    return MessageList(tuple(items), sep)


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


def phrase(text: str | Message) -> Message:
    """A phrase handed over as a plain string (marked with N_ where it is written, such as
    `read_regular(path, limit, N_("signing key"))`) used as a value: a Message, so the sentence
    it goes into translates it too. Braces in it are text, not placeholders."""
    if isinstance(text, Message):
        return text
    return Message(text.replace("{", "{{").replace("}", "}}"), {})


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


def render(template: str, params: Mapping[str, Any],
           gettext: Callable[[str], str] | None = None) -> str:
    """The template filled with its values; with `gettext`, the template and every nested one
    translated (a translation whose placeholders do not fit falls back to the English template,
    so a bad catalog entry costs the translation, never the content). `params` may hold Message
    objects or their JSON form; a malformed JSON form raises ValueError."""
    return _fill(template, params, gettext, 0)


def _fill(template: str, params: Mapping[str, Any], gettext: Callable[[str], str] | None,
          depth: int) -> str:
    for v in params.values():  # a loop, not all(): this runs once per result (300,000)
        if type(v) not in _PLAIN:
            params = {k: _text(v, gettext, depth + 1) for k, v in params.items()}
            break
    if gettext is None:
        return template.format_map(params)
    try:
        return gettext(template).format_map(params)
    except (KeyError, ValueError, IndexError, AttributeError):
        return template.format_map(params)


def _text(value: Any, gettext: Callable[[str], str] | None, depth: int) -> Any:
    if isinstance(value, SCALARS):  # a StrEnum too
        return value
    if depth > MAX_DEPTH:
        raise ValueError(f"messages nested deeper than {MAX_DEPTH}")
    if isinstance(value, Message):
        if gettext is None:
            return str(value)
        return _fill(value.template, value.params, gettext, depth)
    if isinstance(value, MessageList):
        return value.separator.join(str(_text(i, gettext, depth + 1)) for i in value.items)
    if isinstance(value, Mapping):  # the JSON form, from a saved report
        template, params = value.get("template"), value.get("params", {})
        if isinstance(template, str) and isinstance(params, Mapping) and len(value) <= 2:
            return _fill(template, params, gettext, depth)
        sep, items = value.get("join"), value.get("items")
        if isinstance(sep, str) and isinstance(items, list) and len(value) == 2:
            return sep.join(str(_text(i, gettext, depth + 1)) for i in items)
    raise ValueError(f"not a message value: {type(value).__name__}")


def plain(params: Mapping[str, Any]) -> dict[str, Any]:
    """The params as JSON values: nested messages as {"template", "params"}, lists as
    {"join", "items"}."""
    return {k: _plain(v) for k, v in params.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, Message | MessageList):
        if value._json is None:
            json = ({"template": value.template, "params": plain(value.params)}
                    if isinstance(value, Message)
                    else {"join": value.separator, "items": [_plain(i) for i in value.items]})
            object.__setattr__(value, "_json", json)
        return value._json
    return value


def map_texts(params: Mapping[str, Any], change: Callable[[str], str]) -> Mapping[str, Any]:
    """The JSON-form params with `change` applied to every text value (not to templates): the
    engine redacts nested values like top-level ones. Unchanged, `params` itself is returned
    (and unchanged nested values are the same objects): most results hold no secret."""
    changed: dict[str, Any] | None = None
    for k, v in params.items():
        new = _map(v, change)
        if new is not v:
            changed = changed if changed is not None else dict(params)
            changed[k] = new
    return params if changed is None else changed


def _map(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, Mapping):
        if isinstance(value.get("params"), Mapping):
            inner = map_texts(value["params"], change)
            return value if inner is value["params"] else {**value, "params": inner}
        if isinstance(value.get("items"), list):
            items = [_map(i, change) for i in value["items"]]
            same = all(a is b for a, b in zip(items, value["items"], strict=True))
            return value if same else {**value, "items": items}
    return value


def leaves(params: Mapping[str, Any]) -> Iterable[Scalar]:
    """Every scalar value, nested ones included: what a rendering in any language must show."""
    for value in params.values():
        if isinstance(value, Mapping):
            if "params" in value:
                yield from leaves(value["params"])
            for item in value.get("items", ()):
                yield from leaves(item["params"]) if isinstance(item, Mapping) else (item,)
        elif isinstance(value, Message):
            yield from leaves(value.params)
        elif isinstance(value, MessageList):
            yield from leaves(plain({"x": value}))
        else:
            yield value


def _scalar(value: Any) -> Any:
    if type(value) in _KEPT or isinstance(value, SCALARS):  # the type test first: it is faster
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


_KEPT = frozenset((*SCALARS, Message, MessageList))
