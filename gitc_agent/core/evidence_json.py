"""Evidence documents as JSON text, written in pieces: compact, keys sorted, one item per line.

Why: a year of audit log reduces to hundreds of thousands of groups and a register holds
100,000 tickets. Indented, `json` falls back to its pure-Python encoder (seconds per 100 MB)
and the whole text, then its bytes, sit in memory beside the document. Here each item of a long
list under `data` is encoded on its own by the C encoder and written as one line, so memory
stays one batch of lines and the file stays readable line by line (grep, diff, a text editor).
Any JSON reader reads it as before: only the whitespace differs.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

LONG_LIST = 64  # a list under `data` with more items than this is written one item per line
BATCH = 1 << 20  # characters gathered before a piece is handed to the writer

_encode = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def pieces(document: dict[str, Any]) -> Iterator[bytes]:
    """The UTF-8 text of `document` (an evidence document's dict) in pieces of about BATCH."""
    batch: list[str] = []
    size = 0
    for text in _texts(document):
        batch.append(text)
        size += len(text)
        if size >= BATCH:
            yield "".join(batch).encode()
            batch, size = [], 0
    batch.append("\n")
    yield "".join(batch).encode()


def digest(document: dict[str, Any]) -> str:
    """The SHA-256 of the bytes `pieces` gives, without holding them."""
    sha = hashlib.sha256()
    for piece in pieces(document):
        sha.update(piece)
    return sha.hexdigest()


def _texts(document: dict[str, Any]) -> Iterator[str]:
    data = document.get("data")
    if not isinstance(data, dict) or not _sortable(document) or not _sortable(data):
        yield _encode(document)  # not an evidence document's shape: one piece, as json writes it
        return
    yield "{"
    for i, key in enumerate(sorted(document)):
        yield ("," if i else "") + _encode(key) + ":"
        if key == "data":
            yield from _data(data)
        else:
            yield _encode(document[key])
    yield "}"


def _data(data: dict[str, Any]) -> Iterator[str]:
    yield "{"
    for i, key in enumerate(sorted(data)):
        value = data[key]
        yield ("," if i else "") + "\n" + _encode(key) + ":"
        if isinstance(value, list) and len(value) > LONG_LIST:
            yield "["
            for j, item in enumerate(value):
                yield ("," if j else "") + "\n" + _encode(item)
            yield "\n]"
        else:
            yield _encode(value)
    yield "\n}"


def _sortable(mapping: dict[Any, Any]) -> bool:
    """Keys json can sort and writes as they are (str); any other is left to json itself."""
    return all(type(k) is str for k in mapping)
