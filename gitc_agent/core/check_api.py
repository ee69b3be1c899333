"""The plugin API for checks.

A check is a pure function of evidence and its policy section: no I/O. It declares what it is
(id, title, default likelihood/impact, references, remediation), which evidence kinds it needs and
the parameters its policy section may set. With `each=` it names a walker that hands it one
domain, host, export or feed at a time, having already turned what could not be read into
`error` Outcomes; the check is then only its judgement::

    class Params(CheckParams):
        min_length: int = 12

    @check(id="ad.password.min_length", title="...", likelihood=4, impact=4,
           evidence=[AD_PASSWORD_POLICY], each=password_objects, params=Params, remediation="...")
    def judge(policy_object, params):
        if policy_object.min_length < params.min_length:
            return fail(msg("minimum length {n} is below the norm", n=policy_object.min_length))
        return ok(msg("minimum length {n}", n=policy_object.min_length))

A judge returns one verdict (`ok`, `fail`, `unknown`, `not_applicable`) or Outcome, or an
iterable of them. Without `each=` the decorated function is handed the whole evidence set and
yields Outcomes itself. The description a user reads is the first paragraph of the docstring of
the module that defines the check, without a leading "<check id>:".
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

from gitc_agent.core.evidence import EvidenceSet
from gitc_agent.core.results import Outcome, Status
from gitc_agent.core.verdict import Judged, Verdict, fail, not_applicable, ok, outcomes, unknown
from gitc_agent.model.message import Message, msg

__all__ = ["CheckParams", "CheckSpec", "EvidenceSet", "Judged", "Message", "Outcome", "Status",
           "Verdict", "check", "fail", "msg", "not_applicable", "ok", "unknown"]

_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


class CheckParams(BaseModel):
    """Base for a check's policy parameters; unknown keys are refused so typos surface."""

    model_config = ConfigDict(extra="forbid", frozen=True)


CheckFunction = Callable[[EvidenceSet, Any], Iterable[Outcome]]
#: evidence -> each thing to judge, or an Outcome for a part that could not be read
Walker = Callable[[EvidenceSet], Iterable[Any]]
Judge = Callable[[Any, Any], Any]


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
    description: str = ""
    source: str = field(default="built-in", compare=False)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "evidence": list(self.evidence),
            "optional_evidence": list(self.optional_evidence),
            "references": list(self.references),
            "remediation": self.remediation,
            "source": self.source,
        }


def check(*, id: str, title: str, likelihood: int, impact: int, evidence: Iterable[str],
          params: type[CheckParams] = CheckParams, references: Iterable[str] = (),
          remediation: str = "", optional_evidence: Iterable[str] = (),
          each: Walker | None = None) -> Callable[[Callable[..., Any]], CheckSpec]:
    """Declare a check; the decorated function becomes a CheckSpec the registry finds."""
    if not _ID.match(id):
        raise ValueError(f"check id {id!r} must be dotted lower-case words, e.g. 'ad.password.x'")

    def wrap(func: Callable[..., Any]) -> CheckSpec:
        return CheckSpec(id=id, title=title, likelihood=likelihood, impact=impact,
                         evidence=tuple(evidence),
                         func=func if each is None else _judging(each, func), params=params,
                         optional_evidence=tuple(optional_evidence),
                         references=tuple(references), remediation=remediation,
                         description=_description(id, func))

    return wrap


def _judging(each: Walker, judge: Judge) -> CheckFunction:
    """The engine's contract (evidence, params -> Outcomes) around a judge of single items."""

    @functools.wraps(judge)
    def run(evidence: EvidenceSet, params: Any) -> Iterator[Outcome]:
        for item in each(evidence):
            if isinstance(item, Outcome):  # the walker could not read this part
                yield item
            else:
                yield from outcomes(judge(item, params), item)

    return run


def _description(check_id: str, func: Callable[..., Any]) -> str:
    module = sys.modules.get(func.__module__)
    text = inspect.cleandoc(getattr(module, "__doc__", None) or "").split("\n\n", 1)[0]
    text = " ".join(text.split()).removeprefix(f"{check_id}:").strip()
    first = text.split(" ", 1)[0]
    return text[:1].upper() + text[1:] if first.islower() else text  # not adminCount -> AdminCount
