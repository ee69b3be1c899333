"""Evidence: versioned JSON documents, one per collector and target.

Collectors write them, checks read them, auditors keep them. A document records what could not be
read (`errors`) next to what could (`data`), so a check can tell "empty" from "unreadable".
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from gitc_agent import __version__
from gitc_agent.core import evidence_json
from gitc_agent.core.plan import PLAN_FILE
from gitc_agent.errors import InputError
from gitc_agent.model.message import N_, msg
from gitc_agent.run.atomic import create_new, write_bytes_atomic
from gitc_agent.run.gc_pause import paused
from gitc_agent.run.input_files import parse_json, read_regular, read_regular_pieces

SCHEMA = "gitc-agent/evidence/v1"
T = TypeVar("T")
MAX_EVIDENCE_BYTES = 512 * 1024 * 1024
_KIND = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


@dataclass
class EvidenceDoc:
    kind: str
    target: str
    collector: str
    data: dict[str, Any]
    errors: list[dict[str, str]] = field(default_factory=list)
    collected_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    tool_version: str = __version__
    file: str | None = None
    released: str | None = field(default=None, repr=False, compare=False)  # see release_data

    @property
    def status(self) -> str:
        """`ok`, `partial` (some parts unreadable) or `error` (nothing could be read)."""
        if self.released is not None:
            return self.released
        if not self.errors:
            return "ok"
        return "error" if not self.data else "partial"

    @property
    def source(self) -> dict[str, str]:
        """Where a result's evidence came from: what each check puts beside its own findings."""
        return {"target": self.target, "collected_at": self.collected_at,
                "evidence_file": self.file or ""}

    def error_for(self, part: str) -> str | None:
        """The recorded error message for a part (e.g. 'connection', 'psos'), if any."""
        for err in self.errors:
            if err.get("part") == part:
                return err.get("message", "unknown error")
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": self.kind,
            "target": self.target,
            "collector": self.collector,
            "collected_at": self.collected_at,
            "tool": {"name": "gitc-agent", "version": self.tool_version},
            "status": self.status,
            "errors": self.errors,
            "data": self.data,
        }

    @property
    def filename(self) -> str:
        safe = re.sub(r"[^A-Za-z0-9._-]+|\.{2,}", "_", self.target).strip("._-") or "target"
        return f"{self.kind}@{safe}.json"


class EvidenceSet:
    """All evidence of one run, grouped by kind."""

    def __init__(self, docs: Iterable[EvidenceDoc] = ()):
        self._docs: list[EvidenceDoc] = list(docs)
        self._derived: dict[str, Any] = {}

    def add(self, doc: EvidenceDoc) -> None:
        self._docs.append(doc)
        self._derived.clear()

    def derived(self, key: str, build: Callable[[], T]) -> T:
        """What several checks derive from the same evidence (a parsed directory, the datafix
        tickets), built once per evaluation instead of once per check. Treat it as read-only."""
        if key not in self._derived:
            self._derived[key] = build()
        return self._derived[key]

    def of_kind(self, kind: str) -> list[EvidenceDoc]:
        return [d for d in self._docs if d.kind == kind]

    def kinds(self) -> set[str]:
        return {d.kind for d in self._docs}

    def __iter__(self) -> Iterator[EvidenceDoc]:
        return iter(self._docs)

    def __len__(self) -> int:
        return len(self._docs)


def name_evidence(docs: Iterable[EvidenceDoc]) -> list[dict[str, str]]:
    """Give freshly collected documents the file names and SHA-256 they will be saved with, so
    a scan's results and coverage name their evidence file before it is written."""
    named = []
    for doc in docs:
        doc.file = doc.filename
        named.append({"file": doc.filename, "sha256": evidence_json.digest(doc.to_dict())})
    return named


def save_evidence(docs: Iterable[EvidenceDoc], folder: Path,
                  fresh: bool = False) -> list[dict[str, str]]:
    """Write each document atomically, streamed (evidence_json: compact, one item of a long
    list per line); return file names with their SHA-256.

    `fresh`: `folder` is a run's staging folder its caller just made, so every file is created
    new (`create_new`): a name raced in by another process fails instead of being written
    through; otherwise (`collect --out`) files are replaced atomically."""
    if not fresh:
        folder.mkdir(parents=True, exist_ok=True)
    write = create_new if fresh else write_bytes_atomic
    written = []
    for doc in docs:
        sha = hashlib.sha256()
        write(folder / doc.filename, _hashed(evidence_json.pieces(doc.to_dict()), sha))
        doc.file = doc.filename
        written.append({"file": doc.filename, "sha256": sha.hexdigest()})
    return written


def _hashed(pieces: Iterator[bytes], sha: Any) -> Iterator[bytes]:
    """The pieces as they are written, each added to `sha`: the hash is of the bytes on disk."""
    for piece in pieces:
        sha.update(piece)
        yield piece


