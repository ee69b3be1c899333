"""Version comparison (dpkg's algorithm) and CSAF version ranges: unreadable is None."""

from __future__ import annotations

import itertools

import pytest

from gitc_agent.model.versions import compare, parse_range


@pytest.mark.parametrize(("left", "right", "expected"), [
    ("10.0.20348.4405", "10.0.20348.4294", 1),
    ("10.0.17763.999", "10.0.17763.7919", -1),
    ("3.0.11-1~deb12u2", "3.0.11-1", -1),  # ~ sorts before everything (backports)
    ("1:1.0", "2.0", 1),  # the epoch wins
    ("1.0~rc1", "1.0", -1),
    ("7.10", "7.9", 1),
    ("24.08", "24.08", 0),
])
def test_compare(left: str, right: str, expected: int) -> None:
    assert compare(left, right) == expected
    assert compare(right, left) == -expected


def test_ranges() -> None:
    rng = parse_range("vers:generic/>=2.4.0|<2.4.58")
    assert rng is not None and rng.contains("2.4.57") and not rng.contains("2.4.58")
    assert not rng.contains("2.3.9") and rng.fixed_in == "2.4.58"
    assert parse_range("<10.0.20348.4294").fixed_in == "10.0.20348.4294"
    assert parse_range(">= 1.0, < 2.0").contains("1.5")
    for unreadable in ("all versions", "vers:generic/<1|<2", "", "<1.0 or >3.0"):
        assert parse_range(unreadable) is None, unreadable


def test_cached_key_orders_exactly_like_dpkg_verrevcmp() -> None:
    import random

    from gitc_agent.model.versions import compare_exact

    rnd = random.Random(7)
    alphabet = "0123456789.~-+:ab"
    values = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9))) for _ in range(2000)]
    for left, right in itertools.pairwise(values):
        assert compare(left, right) == compare_exact(left, right), (left, right)
