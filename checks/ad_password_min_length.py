"""ad.password.min_length: the domain policy and every PSO against the norm's minimum length.

A PSO overrides the domain policy for the accounts it applies to, so a weak PSO is a finding even
when the domain policy is fine. A weak PSO that applies to nobody is latent: still reported, with
a lower likelihood.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._password_objects import KIND, PolicyObject, unreadable, walk


class Params(CheckParams):
    min_length: int = Field(default=12, ge=1, le=255)


@check(
    id="ad.password.min_length",
    title="Minimum password length meets the norm",
    likelihood=4,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.17", "NIS2 art. 21(2)(g)"],
    remediation=(
        "Raise the minimum password length of the default domain policy (GPO 'Minimum password "
        "length') and of every fine-grained password policy (msDS-MinimumPasswordLength) to at "
        "least the norm. Values above 14 in the GPO need 'Relax minimum password length limits'."
    ),
)
def min_length(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for item in walk(evidence):
        if isinstance(item, Outcome):
            yield item
            continue
        yield _judge(item, params.min_length)


def _judge(obj: PolicyObject, required: int) -> Outcome:
    actual = obj.settings.get("min_length")
    if actual is None:
        return unreadable(obj, "min_length", "the minimum password length")
    evidence = {**obj.source, "object": obj.subject.split(":", 1)[1], "min_length": actual,
                "required": required}
    if obj.applies_to is not None:
        evidence["applies_to"] = list(obj.applies_to)
        evidence["precedence"] = obj.settings.get("precedence")
    if actual >= required:
        return Outcome(obj.subject, Status.PASS,
                       f"{obj.label}: minimum length {actual} meets the norm of {required}.",
                       evidence)
    message = f"{obj.label}: minimum length {actual} is below the norm of {required}."
    if obj.applies_to is not None and not obj.applies_to:
        return Outcome(obj.subject, Status.FAIL,
                       message + " It applies to no user or group now, so the likelihood is "
                                 "lowered; it takes effect as soon as it is applied.",
                       evidence, likelihood=2)
    if obj.applies_to:
        message += f" It overrides the domain policy for {len(obj.applies_to)} user(s)/group(s)."
    return Outcome(obj.subject, Status.FAIL, message, evidence)