def release_data(docs: Iterable[EvidenceDoc]) -> None:
    """Drop the parsed `data` of documents read from saved files once nothing judges them any
    more (the report is built): the run keeps the files byte for byte (`copy_evidence`), and a
    large document's data is most of a run's memory (a register of 100,000 tickets and a year of
    audit log: 500 MB) while the report is rendered. Kind, target, time, errors, file and
    status stay as read."""
    for doc in docs:
        doc.released = doc.status
        doc.data = {}


def copy_evidence(docs: Iterable[EvidenceDoc], source: Path, folder: Path) -> None:
    """Keep the auditor's evidence byte for byte when a run re-evaluates saved files.

    `folder` is a run's freshly made staging folder: each copy is created new (`create_new`),
    never written through a link planted there."""
    for doc in docs:
        if doc.file:
            create_new(folder / doc.file,  # in pieces: a large file is not held whole
                       read_regular_pieces(source / doc.file, MAX_EVIDENCE_BYTES,
                                           N_("evidence file")))


def load_evidence(folder: Path) -> tuple[EvidenceSet, list[dict[str, str]]]:
    """Read every evidence document in `folder`; malformed files are input errors (exit 2).
    The collection plan beside them (plan.json) is not evidence: `plan.load_plan` reads it."""
    with paused():  # see run/gc_pause: a large document is millions of objects
        return _load_evidence(folder)


def _load_evidence(folder: Path) -> tuple[EvidenceSet, list[dict[str, str]]]:
    if not folder.is_dir():
        raise InputError(msg("evidence folder does not exist"), folder)
    files = sorted(p for p in folder.glob("*.json") if p.name != PLAN_FILE)
    if not files:
        raise InputError(msg("no evidence documents (*.json) in folder"), folder)
    docs, hashes = [], []
    for path in files:
        raw = read_regular(path, MAX_EVIDENCE_BYTES, N_("evidence file"))
        hashes.append({"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()})
        large = len(raw) >= SHARE_FROM
        doc = _parse(parse_json(raw, path, N_("evidence file")), path)
        del raw
        if large:
            _share_strings(doc.data)
        docs.append(doc)
    return EvidenceSet(docs), hashes


SHARE_FROM = 8 * 1024 * 1024  # bytes of evidence file from which equal strings are shared


def _share_strings(data: dict[str, Any]) -> None:
    """One string object for equal texts in the rows of a large document's long lists.

    JSON parsing makes a new string for every value: 350,000 audit-log groups repeat a handful
    of principals, databases, days and statements, 100,000 tickets a few dozen names, and each
    copy costs 50-80 bytes (over 100 MB in all). Rows are lists (groups) or objects (tickets);
    their cells, and the cells of lists inside them (a group's lines), are shared in place."""
    seen: dict[str, str] = {}
    share = seen.setdefault
    for value in data.values():
        if not isinstance(value, list) or len(value) <= evidence_json.LONG_LIST:
            continue
        for row in value:
            if isinstance(row, list):
                _share_cells(row, share)
                for cell in row:
                    if isinstance(cell, list):
                        for item in cell:
                            if isinstance(item, list):
                                _share_cells(item, share)
            elif isinstance(row, dict):
                _share_values(row, share)
                for cell in row.values():
                    if isinstance(cell, list):  # a ticket's approvers
                        for item in cell:
                            if isinstance(item, dict):
                                _share_values(item, share)


def _share_values(row: dict[str, Any], share: Callable[[str, str], str]) -> None:
    for key, cell in row.items():
        if type(cell) is str:
            row[key] = share(cell, cell)


def _share_cells(cells: list[Any], share: Callable[[str, str], str]) -> None:
    for i, cell in enumerate(cells):
        if type(cell) is str:
            cells[i] = share(cell, cell)


def _parse(obj: Any, path: Path) -> EvidenceDoc:
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        raise InputError(msg("not a gitc-agent evidence document (schema must be {schema!r})",
                             schema=SCHEMA), path)
    for key, typ in (("kind", str), ("target", str), ("collector", str), ("data", dict),
                     ("errors", list), ("collected_at", str)):
        if not isinstance(obj.get(key), typ):
            raise InputError(msg("evidence field {key!r} missing or not a {type_name}", key=key,
                                 type_name=typ.__name__), path)
    if not _KIND.match(obj["kind"]):
        raise InputError(msg("evidence kind {value!r} is not a dotted name like 'ad.password_policy'",
                             value=obj['kind'][:80]), path)
    if not isinstance(obj.get("tool", {}), dict):
        raise InputError(msg("evidence field 'tool' is not an object (name, version)"), path)
    errors = obj["errors"]
    if not all(isinstance(e, dict) and isinstance(e.get("part"), str) for e in errors):
        raise InputError(msg("evidence 'errors' entries need a 'part' and a 'message'"), path)
    return EvidenceDoc(kind=obj["kind"], target=obj["target"], collector=obj["collector"],
                       data=obj["data"], errors=errors, collected_at=obj["collected_at"],
                       tool_version=str(obj.get("tool", {}).get("version", "?")), file=path.name)
