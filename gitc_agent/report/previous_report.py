"""The previous report as follow-up reads it: streamed line by line, without the passing results.

Why: a scheduled run follows up the report `latest` points at. With a register of 100,000
tickets that report holds 300,000 results (about 350 MB); parsed whole and validated as a typed
view it took 2.7 GiB, three times the run itself. Follow-up (followup.py, finding_followup.py,
trend.py) needs from it only its run, findings, follow-up and trend sections, the summary, and
per finding result its id, check, title, subject, status, priority and target.

report.json is written with one result per line (`run.output.report_pieces`), so each line is
parsed and validated on its own (the same `parse_json` limits and the same typed-view rules as a
whole load), hashed as it is read and then dropped unless it is a finding. Anything else (a
report in another layout, an older report without findings, invalid JSON or a field of the wrong
type) is loaded whole by `followup.load_report` instead: the same answer, and for bad input the
same error (file, what is wrong, exit 2), only without the memory saving.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import IO, Any

from gitc_agent.core.results import FINDING_STATUSES
from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg, phrase
from gitc_agent.report.finding_followup import check_earlier
from gitc_agent.report.followup import MAX_REPORT_BYTES, load_report
from gitc_agent.report.view import ReportView, parse_result
from gitc_agent.run.input_files import MAX_JSON_DEPTH, open_regular, parse_json

WHAT = N_("report")
MAX_LINE = 64 * 1024 * 1024  # a longer line is no line of report_pieces: read whole instead
_KEY = re.compile(rb'  ("(?:[^"\\\n]|\\.)*"): (.*)\n', re.S)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")  # as parse_json looks
_FINDING = frozenset(s.value for s in FINDING_STATUSES)


def _unreadable(exc: OSError, path: Path) -> InputError:
    return InputError(msg("cannot read the {what}: {reason}", what=phrase(WHAT),
                          reason=exc.strerror or exc), path)


class _NotLean(Exception):
    """This file cannot be read line by line: load it whole (which also says what is wrong)."""


def load_previous(path: Path) -> tuple[dict[str, Any], str]:
    """The previous report as follow-up needs it, and the SHA-256 of its bytes."""
    report, sha, _ = read_previous(path)
    return report, sha


def read_previous(path: Path) -> tuple[dict[str, Any], str, bool]:
    """`load_previous`, and whether the report was read lean (False: read whole, as large in
    memory as the report, so not worth keeping for later)."""
    try:
        return (*_load_lean(path), True)
    except _NotLean:
        return (*load_report(path), False)


def _load_lean(path: Path) -> tuple[dict[str, Any], str]:
    try:
        fd = open_regular(path, WHAT)
    except OSError as exc:
        raise _unreadable(exc, path) from None
    sha = hashlib.sha256()
    with os.fdopen(fd, "rb") as handle:
        reader = _Reader(handle, path, sha)
        try:
            doc = reader.document()
        except OSError as exc:
            raise _unreadable(exc, path) from None
    return _validated(doc, reader), sha.hexdigest()


def _validated(doc: dict[str, Any], reader: _Reader) -> dict[str, Any]:
    """What `load_report` checks beyond each result: the typed view of everything else, and the
    priorities of every result (kept or not) against the report's bands."""
    summary = doc.get("summary")
    if not isinstance(doc.get("findings"), list) or not (
            isinstance(doc.get("trend"), list)
            or (isinstance(summary, dict) and summary.get("findings") is not None)):
        raise _NotLean  # predates findings: they are derived from all results (findings.py)
    if not reader.saw_results:
        raise _NotLean
    doc["results"] = reader.kept
    try:
        view = ReportView.of(doc)
        check_earlier(doc)
    except InputError:
        raise _NotLean from None
    bands = {b.id for b in view.scoring.bands}
    if reader.unscored or not reader.priorities <= bands:
        raise _NotLean  # the whole load names the first such result
    return doc


