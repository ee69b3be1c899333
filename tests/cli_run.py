"""Run the real `gitc-agent` command in a subprocess and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def gitc(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None,
         timeout: float = 120) -> Run:
    full_env = {**os.environ, "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "gitc_agent", *map(str, args)],
                          capture_output=True, text=True, env=full_env, cwd=cwd, timeout=timeout)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def latest_report(out_dir: Path) -> dict[str, Any]:
    return json.loads((out_dir / "latest" / "report.json").read_text())


def results_by_subject(report: dict[str, Any], check: str) -> dict[str, dict[str, Any]]:
    return {r["subject"]: r for r in report["results"] if r["check"] == check}


def every_file_text(folder: Path) -> str:
    """All bytes of every file below `folder`, for leak checks."""
    parts = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)
