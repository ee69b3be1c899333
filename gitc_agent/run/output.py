"""Write a run's outputs into the output folder without ever leaving a half run behind.

Everything is staged in a hidden folder and renamed into place in one step; `latest` then points
at the new run. A killed run leaves only a `.partial` folder that no reader takes for a report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitc_agent.errors import InputError
from gitc_agent.model.message import Message, msg, phrase
from gitc_agent.run.atomic import create_new, make_new_dir
from gitc_agent.run.signing import write_manifest


def run_stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


_ONE_LINE = json.JSONEncoder(ensure_ascii=False).encode


def report_bytes(report: dict[str, Any]) -> bytes:
    """report.json: indented, except that each item of a top-level list (results, findings,
    coverage) is one compact line. Indenting makes `json` use its pure-Python encoder, which took
    3 of the 4 s of writing a report of 200,000 results; one result per line is as readable."""
    return b"".join(report_pieces(report))


_PIECE = 1 << 20  # characters gathered before a piece of report.json is handed on


def report_pieces(report: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of `report_bytes` in pieces of about a MiB, made as they are written: the
    text of a report of 300,000 results is 300 MB, and as one string, its list of lines and
    its bytes it took three times that beside the report."""
    batch: list[str] = ["{\n"]
    size = 0
    for i, (key, value) in enumerate(report.items()):
        batch.append(f"{',' if i else ''}\n  {_ONE_LINE(key)}: " if i else f"  {_ONE_LINE(key)}: ")
        if isinstance(value, list) and value:
            batch.append("[\n")
            for j, item in enumerate(value):
                line = ("    " if not j else ",\n    ") + _ONE_LINE(item)
                batch.append(line)
                size += len(line)
                if size >= _PIECE:
                    yield "".join(batch).encode()
                    batch, size = [], 0
            batch.append("\n  ]")
        else:
            batch.append(json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  "))
    batch.append("\n}\n")
    yield "".join(batch).encode()


class StreamedReport:
    """report.json to be written piece by piece (`report_pieces`): what the JSON format gives
    for a large report instead of its bytes. Iterating it makes the pieces anew each time."""

    def __init__(self, report: dict[str, Any]):
        self.report = report

    def __iter__(self) -> Iterator[bytes]:
        return report_pieces(self.report)

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for piece in self:
            digest.update(piece)
        return digest.hexdigest()


def previous_in(out_dir: Path) -> Path | None:
    """The report `latest` points at: the default baseline for follow-up and the chain."""
    latest = out_dir / "latest" / "report.json"
    return latest if latest.is_file() else None


def link_path(out_dir: Path, report_path: Path) -> str:
    """How a run refers to an earlier report: relative within one output folder, else absolute."""
    resolved = report_path.resolve()
    if resolved.parent.parent == out_dir.resolve():
        return f"../{resolved.parent.name}/{resolved.name}"
    return str(resolved)


def write_run(out_dir: Path, stamp: str, run_id: str, report: dict[str, Any],
              write_evidence: Callable[[Path], object],
              outputs: dict[str, bytes] | None = None,
              sign_key: Ed25519PrivateKey | None = None) -> Path:
    """Stage evidence, every output, the manifest and signature; rename the folder into place.

    `write_evidence` fills the staged evidence folder: this layer writes files and knows nothing
    of what evidence is, so the caller says how (save the documents, or copy the auditor's files
    byte for byte)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    check_latest(out_dir)
    remove_stale_staging(out_dir)
    name = f"{stamp}-{run_id[:8]}"
    staging = out_dir / f".{name}.{os.getpid()}@{_HOST}.partial"
    final = out_dir / name
    make_new_dir(staging)  # exclusive and 0700: never a folder someone else made or linked
    try:
        make_new_dir(staging / "evidence")
        write_evidence(staging / "evidence")
        for file_name, data in (outputs or {"report.json": report_bytes(report)}).items():
            create_new(staging / file_name, data)
        write_manifest(staging, report, sign_key)
        for folder in (staging / "evidence", staging):
            os.chmod(folder, _folder_mode())
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_latest(out_dir, name)
    return final


_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:64] or "host"
_STAGING = re.compile(r"^\.\d{8}T\d{6}Z-[0-9a-f]{8}(?:\.(?P<pid>\d+)@(?P<host>[A-Za-z0-9-]+))?"
                      r"\.partial$")


def _folder_mode() -> int:
    """What a plain mkdir would have made (0777 less the umask): staging is 0700 only while
    it is written, the finished run folder is as readable as before."""
    mask = os.umask(0o22)
    os.umask(mask)
    return 0o777 & ~mask


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but is another user's (or the platform cannot tell): keep it
        return True
    return True


def remove_stale_staging(out_dir: Path) -> list[Path]:
    """Remove `.partial` staging folders a killed run (SIGKILL, power loss) left behind.

    Only folders whose owner process is gone: named with this host and a pid that no longer
    runs, or from a version that did not record its owner (the caller holds the folder's lock,
    which every run takes, so no live run can be writing those). Another host's are kept."""
    removed = []
    for path in out_dir.iterdir():
        match = _STAGING.match(path.name)
        if match is None or path.is_symlink() or not path.is_dir():
            continue
        if match["pid"] is not None and (match["host"] != _HOST or int(match["pid"]) == os.getpid()
                                         or _alive(int(match["pid"]))):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def check_latest(out_dir: Path) -> None:
    """`latest` must be the symlink this tool makes (or absent): a real folder or file under
    that name would be replaced or fail only after the run folder was written."""
    link = out_dir / "latest"
    if link.exists() and not link.is_symlink():
        raise InputError(msg("'latest' in the output folder is not a symbolic link (a real folder or file "
                             "is refused: move it away)"), link)


def check_output_dir(path: Path, what: str | Message) -> None:
    """Before anything is collected or written: `path` must be a folder, or creatable as one,
    and writable; else invalid input (exit 2) that names it."""
    if path.exists() and not path.is_dir():
        raise InputError(msg("{what} is not a folder", what=phrase(what)), path)
    probe = path
    while not probe.exists():
        if probe.is_symlink():  # a dangling link: mkdir would fail
            raise InputError(msg("{what} lies under a dangling symbolic link ({probe})", what=phrase(what),
                                 probe=probe), path)
        probe = probe.parent
    if not probe.is_dir():
        raise InputError(msg("{what} lies under a file ({probe}), so it cannot be created",
                             what=phrase(what), probe=probe), path)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(msg("{what} is not writable ({probe})", what=phrase(what), probe=probe), path)


def _point_latest(out_dir: Path, name: str) -> None:
    check_latest(out_dir)
    link = out_dir / "latest"
    tmp = out_dir / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(name)
    os.replace(tmp, link)
