"""What a judge returns: a verdict about the item its walker handed it.

A verdict names no subject and no source unless it must: both default to the item's, so a judge
says only what it found (`fail("minimum length 8 is below the norm of 12", min_length=8)`) and
every result still carries the evidence's target, collection time and file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from gitc_agent.core.results import Outcome, Status
from gitc_agent.model.message import Message


class Judged(Protocol):
    """What a walker hands a judge: one domain, PSO, host, export or feed."""

    @property
    def subject(self) -> str: ...  # what its verdicts are about, unless they say otherwise

    @property
    def source(self) -> Mapping[str, Any]: ...  # where its evidence came from


@dataclass(frozen=True)
class Verdict:
    status: Status
    message: str | Message
    evidence: dict[str, Any] = field(default_factory=dict)
    subject: str | None = None
    likelihood: int | None = None
    impact: int | None = None

    def about(self, item: Judged) -> Outcome:
        return Outcome(self.subject or item.subject, self.status, self.message,  # type: ignore[arg-type]
                       {**item.source, **self.evidence}, self.likelihood, self.impact)


def ok(message: str | Message, /, *, subject: str | None = None, **evidence: Any) -> Verdict:
    """The evidence shows the norm is met."""
    return Verdict(Status.PASS, message, evidence, subject)


def fail(message: str | Message, /, *, subject: str | None = None, likelihood: int | None = None,
         impact: int | None = None, **evidence: Any) -> Verdict:
    """The evidence shows the norm is not met; `likelihood`/`impact` only when this subject
    warrants leaving the check's defaults (the message says why)."""
    return Verdict(Status.FAIL, message, evidence, subject, likelihood, impact)


def unknown(message: str | Message, /, *, subject: str | None = None, **evidence: Any) -> Verdict:
    """The check could not look (unreadable or missing): not assessed, never a pass."""
    return Verdict(Status.ERROR, message, evidence, subject)


def not_applicable(message: str | Message, /, *, subject: str | None = None, **evidence: Any) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, message, evidence, subject)


def outcomes(returned: Any, item: Judged) -> Iterator[Any]:
    """A judge's return value (one verdict or Outcome, or an iterable of them) as Outcomes.
    Anything else is passed on for the engine to report as a broken check."""
    if isinstance(returned, Outcome | Verdict | str) or not isinstance(returned, Iterable):
        returned = (returned,)
    for verdict in returned:
        yield verdict.about(item) if isinstance(verdict, Verdict) else verdict
