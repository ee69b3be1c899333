"""ad.password.settings: history, maximum age, lockout, complexity and reversible encryption.

One result per policy object and setting, so each can be followed up (and excepted) on its own.
A setting the profile leaves out (null) is not assessed by that profile.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._password_objects import KIND, PolicyObject, unreadable, walk


class Params(CheckParams):
    history_min: int | None = Field(default=24, ge=0, le=1024)
    max_age_days_max: int | None = Field(default=365, ge=1)
    lockout_threshold_max: int | None = Field(default=10, ge=1)
    complexity_required: bool | None = True
    reversible_encryption_allowed: bool = False


@check(
    id="ad.password.settings",
    title="Password history, maximum age, lockout, complexity and storage meet the norm",
    likelihood=3,
    impact=3,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 5.17", "NIS2 art. 21(2)(g)"],
    remediation=(
        "Align the default domain policy and each fine-grained password policy with the norm: "
        "password history, maximum password age, account lockout threshold, complexity, and "
        "never store passwords with reversible encryption."
    ),
)
def settings(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for item in walk(evidence):
        if isinstance(item, Outcome):
            yield item
            continue
        yield from _judge(item, params)


def _outcome(obj: PolicyObject, setting: str, ok: bool, message: str, actual, norm,
             impact: int | None = None) -> Outcome:
    evidence = {**obj.source, "object": obj.subject.split(":", 1)[1], "setting": setting,
                "actual": actual, "norm": norm}
    return Outcome(f"{obj.subject}#{setting}", Status.PASS if ok else Status.FAIL,
                   f"{obj.label}: {message}", evidence, impact=None if ok else impact)


def _judge(obj: PolicyObject, p: Params) -> Iterator[Outcome]:
    s = obj.settings

    def missing(key: str, hint: str) -> Outcome:
        out = unreadable(obj, key, hint)
        return Outcome(f"{obj.subject}#{key}", out.status, out.message, out.evidence)

    if p.history_min is not None:
        if (v := s.get("history")) is None:
            yield missing("history", "the password history length")
        else:
            yield _outcome(obj, "history", v >= p.history_min,
                           f"password history {v} (norm: at least {p.history_min}).",
                           v, f">= {p.history_min}")
    if p.max_age_days_max is not None:
        if "max_age_never" not in s:
            yield missing("max_age", "the maximum password age")
        elif s["max_age_never"]:
            yield _outcome(obj, "max_age", False,
                           f"passwords never expire (norm: at most {p.max_age_days_max} days).",
                           "never", f"<= {p.max_age_days_max} days")
        else:
            v = s["max_age_days"]
            yield _outcome(obj, "max_age", v <= p.max_age_days_max,
                           f"maximum password age {v:g} days (norm: at most "
                           f"{p.max_age_days_max}).", v, f"<= {p.max_age_days_max} days")
    if p.lockout_threshold_max is not None:
        if (v := s.get("lockout_threshold")) is None:
            yield missing("lockout_threshold", "the account lockout threshold")
        elif v == 0:
            yield _outcome(obj, "lockout_threshold", False,
                           "accounts are never locked out (threshold 0), so passwords can be "
                           f"guessed without limit (norm: 1 to {p.lockout_threshold_max}).",
                           0, f"1..{p.lockout_threshold_max}")
        else:
            yield _outcome(obj, "lockout_threshold", v <= p.lockout_threshold_max,
                           f"lockout after {v} failed attempts (norm: at most "
                           f"{p.lockout_threshold_max}).", v, f"1..{p.lockout_threshold_max}")
    if p.complexity_required is not None:
        if (v := s.get("complexity")) is None:
            yield missing("complexity", "the complexity setting")
        else:
            yield _outcome(obj, "complexity", v == p.complexity_required,
                           f"complexity {'on' if v else 'off'} (norm: "
                           f"{'on' if p.complexity_required else 'off'}).",
                           v, p.complexity_required)
    if (v := s.get("reversible_encryption")) is None:
        yield missing("reversible_encryption", "the reversible-encryption setting")
    else:
        ok = p.reversible_encryption_allowed or not v
        yield _outcome(obj, "reversible_encryption", ok,
                       "passwords are stored with reversible encryption (equivalent to clear "
                       "text), so impact is raised." if v else
                       "passwords are not stored with reversible encryption.",
                       v, "off", impact=5)
