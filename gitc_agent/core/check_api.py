"""The plugin API for checks.

A check is a pure function of evidence and its policy section: no I/O. It declares what it is
(id, title, default likelihood/impact, references, remediation), which evidence kinds it needs and
the parameters its policy section may set, and yields one Outcome per subject::

    class Params(CheckParams):
        min_length: int = 12

    @check(id="ad.password.min_length", title="...", likelihood=4, impact=4,
           evidence=["ad.password_policy"], params=Params, references=["..."], remediation="...")
    def min_length(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]: ...
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from gitc_agent.core.evidence import EvidenceSet
from gitc_agent.core.results import Outcome, Status

__all__ = ["CheckParams", "CheckSpec", "EvidenceSet", "Outcome", "Status", "check"]

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class CheckParams(BaseModel):
    """Base for a check's policy parameters; unknown keys are refused so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)


CheckFunction = Callable[[EvidenceSet, Any], Iterable[Outcome]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    title: str
    likelihood: int
    impact: int
    evidence: tuple[str, ...]
    func: CheckFunction
    optional_evidence: tuple[str, ...] = ()  # read when present; the check needs at least one
    params: type[CheckParams] = CheckParams
    references: tuple[str, ...] = ()
    remediation: str = ""
    source: str = field(default="built-in", compare=False)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "evidence": list(self.evidence),
            "optional_evidence": list(self.optional_evidence),
            "references": list(self.references),
            "source": self.source,
        }


def check(*, id: str, title: str, likelihood: int, impact: int, evidence: Iterable[str],
          params: type[CheckParams] = CheckParams, references: Iterable[str] = (),
          remediation: str = "",
          optional_evidence: Iterable[str] = ()) -> Callable[[CheckFunction], CheckSpec]:
    """Declare a check; the decorated function becomes a CheckSpec the registry finds."""
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} must be dotted lower-case words, e.g. 'ad.password.x'")

    def wrap(func: CheckFunction) -> CheckSpec:
        return CheckSpec(id=id, title=title, likelihood=likelihood, impact=impact,
                         evidence=tuple(evidence), func=func, params=params,
                         optional_evidence=tuple(optional_evidence),
                         references=tuple(references), remediation=remediation)

    return wrap
