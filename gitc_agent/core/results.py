"""What checks yield (Outcome) and what the engine makes of it (Result)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gitc_agent.model.message import Message, plain


class Status(StrEnum):
    """Result status, a closed set. There is no silent pass: `error` means not assessed."""

    FAIL = "fail"
    PASS = "pass"
    ERROR = "error"
    ACCEPTED = "accepted"
    NOT_APPLICABLE = "not_applicable"

    @property
    def is_finding(self) -> bool:
        """A finding is what the auditor reports: open (fail) or covered by an exception."""
        return self in FINDING_STATUSES


# The one place that says which statuses are findings: scored on the matrix, counted in the
# heatmap, shown as findings and followed up. A StrEnum, so a report's plain strings match too.
FINDING_STATUSES: frozenset[Status] = frozenset({Status.FAIL, Status.ACCEPTED})


@dataclass(frozen=True, slots=True)  # slots: a check can yield 100,000 of them at once
class Outcome:
    """One verdict of a check about one subject.

    `likelihood`/`impact` are set only when the evidence warrants moving away from the check's
    defaults for this subject; `message` must then say why.
    """

    subject: str
    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)
    likelihood: int | None = None
    impact: int | None = None
    template: str | None = None  # set from a Message: the msgid a renderer translates
    params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        message: Any = self.message
        if isinstance(message, Message):  # Outcome(subject, status, msg("..."), ...)
            object.__setattr__(self, "message", str(message))
            object.__setattr__(self, "template", message.template)
            object.__setattr__(self, "params", plain(message.params))


def fingerprint(check_id: str, subject: str) -> str:
    """Stable identity of a finding across runs: check id and subject, never message or time."""
    digest = hashlib.sha256(f"{check_id}\x00{subject}".encode()).hexdigest()
    return digest[:20]


@dataclass(slots=True)  # slots: a register of 100,000 tickets gives 300,000 of them
class Result:
    """A scored, exception-aware verdict as it goes into the report."""

    check: str
    title: str
    subject: str
    status: Status
    message: str
    evidence: dict[str, Any]
    remediation: str
    references: list[str]
    likelihood: int | None = None
    impact: int | None = None
    priority: str | None = None
    exception: dict[str, Any] | None = None
    follow_up: str | None = None
    # The English `message` is rendered from these (plus the exception's sentence): a renderer
    # in another language translates the template and fills in the same values.
    message_template: str | None = None
    message_params: dict[str, Any] | None = None

    @property
    def id(self) -> str:
        return fingerprint(self.check, self.subject)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "check": self.check,
            "title": self.title,
            "subject": self.subject,
            "status": self.status.value,
            "likelihood": self.likelihood,
            "impact": self.impact,
            "priority": self.priority,
            "message": self.message,
            "evidence": self.evidence,
            "remediation": self.remediation,
            "references": self.references,
            "exception": self.exception,
            "follow_up": self.follow_up,
            **({"message_template": self.message_template,
                "message_params": self.message_params or {}}
               if self.message_template is not None else {}),
        }
