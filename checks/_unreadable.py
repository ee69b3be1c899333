"""An exception for evidence a walker cannot read, carrying why as a translatable phrase.

Why: walkers raise while reading a record and turn the exception into an `error` result; with the
reason as a Message the result's sentence and its reason are translated together, where
`str(exc)` would put an English phrase inside a Dutch sentence. `str(exc)` stays the English
text, for logs and for callers that only need it.
"""

from __future__ import annotations

from gitc_agent.model.message import Message


class Unreadable(ValueError):
    def __init__(self, message: Message | str) -> None:
        super().__init__(str(message))
        self.message = message


def why(exc: BaseException) -> Message | str:
    """The phrase of an Unreadable, else the exception's own text (a library's, as data)."""
    if isinstance(exc, Unreadable):
        return exc.message
    return str(exc) or type(exc).__name__
