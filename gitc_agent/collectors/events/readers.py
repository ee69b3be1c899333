"""Stream the records of one export: EVTX through the Rust `evtx` parser, JSON line by line.

Why streaming: a month of domain-controller Security logs is millions of events; each record is
handed on and forgotten, so memory depends on what is kept (see reduce.py), not on the file.

Why the EVTX header is read here too: the parser reads a file cut off at a chunk boundary without
complaint (1,942 of 2,261 records of a cut sample, no error), so a copy interrupted mid-transfer
would look like a quiet log. The header says how many chunks the file has; fewer bytes than that
is a truncated file, and the parser's own errors (a bad chunk, a bad record) are kept with the
chunk number, its byte offset and the last record read before it.
"""

from __future__ import annotations

import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from gitc_agent.errors import InputError
from gitc_agent.model.message import msg
from gitc_agent.run.input_files import open_regular

EVTX_MAGIC = b"ElfFile\x00"
EVTX_HEADER = 4096
EVTX_CHUNK = 65536
MAX_LINE = 4 * 1024 * 1024
MAX_ARRAY_BYTES = 256 * 1024 * 1024
_CHUNK_ERROR = re.compile(r"chunk number (\d+)")


@dataclass
class Unreadable:
    """A record that could not be parsed: rejected with this reason."""

    reason: str


@dataclass
class ReadState:
    """What the reader learnt about the file beyond its records."""

    format: str
    parse_errors: list[dict[str, Any]] = field(default_factory=list)
    header: dict[str, Any] = field(default_factory=dict)


def open_source(path: Path) -> int:
    return open_regular(path, "event export", follow=False)


def evtx_records(path: Path, state: ReadState) -> Iterator[tuple[str, Any]]:
    """(location, record dict) per EVTX record; parser errors go to `state.parse_errors`."""
    import evtx  # the Rust parser; imported only when an EVTX file is configured

    fd = open_source(path)
    with open(fd, "rb") as handle:
        head = handle.read(128)
        size = os.fstat(handle.fileno()).st_size
        _check_header(head, size, path, state)
        handle.seek(0)
        parser = evtx.PyEvtxParser(handle)
        records = parser.records_json()
        last = None
        while True:
            try:
                raw = next(records)
            except StopIteration:
                return
            except (RuntimeError, OSError, ValueError) as exc:
                message = str(exc)
                found = _CHUNK_ERROR.search(message)
                chunk = int(found.group(1)) if found else None
                state.parse_errors.append({
                    "message": message[:300], "chunk": chunk,
                    "offset": EVTX_HEADER + chunk * EVTX_CHUNK if chunk is not None else None,
                    "after_record": last})
                if len(state.parse_errors) > 1000:  # a file of garbage: stop, said so
                    state.parse_errors.append({"message": "more than 1000 parser errors; the "
                                                          "rest of the file was not read",
                                               "chunk": None, "offset": None,
                                               "after_record": last})
                    return
                continue
            last = raw.get("event_record_id")
            try:
                record = orjson.loads(raw["data"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                yield f"record {last}", Unreadable("the parser's rendering is not JSON")
                continue
            yield f"record {last}", record


def _check_header(head: bytes, size: int, path: Path, state: ReadState) -> None:
    if len(head) < 128 or not head.startswith(EVTX_MAGIC):
        raise InputError(msg("not an EVTX file (no 'ElfFile' header); set 'format' if it is an export in "
                             "another format"), path)
    _first, _last, _next, _hsize, _minor, _major, block, chunks = struct.unpack_from(
        "<QQQIHHHH", head, 8)
    flags = struct.unpack_from("<I", head, 120)[0]
    state.header = {"chunks": chunks, "bytes": size, "dirty": bool(flags & 1),
                    "full": bool(flags & 2)}
    expected = block + chunks * EVTX_CHUNK
    if size < expected or (size - block) % EVTX_CHUNK:
        state.parse_errors.append({
            "message": f"the file is truncated: its header declares {chunks} chunk(s) "
                       f"({expected} bytes) but the file has {size} bytes, so events at the end "
                       f"are missing", "chunk": max(0, (size - block) // EVTX_CHUNK),
            "offset": block + max(0, (size - block) // EVTX_CHUNK) * EVTX_CHUNK,
            "after_record": None})


def json_records(path: Path, fmt: str, state: ReadState) -> Iterator[tuple[str, Any]]:
    """(location, record) per JSON record: NDJSON line by line, or one JSON array (bounded)."""
    fd = open_source(path)
    with open(fd, "rb") as handle:
        start = handle.read(1)
        while start in (b" ", b"\n", b"\r", b"\t", b"\xef", b"\xbb", b"\xbf"):
            start = handle.read(1)
        handle.seek(0)
        if start == b"[":
            raw = handle.read(MAX_ARRAY_BYTES + 1)
            if len(raw) > MAX_ARRAY_BYTES:
                raise InputError(msg("JSON array export too large; export NDJSON (one event per line), "
                                     "which is streamed"), path)
            try:
                items = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InputError(msg("not valid JSON: {problem}", problem=exc), path) from None
            for number, item in enumerate(items, start=1):
                yield f"item {number}", _unwrap(item)
            return
        for number, line in enumerate(handle, start=1):
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if len(line) > MAX_LINE:
                yield f"line {number}", Unreadable(f"line longer than {MAX_LINE} bytes")
                continue
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                yield f"line {number}", Unreadable(f"not JSON: {str(exc)[:120]}")
                continue
            yield f"line {number}", _unwrap(item)


def _unwrap(item: Any) -> Any:
    """Splunk's export wraps each event: {"preview": false, "result": {...}}."""
    if isinstance(item, dict) and isinstance(item.get("result"), dict) and "_time" not in item:
        return item["result"]
    if not isinstance(item, dict):
        return Unreadable("record is not a JSON object")
    return item


def detect(record: Any) -> str | None:
    """The JSON format of a record, from the keys only one format has."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("Event"), dict):
        return "wef"
    if "winlog" in record or "@timestamp" in record or "winlog.event_id" in record:
        return "ecs"
    if "_time" in record or "EventCode" in record:
        return "splunk"
    return None
