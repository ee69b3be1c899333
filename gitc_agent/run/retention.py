"""Keep the output folder bounded: remove old run folders by count and/or age.

Only folders named like a run (`YYYYmmddTHHMMSSZ-xxxxxxxx`) are touched, and never the run that
`latest` points to, so retention cannot delete the report a reader is about to open.
"""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

_RUN = re.compile(r"^(\d{8}T\d{6}Z)-[0-9a-f]{8}$")


def run_folders(out_dir: Path) -> list[tuple[datetime, Path]]:
    """Run folders, oldest first, with the time in their name."""
    found = []
    for path in out_dir.iterdir() if out_dir.is_dir() else []:
        match = _RUN.match(path.name)
        if match and path.is_dir() and not path.is_symlink():
            stamp = datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            found.append((stamp, path))
    return sorted(found)


def apply_retention(out_dir: Path, keep: int | None, keep_days: int | None,
                    now: datetime | None = None) -> list[Path]:
    """Delete run folders beyond the newest `keep` or older than `keep_days`; return them."""
    runs = run_folders(out_dir)
    latest = (out_dir / "latest").resolve() if (out_dir / "latest").exists() else None
    now = now or datetime.now(UTC)
    doomed: list[Path] = []
    for index, (stamp, path) in enumerate(runs):
        too_many = keep is not None and index < len(runs) - keep
        too_old = keep_days is not None and stamp < now - timedelta(days=keep_days)
        if (too_many or too_old) and path.resolve() != latest:
            doomed.append(path)
    for path in doomed:
        shutil.rmtree(path)
    return doomed