class _Reader:
    """The layout of `report_pieces`: `{`, then per top-level key either `  "key": value` (its
    value indented over the following lines) or `  "key": [`, one item per line, `  ]`; `}`."""

    def __init__(self, handle: IO[bytes], path: Path, sha: Any):
        self.handle, self.path, self.sha = handle, path, sha
        self.size = 0
        self.kept: list[dict[str, Any]] = []  # the finding results, reduced
        self.saw_results = False
        self.count = 0  # results read
        self.priorities: set[str] = set()  # of every result, checked against the bands
        self.unscored = False  # a finding result without a priority

    def line(self) -> bytes:
        line = self.handle.readline(MAX_LINE)
        self.size += len(line)
        if self.size > MAX_REPORT_BYTES:
            raise InputError(msg("{what} is larger than {limit} bytes, which is refused",
                                 what=phrase(WHAT), limit=MAX_REPORT_BYTES), self.path)
        if len(line) == MAX_LINE and not line.endswith(b"\n"):
            raise _NotLean
        self.sha.update(line)
        return line

    def document(self) -> dict[str, Any]:
        if self.line() != b"{\n":
            raise _NotLean
        doc: dict[str, Any] = {}
        line = self.line()
        while line != b"}\n":
            match = _KEY.fullmatch(line)
            if match is None:
                raise _NotLean
            key = self.parse(match[1])
            if key in doc:
                raise _NotLean  # json keeps the last of duplicate keys: leave that to it
            if match[2] == b"[":
                doc[key], line = self.items(key)
            else:
                doc[key], line = self.value(match[2] + b"\n")
        if self.line() != b"":
            raise _NotLean  # text after the closing brace: not JSON
        return doc

    def items(self, key: str) -> tuple[Any, bytes]:
        """A list written one item per line; the results are validated one by one and only the
        findings kept (in `kept`)."""
        results = key == "results"
        self.saw_results |= results
        items: list[Any] = []
        more = True  # the line before ended with a comma (or opened the list)
        while True:
            line = self.line()
            if line in (b"  ]\n", b"  ],\n"):
                if more:
                    raise _NotLean  # a comma before `]`, or `[` then `]` (json writes `[]`)
                return items, self.after(line[3:])
            if not more or not line.startswith(b"    ") or not line.endswith(b"\n"):
                raise _NotLean
            body = line[4:-1]
            more = body.endswith(b",")
            item = self.parse(body[:-1] if more else body, depth=3)
            if results:
                self.result(item, self.count)
                self.count += 1
            else:
                items.append(item)

    def value(self, text: bytes) -> tuple[Any, bytes]:
        """A value written over this and the following lines, up to the next key or `}`."""
        parts = [text]
        line = self.line()
        while not line.startswith(b'  "') and line != b"}\n":
            if not line:
                raise _NotLean
            parts.append(line)
            line = self.line()
        body = b"".join(parts).rstrip(b"\n")
        if line.startswith(b'  "'):
            if not body.endswith(b","):
                raise _NotLean
            body = body[:-1]
        return self.parse(body, depth=2), line

    def after(self, tail: bytes) -> bytes:
        """The line after a list: a comma means another key follows, none the closing brace."""
        line = self.line()
        if (tail == b",\n") != line.startswith(b'  "') or (tail == b"\n") != (line == b"}\n"):
            raise _NotLean
        return line

    def parse(self, text: bytes, depth: int = 1) -> Any:
        """JSON under the same limits as a whole load (`parse_json`; depth counted from the
        document). A text with fewer brackets than the depth left cannot nest too deep and
        escapes no surrogate: it skips the walk over its tree (two thirds of the reading)."""
        try:
            if text.count(b"[") + text.count(b"{") < MAX_JSON_DEPTH - depth \
                    and not _SURROGATE_ESCAPE.search(text):
                return json.loads(text.decode("utf-8"))
            wrapped = b"[" * (depth - 1) + text + b"]" * (depth - 1)
            value = parse_json(wrapped, self.path, WHAT, "utf-8")
        except (InputError, ValueError):  # the whole load says where, as it always has
            raise _NotLean from None
        for _ in range(depth - 1):
            value = value[0]
        return value

    def result(self, item: Any, index: int) -> None:
        """One result checked as `load_report` checks it; a finding reduced to what follow-up
        reads and kept, every other result dropped (its priority noted)."""
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str)
                                                 for k in ("id", "check", "subject", "status")):
            raise _NotLean
        try:
            view = parse_result(item, f"report.results[{index}]")
        except InputError:
            raise _NotLean from None
        if view.priority is not None:
            self.priorities.add(view.priority)
        if view.status.value not in _FINDING:
            return
        self.unscored |= view.priority is None
        evidence = item.get("evidence")
        target = evidence.get("target") if isinstance(evidence, dict) else None
        reduced = {"id": view.id, "check": view.check, "title": item.get("title"),
                   "subject": view.subject, "status": view.status.value,
                   "priority": view.priority,
                   "evidence": {"target": target} if isinstance(target, str) else {}}
        self.kept.append(reduced)
