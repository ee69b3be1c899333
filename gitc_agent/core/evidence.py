"""Evidence: versioned JSON documents, one per collector and target.

Collectors write them, checks read them, auditors keep them. A document records what could not be
read (`errors`) next to what could (`data`), so a check can tell "empty" from "unreadable".
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from gitc_agent import __version__
from gitc_agent.errors import InputError
from gitc_agent.run.atomic import write_bytes_atomic

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

    @property
    def status(self) -> str:
        """`ok`, `partial` (some parts unreadable) or `error` (nothing could be read)."""
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


def save_evidence(docs: Iterable[EvidenceDoc], folder: Path) -> list[dict[str, str]]:
    """Write each document atomically; return file names with their SHA-256."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in docs:
        payload = json.dumps(doc.to_dict(), indent=2, sort_keys=True, ensure_ascii=False).encode()
        write_bytes_atomic(folder / doc.filename, payload)
        doc.file = doc.filename
        written.append({"file": doc.filename, "sha256": hashlib.sha256(payload).hexdigest()})
    return written


def copy_evidence(docs: Iterable[EvidenceDoc], source: Path, folder: Path) -> None:
    """Keep the auditor's evidence byte for byte when a run re-evaluates saved files."""
    folder.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        if doc.file:
            shutil.copy2(source / doc.file, folder / doc.file)


def load_evidence(folder: Path) -> tuple[EvidenceSet, list[dict[str, str]]]:
    """Read every evidence document in `folder`; malformed files are input errors (exit 2)."""
    if not folder.is_dir():
        raise InputError("evidence folder does not exist", folder)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise InputError("no evidence documents (*.json) in folder", folder)
    docs, hashes = [], []
    for path in files:
        raw = path.read_bytes()
        if len(raw) > MAX_EVIDENCE_BYTES:
            raise InputError("evidence file too large", path)
        try:
            obj = json.loads(raw.decode("utf-8-sig"))
        except UnicodeDecodeError:
            raise InputError("evidence is not UTF-8", path) from None
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
        docs.append(_parse(obj, path))
        hashes.append({"file": path.name, "sha256": hashlib.sha256(raw).hexdigest()})
    return EvidenceSet(docs), hashes


def _parse(obj: Any, path: Path) -> EvidenceDoc:
    if not isinstance(obj, dict) or obj.get("schema") != SCHEMA:
        raise InputError(f"not a gitc-agent evidence document (schema must be {SCHEMA!r})", path)
    for key, typ in (("kind", str), ("target", str), ("collector", str), ("data", dict),
                     ("errors", list), ("collected_at", str)):
        if not isinstance(obj.get(key), typ):
            raise InputError(f"evidence field {key!r} missing or not a {typ.__name__}", path)
    if not _KIND.match(obj["kind"]):
        raise InputError(f"evidence kind {obj['kind'][:80]!r} is not a dotted name like "
                         "'ad.password_policy'", path)
    errors = obj["errors"]
    if not all(isinstance(e, dict) and isinstance(e.get("part"), str) for e in errors):
        raise InputError("evidence 'errors' entries need a 'part' and a 'message'", path)
    return EvidenceDoc(kind=obj["kind"], target=obj["target"], collector=obj["collector"],
                       data=obj["data"], errors=errors, collected_at=obj["collected_at"],
                       tool_version=str(obj.get("tool", {}).get("version", "?")), file=path.name)
