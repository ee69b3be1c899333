"""Priority from the policy's risk matrix: a lookup table, never likelihood x impact.

Public schemes (NIST SP 800-30 Table I-2) are tables in which 5 x 1 is not mid-scale, so the
policy writes every cell out and the code only looks it up.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gitc_agent.core.results import Result, Status
from gitc_agent.model.message import Message, msg


@dataclass(frozen=True)
class Band:
    id: str
    label: str
    color: str


def scale_problem(levels: Iterable[int]) -> Message | None:
    """What is wrong with the levels of a scale axis, or None.

    Scores are clamped to the scale's lowest and highest level and then looked up, so a gap
    (1, 2, 3, 5) leaves a score of 4 without a cell; a level 0 would read as "not scored".
    """
    ordered = sorted(levels)
    if not ordered:
        return msg("the scale has no levels")
    if ordered[0] < 1:
        return msg("levels start at 1 or higher, not {lowest}", lowest=ordered[0])
    missing = sorted(set(range(ordered[0], ordered[-1] + 1)) - set(ordered))
    if missing:
        return msg("levels must be consecutive whole numbers ({levels}): level {missing} is "
                   "missing", levels=", ".join(map(str, ordered)),
                   missing=", ".join(map(str, missing)))
    return None


@dataclass(frozen=True)
class RiskMatrix:
    """Every (likelihood, impact) pair of two consecutive scales has a cell: `priority` of a
    clamped score can never miss."""

    likelihood: dict[int, str]
    impact: dict[int, str]
    bands: tuple[Band, ...]
    cells: dict[tuple[int, int], str]

    def __post_init__(self) -> None:
        for axis, levels in (("likelihood", self.likelihood), ("impact", self.impact)):
            problem = scale_problem(levels)
            if problem:
                raise ValueError(f"{axis} scale: {problem}")
        missing = [(lik, imp) for lik in self.likelihood for imp in self.impact
                   if (lik, imp) not in self.cells]
        if missing:
            raise ValueError(f"the matrix has no cell for (likelihood, impact) {missing[0]}")

    def priority(self, likelihood: int, impact: int) -> str:
        return self.cells[(likelihood, impact)]

    def rank(self, band_id: str | None) -> int:
        """0 for the lowest band; -1 for no priority (pass, error, not applicable)."""
        for index, band in enumerate(self.bands):
            if band.id == band_id:
                return index
        return -1

    def find_band(self, text: str) -> Band | None:
        wanted = text.strip().lower()
        for band in self.bands:
            if wanted in (band.id.lower(), band.label.lower()):
                return band
        return None

    def clamp(self, value: int, axis: str) -> int:
        levels = sorted(self.likelihood if axis == "likelihood" else self.impact)
        return min(max(value, levels[0]), levels[-1])

    def heatmap(self, results: Iterable[Result]) -> list[dict[str, Any]]:
        """Every cell of the matrix with the number of open findings and accepted risks in it."""
        counts: dict[tuple[int, int], list[int]] = {cell: [0, 0] for cell in self.cells}
        for result in results:
            if result.status.is_finding and result.likelihood and result.impact:
                slot = 0 if result.status is Status.FAIL else 1
                counts[(result.likelihood, result.impact)][slot] += 1
        return [
            {"likelihood": lik, "impact": imp, "priority": self.cells[(lik, imp)],
             "findings": counts[(lik, imp)][0], "accepted": counts[(lik, imp)][1]}
            for lik in sorted(self.likelihood, reverse=True) for imp in sorted(self.impact)
        ]
