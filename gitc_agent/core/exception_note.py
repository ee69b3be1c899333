"""The sentence a result's message gets when a policy exception covers it (or no longer does).

One pair of templates serves the engine, which appends the English sentence to the message in
report.json, and the translator, which rebuilds it in the report's language from the result's
`exception` (owner, expiry, reason, state): the sentence is not part of the check's template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gitc_agent.model.message import Message, msg

ACCEPTED = "Risk accepted by {owner} until {expires}: {reason}"
EXPIRED = "The exception by {owner} expired on {expires} and no longer covers this finding."


def exception_note(exception: Mapping[str, Any] | None) -> Message | None:
    """None for no exception (or an unknown state)."""
    if not exception:
        return None
    state = exception.get("state")
    owner, expires = exception.get("owner") or "?", exception.get("expires") or "?"
    if state == "valid":
        return msg(ACCEPTED, owner=owner, expires=expires, reason=exception.get("reason") or "")
    if state == "expired":
        return msg(EXPIRED, owner=owner, expires=expires)
    return None
