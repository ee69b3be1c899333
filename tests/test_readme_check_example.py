"""The README shows a real built-in check in full; it must be that check, and short."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _writing_a_check_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Writing a check", 1)[1].split("\n## ", 1)[0]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the 'Writing a check' section has no python block"
    return match.group(1)


def test_readme_example_is_the_built_in_check_verbatim() -> None:
    shipped = (ROOT / "checks" / "ad_password_min_length.py").read_text(encoding="utf-8")
    assert _writing_a_check_block() == shipped


def test_readme_example_is_under_40_lines() -> None:
    assert len(_writing_a_check_block().splitlines()) < 40
