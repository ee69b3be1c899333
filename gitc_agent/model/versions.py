"""Compare software versions the way package managers do, and read CSAF version ranges.

Why here: collectors record versions as text and the advisory checks decide "is the fix
installed" by comparing them; both speak this vocabulary. The comparison is dpkg's algorithm
(epoch, then upstream and revision compared as alternating non-digit and digit runs, `~` before
anything, letters before other characters), which also orders Windows builds (`10.0.20348.2227`),
RPM-style and plain dotted versions as their publishers intend. A range that cannot be read is
None, never "not affected": the caller must then treat the advisory as undecidable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_EPOCH = re.compile(r"^(\d+):(.*)$")
_COMPARATOR = re.compile(r"^\s*(<=|>=|<|>|=|==)?\s*v?([0-9][0-9A-Za-z.+~_:-]*)\s*$")


def _order(char: str) -> int:
    if char == "~":
        return -1
    if char.isalpha():
        return ord(char)
    return ord(char) + 256


def _compare_part(left: str, right: str) -> int:
    """dpkg's verrevcmp: non-digit runs by character order, digit runs by value."""
    i = j = 0
    while i < len(left) or j < len(right):
        first_diff = 0
        while (i < len(left) and not left[i].isdigit()) or (j < len(right)
                                                             and not right[j].isdigit()):
            lc = _order(left[i]) if i < len(left) and not left[i].isdigit() else 0
            rc = _order(right[j]) if j < len(right) and not right[j].isdigit() else 0
            if lc != rc:
                return -1 if lc < rc else 1
            i += 1
            j += 1
        while i < len(left) and left[i] == "0":
            i += 1
        while j < len(right) and right[j] == "0":
            j += 1
        while i < len(left) and left[i].isdigit() and j < len(right) and right[j].isdigit():
            if not first_diff:
                first_diff = ord(left[i]) - ord(right[j])
            i += 1
            j += 1
        if i < len(left) and left[i].isdigit():
            return 1
        if j < len(right) and right[j].isdigit():
            return -1
        if first_diff:
            return -1 if first_diff < 0 else 1
    return 0


def _split(version: str) -> tuple[int, str, str]:
    text = version.strip()
    epoch = 0
    match = _EPOCH.match(text)
    if match:
        epoch, text = int(match.group(1)), match.group(2)
    upstream, _, revision = text.rpartition("-") if "-" in text else (text, "", "")
    return epoch, upstream, revision


_RUNS = re.compile(r"(\D*)(\d*)")
_PAD = 24  # runs per part; versions are compared exactly up to this many digit runs


def _part_key(part: str) -> tuple[Any, ...]:
    """`_compare_part` as a sort key: each non-digit run as its characters' dpkg order ended
    by 0 (so "" < "a" and "~" < ""), each digit run as its value, padded to a fixed length."""
    runs: list[Any] = []
    for text, digits in _RUNS.findall(part):
        if not text and not digits:
            continue
        runs += [(*(_order(c) for c in text), 0), int(digits or 0)]
    if len(runs) > 2 * _PAD:
        return ((1 << 30,), part)  # absurdly long: ordered by text, after every normal one
    runs += [(0,), 0] * (_PAD - len(runs) // 2)
    return tuple(runs)


@lru_cache(maxsize=65536)
def key(version: str) -> tuple[Any, ...]:
    """Sort key with the order of `compare` (cached: fleets share a handful of versions)."""
    epoch, upstream, revision = _split(version)
    return (epoch, _part_key(upstream), _part_key(revision))


def compare(left: str, right: str) -> int:
    """-1, 0 or 1 as `left` is older than, equal to or newer than `right`."""
    a, b = key(left), key(right)
    return (a > b) - (a < b)


def compare_exact(left: str, right: str) -> int:
    """dpkg's verrevcmp itself, uncached: the reference the key is tested against."""
    le, lu, lr = _split(left)
    re_, ru, rr = _split(right)
    if le != re_:
        return -1 if le < re_ else 1
    return _compare_part(lu, ru) or _compare_part(lr, rr)


@lru_cache(maxsize=65536)
def is_version(text: str | None) -> bool:
    """A value that looks like a version (starts with a digit), not a word like 'all'."""
    return bool(text) and bool(re.match(r"^\s*v?\d", str(text)))


@dataclass(frozen=True)
class Bound:
    op: str  # one of < <= > >= =
    version: str

    def holds(self, version: str) -> bool:
        c = compare(version, self.version)
        return {"<": c < 0, "<=": c <= 0, ">": c > 0, ">=": c >= 0, "=": c == 0}[self.op]


@dataclass(frozen=True)
class Range:
    """Affected versions: every bound holds (a CSAF `product_version_range` branch)."""

    bounds: tuple[Bound, ...]
    text: str

    def contains(self, version: str) -> bool:
        return all(b.holds(version) for b in self.bounds)

    @property
    def fixed_in(self) -> str | None:
        """The first fixed version when the range is `< X` (the usual vendor statement)."""
        below = [b.version for b in self.bounds if b.op == "<"]
        return below[0] if len(below) == 1 else None


@lru_cache(maxsize=16384)
def parse_range(text: str) -> Range | None:
    """`vers:generic/>=2.4.0|<2.4.58`, `<10.0.20348.2227`, `>= 1.0, < 2.0`; None if unreadable.

    Only conjunctions of comparators are read; a vers with several disjoint intervals or
    wildcards is refused (None) rather than half understood."""
    body = text.strip()
    if body.lower().startswith("vers:"):
        _, _, body = body.partition("/")
        parts = body.split("|")
    else:
        parts = re.split(r"\s*(?:,|&|\band\b)\s*", body)
    bounds = []
    for part in parts:
        match = _COMPARATOR.match(part)
        if not match or (match.group(1) is None and len(parts) > 1):
            return None
        op = {"==": "=", None: "="}.get(match.group(1), match.group(1))
        bounds.append(Bound(op, match.group(2)))
    if not bounds or sum(b.op in ("<", "<=") for b in bounds) > 1 \
            or sum(b.op in (">", ">=") for b in bounds) > 1:
        return None
    return Range(tuple(bounds), text.strip())
