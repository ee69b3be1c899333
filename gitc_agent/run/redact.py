"""Keep secrets out of every message, log line, evidence file and report.

Each secret the run loads is registered here; text that leaves the program passes `redact`.
This is a second line of defence: secrets are also never put into messages on purpose.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "********"


def register_secret(value: str) -> None:
    if value and len(value) >= 3:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    with _lock:
        if not _secrets:
            return text
        secrets = sorted(_secrets, key=len, reverse=True)
    return _mask(text, secrets)


def _mask(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def redact_obj(obj):
    """Redact every string inside a JSON-like structure.

    What holds no secret is returned as it is, not copied: with no secret loaded that is the
    whole structure (a report of 300,000 results was rebuilt, for nothing, in seconds and a
    gigabyte); otherwise only the containers on the way to a masked string are new (tuples
    there become lists, as JSON has them)."""
    with _lock:
        if not _secrets:
            return obj
        secrets = sorted(_secrets, key=len, reverse=True)
    return _walk(obj, secrets)


def _walk(obj, secrets: list[str]):
    if isinstance(obj, str):
        return _mask(obj, secrets)
    if isinstance(obj, dict):
        items = [(_walk(k, secrets), _walk(v, secrets)) for k, v in obj.items()]
        if all(k is k0 and v is v0 for (k, v), (k0, v0) in zip(items, obj.items(), strict=True)):
            return obj
        return dict(items)
    if isinstance(obj, list | tuple):
        values = [_walk(v, secrets) for v in obj]
        if isinstance(obj, list) and all(v is v0 for v, v0 in zip(values, obj, strict=True)):
            return obj
        return values
    return obj
