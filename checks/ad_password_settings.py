"""ad.password.settings: history, maximum age, lockout, complexity and reversible encryption.

One result per policy object and setting, so each can be followed up (and excepted) on its own.
A setting the profile leaves out (null) is not assessed by that profile.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok
from gitc_agent.model import subjects
from gitc_agent.model.kinds import AD_PASSWORD_POLICY

from ._password_objects import PolicyObject, password_objects


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
    evidence=[AD_PASSWORD_POLICY],
    each=password_objects,
    params=Params,
    references=["ISO 27002:2022 5.17", "NIS2 art. 21(2)(g)"],
    remediation=(
        "Align the default domain policy and each fine-grained password policy with the norm: "
        "password history, maximum password age, account lockout threshold, complexity, and "
        "never store passwords with reversible encryption."
    ),
)
def judge(obj: PolicyObject, p: Params) -> Iterator[Verdict]:
    s = obj.settings

    def missing(key: str, hint: str) -> Verdict:
        return obj.unreadable(hint, subjects.aspect(obj.subject, key))

    if p.history_min is not None:
        if (v := s.get("history")) is None:
            yield missing("history", "the password history length")
        else:
            yield _verdict(obj, "history", v >= p.history_min,
                           f"password history {v} (norm: at least {p.history_min}).",
                           v, f">= {p.history_min}")
    if p.max_age_days_max is not None:
        if "max_age_never" not in s:
            yield missing("max_age", "the maximum password age")
        elif s["max_age_never"]:
            yield _verdict(obj, "max_age", False,
                           f"passwords never expire (norm: at most {p.max_age_days_max} days).",
                           "never", f"<= {p.max_age_days_max} days")
        else:
            v = s["max_age_days"]
            yield _verdict(obj, "max_age", v <= p.max_age_days_max,
                           f"maximum password age {v:g} days (norm: at most "
                           f"{p.max_age_days_max}).", v, f"<= {p.max_age_days_max} days")
    if p.lockout_threshold_max is not None:
        if (v := s.get("lockout_threshold")) is None:
            yield missing("lockout_threshold", "the account lockout threshold")
        elif v == 0:
            yield _verdict(obj, "lockout_threshold", False,
                           "accounts are never locked out (threshold 0), so passwords can be "
                           f"guessed without limit (norm: 1 to {p.lockout_threshold_max}).",
                           0, f"1..{p.lockout_threshold_max}")
        else:
            yield _verdict(obj, "lockout_threshold", v <= p.lockout_threshold_max,
                           f"lockout after {v} failed attempts (norm: at most "
                           f"{p.lockout_threshold_max}).", v, f"1..{p.lockout_threshold_max}")
    if p.complexity_required is not None:
        if (v := s.get("complexity")) is None:
            yield missing("complexity", "the complexity setting")
        else:
            yield _verdict(obj, "complexity", v == p.complexity_required,
                           f"complexity {'on' if v else 'off'} (norm: "
                           f"{'on' if p.complexity_required else 'off'}).",
                           v, p.complexity_required)
    if (v := s.get("reversible_encryption")) is None:
        yield missing("reversible_encryption", "the reversible-encryption setting")
    else:
        met = p.reversible_encryption_allowed or not v
        yield _verdict(obj, "reversible_encryption", met,
                       "passwords are stored with reversible encryption (equivalent to clear "
                       "text), so impact is raised." if v else
                       "passwords are not stored with reversible encryption.",
                       v, "off", impact=5)


def _verdict(obj: PolicyObject, setting: str, met: bool, message: str, actual: object,
             norm: object, impact: int | None = None) -> Verdict:
    """One result per setting, so each can be followed up (and excepted) on its own."""
    subject = subjects.aspect(obj.subject, setting)
    evidence = {"object": obj.dn, "setting": setting, "actual": actual, "norm": norm}
    if met:
        return ok(f"{obj.label}: {message}", subject=subject, **evidence)
    return fail(f"{obj.label}: {message}", subject=subject, impact=impact, **evidence)
