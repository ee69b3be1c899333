"""An installed distribution made on disk, for testing entry-point plugins for real."""

from __future__ import annotations

from pathlib import Path


def fake_distribution(folder: Path, name: str, modules: dict[str, str],
                      entry_points: dict[str, str], group: str = "gitc_agent.formats") -> Path:
    """`name` on `folder` (put it on sys.path or PYTHONPATH): modules plus dist-info metadata,
    so importlib.metadata finds its entry points as it would an installed package's."""
    folder.mkdir(parents=True, exist_ok=True)
    for module, text in modules.items():
        (folder / f"{module}.py").write_text(text)
    info = folder / f"{name}-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        f"[{group}]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
    return folder
