"""Write a run's outputs into the output folder without ever leaving a half run behind.

Everything is staged in a hidden folder and renamed into place in one step; `latest` then points
at the new run. A killed run leaves only a `.partial` folder that no reader takes for a report.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from gitc_agent.run.atomic import write_bytes_atomic
from gitc_agent.run.signing import write_manifest


def run_stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")


def report_bytes(report: dict[str, Any]) -> bytes:
    return (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode()


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
    name = f"{stamp}-{run_id[:8]}"
    staging = out_dir / f".{name}.partial"
    final = out_dir / name
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        write_evidence(staging / "evidence")
        for file_name, data in (outputs or {"report.json": report_bytes(report)}).items():
            write_bytes_atomic(staging / file_name, data)
        write_manifest(staging, report, sign_key)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _point_latest(out_dir, name)
    return final


def _point_latest(out_dir: Path, name: str) -> None:
    link = out_dir / "latest"
    tmp = out_dir / f".latest.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(name)
    os.replace(tmp, link)
