"""A translator for one language: text, terms with a context, and a result's message.

A result in report.json keeps its English `message` and, when the check used msg(), the
`message_template` and `message_params` it was made from. In another language the template is
looked up in the catalog and filled with the same values; a result without a template (a plain
literal, or a report that predates templates) has its whole English message looked up, and is
shown in English when the catalog does not have it — never left out. The sentence the engine
appends for an exception ("Risk accepted by ...") is rebuilt from `result.exception` in the
language, from the same templates the engine uses (core.exception_note). In English the recorded
message is shown as it is (the record wins over a template a hand-edited report disagrees with);
`compose` builds it from the template in any language, and the tests hold every demo result to
`Translator("en").compose(r) == r["message"]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitc_agent.core.exception_note import exception_note
from gitc_agent.i18n import catalog
from gitc_agent.model.language import DEFAULT, ENGLISH, LANGUAGES
from gitc_agent.model.message import Message, render


def _field(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def _exception_dict(exception: Any) -> Mapping[str, Any] | None:
    if exception is None or isinstance(exception, Mapping):
        return exception or None
    return {k: getattr(exception, k, None) for k in ("owner", "reason", "expires", "state")}


class Translator:
    """Everything a renderer says, in `language` (English: the text as written in the code)."""

    def __init__(self, language: str | None = None):
        self.language = language or DEFAULT
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown language {self.language!r} (known: {', '.join(LANGUAGES)})")
        self._catalog = catalog.load(self.language)

    @property
    def is_english(self) -> bool:
        return self.language == ENGLISH

    def gettext(self, text: str) -> str:
        return self._catalog.gettext(text) if text else text

    def __call__(self, text: str, /, **params: Any) -> str:
        """`text` translated, then its `{name}` placeholders filled; a translation whose
        placeholders are broken falls back to the English text, so a bad catalog entry costs
        the reader the translation, never the content."""
        translated = self.gettext(text)
        if not params:
            return translated
        try:
            return translated.format_map(params)
        except (KeyError, ValueError, IndexError, AttributeError):
            return text.format_map(params)

    def term(self, context: str, text: str) -> str:
        """A short label whose English word is ambiguous alone (`pass`, `open`, `none`)."""
        return self._catalog.pgettext(context, text) if text else text

    def message(self, result: Any) -> str:
        """The result's message in this language (a report dict's result or a ResultView). In
        English that is the message as recorded: the record wins over its template."""
        if self.is_english:
            return _field(result, "message") or ""
        return self.compose(result)

    def compose(self, result: Any) -> str:
        """The message built from its template, params and exception in this language (in
        English it equals the recorded message: the tests hold every demo result to that)."""
        english = _field(result, "message") or ""
        exception = _exception_dict(_field(result, "exception"))
        note = exception_note(exception) if exception else None
        base = english
        if note is not None and english.endswith(" " + str(note)):
            base = english[: -len(str(note)) - 1]
        template = _field(result, "message_template")
        params = _field(result, "message_params") or {}
        if isinstance(template, str):
            try:
                text = self._fill(template, params)
            except (KeyError, ValueError, IndexError, AttributeError):
                text = base  # a hand-edited report whose params do not fit: its own text
        else:
            text = self.gettext(base)
        if note is not None:
            text += " " + self._fill(note.template, note.params)
        return text

    def _fill(self, template: str, params: Mapping[str, Any]) -> str:
        """Nested phrases are translated too (a reason inside a finding's sentence)."""
        return render(template, params, self.gettext)

    def text(self, message: Message | str) -> str:
        """A Message (a command's output, an input error) in this language."""
        if isinstance(message, Message):
            return self._fill(message.template, message.params)
        return self.gettext(message)

    def title(self, text: str) -> str:
        """A check title, remediation or description: catalog text, English when missing."""
        return self.gettext(text)
