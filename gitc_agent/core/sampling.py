"""Re-performable audit samples: which subjects of a population an auditor tests by hand.

The method must give the same sample on any machine and any Python version for the same seed
and population, and show when the population is not the same. So nothing random is used: every
subject gets the key SHA-256(seed, a newline, subject id) (UTF-8, hex), the population is
ordered by key (ties, which SHA-256 does not produce in practice, by subject id) and the first
N are the sample. The population itself is identified by its hash: SHA-256 of the sorted
subject ids, each followed by a newline. Anyone can re-perform both with a few lines of any
language.

The policy's `sampling:` section sets the sample size per control frequency (common audit
practice, see shared norms) and each check's frequency.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import Field

from gitc_agent.settings.base import Strict

METHOD = "sha256-order/v1: key = SHA-256(seed + '\\n' + subject id); first N by key"
Frequency = Literal["yearly", "quarterly", "monthly", "weekly", "daily", "several_a_day"]
#: the upper end of the common audit-practice ranges (yearly 1, quarterly 2, monthly 2-5,
#: weekly 5-15, daily 20-40, several times a day 25-60): a government audit file errs on the side
#: of testing more
DEFAULT_SIZES: dict[str, int] = {"yearly": 1, "quarterly": 2, "monthly": 5, "weekly": 15,
                                 "daily": 40, "several_a_day": 60}


class SamplingModel(Strict):
    """The policy's `sampling:` section."""

    sizes: dict[Frequency, int] = Field(default_factory=lambda: dict(DEFAULT_SIZES))
    frequency: dict[str, Frequency] = Field(default_factory=dict)  # check id -> how often

    def size_for(self, check: str) -> tuple[int, str] | None:
        """(sample size, why) for a check, or None when the policy names no frequency for it."""
        freq = self.frequency.get(check)
        if freq is None:
            return None
        size = {**DEFAULT_SIZES, **self.sizes}[freq]
        return size, f"policy: {check} is a {freq} control, sample size {size}"


@dataclass(frozen=True)
class Drawn:
    order: int
    subject: str
    key: str


def sample_key(seed: str, subject: str) -> str:
    return hashlib.sha256(f"{seed}\n{subject}".encode()).hexdigest()


def population_hash(subjects: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for subject in sorted(set(subjects)):
        digest.update(subject.encode() + b"\n")
    return digest.hexdigest()


def draw(subjects: Iterable[str], seed: str, size: int) -> list[Drawn]:
    """The first `size` subjects ordered by their key (all of them if there are fewer)."""
    keyed = sorted((sample_key(seed, s), s) for s in set(subjects))
    return [Drawn(order=i, subject=s, key=k) for i, (k, s) in enumerate(keyed[:size], start=1)]
