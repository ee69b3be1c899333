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
from gitc_agent.model.message import N_

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

    def missing(key: str) -> Verdict:
        return obj.unreadable(key, subjects.aspect(obj.subject, key))

    if p.history_min is not None:
        if (v := s.get("history")) is None:
            yield missing("history")
        else:
            yield _verdict(obj, "history", v >= p.history_min, _HISTORY, v, f">= {p.history_min}",
                           actual=v, norm=p.history_min)
    if p.max_age_days_max is not None:
        if "max_age_never" not in s:
            yield missing("max_age")
        elif s["max_age_never"]:
            yield _verdict(obj, "max_age", False, _NEVER_EXPIRE, "never",
                           f"<= {p.max_age_days_max} days", norm=p.max_age_days_max)
        else:
            v = s["max_age_days"]
            yield _verdict(obj, "max_age", v <= p.max_age_days_max, _MAX_AGE, v,
                           f"<= {p.max_age_days_max} days", actual=f"{v:g}",
                           norm=p.max_age_days_max)
    if p.lockout_threshold_max is not None:
        if (v := s.get("lockout_threshold")) is None:
            yield missing("lockout_threshold")
        elif v == 0:
            yield _verdict(obj, "lockout_threshold", False, _NO_LOCKOUT, 0,
                           f"1..{p.lockout_threshold_max}", norm=p.lockout_threshold_max)
        else:
            yield _verdict(obj, "lockout_threshold", v <= p.lockout_threshold_max, _LOCKOUT, v,
                           f"1..{p.lockout_threshold_max}", actual=v,
                           norm=p.lockout_threshold_max)
    if p.complexity_required is not None:
        if (v := s.get("complexity")) is None:
            yield missing("complexity")
        else:
            yield _verdict(obj, "complexity", v == p.complexity_required,
                           _COMPLEXITY[bool(v), p.complexity_required], v, p.complexity_required)
    if (v := s.get("reversible_encryption")) is None:
        yield missing("reversible_encryption")
    else:
        met = p.reversible_encryption_allowed or not v
        yield _verdict(obj, "reversible_encryption", met,
                       _REVERSIBLE if v else _NOT_REVERSIBLE, v, "off", impact=5)


def _verdict(obj: PolicyObject, setting: str, met: bool, templates: tuple[str, str],
             found: object, required: object, /, impact: int | None = None, **values: object
             ) -> Verdict:
    """One result per setting, so each can be followed up (and excepted) on its own;
    `templates` say it of the domain policy and of a PSO, filled in with `values`."""
    subject = subjects.aspect(obj.subject, setting)
    evidence = {"object": obj.dn, "setting": setting, "actual": found, "norm": required}
    message = obj.say(*templates, **values)
    if met:
        return ok(message, subject=subject, **evidence)
    return fail(message, subject=subject, impact=impact, **evidence)


# (default domain policy, PSO): each sentence whole, so it translates whole
_HISTORY = (
    N_("default domain policy ({policy}): password history {actual} (norm: at least {norm})."),
    N_("PSO {policy}: password history {actual} (norm: at least {norm})."))
_NEVER_EXPIRE = (
    N_("default domain policy ({policy}): passwords never expire (norm: at most {norm} days)."),
    N_("PSO {policy}: passwords never expire (norm: at most {norm} days)."))
_MAX_AGE = (
    N_("default domain policy ({policy}): maximum password age {actual} days (norm: at most "
       "{norm})."),
    N_("PSO {policy}: maximum password age {actual} days (norm: at most {norm})."))
_NO_LOCKOUT = (
    N_("default domain policy ({policy}): accounts are never locked out (threshold 0), so "
       "passwords can be guessed without limit (norm: 1 to {norm})."),
    N_("PSO {policy}: accounts are never locked out (threshold 0), so passwords can be guessed "
       "without limit (norm: 1 to {norm})."))
_LOCKOUT = (
    N_("default domain policy ({policy}): lockout after {actual} failed attempts (norm: at most "
       "{norm})."),
    N_("PSO {policy}: lockout after {actual} failed attempts (norm: at most {norm})."))
#: (complexity on, norm on) -> templates
_COMPLEXITY = {
    (True, True): (N_("default domain policy ({policy}): complexity on (norm: on)."),
                   N_("PSO {policy}: complexity on (norm: on).")),
    (False, True): (N_("default domain policy ({policy}): complexity off (norm: on)."),
                    N_("PSO {policy}: complexity off (norm: on).")),
    (True, False): (N_("default domain policy ({policy}): complexity on (norm: off)."),
                    N_("PSO {policy}: complexity on (norm: off).")),
    (False, False): (N_("default domain policy ({policy}): complexity off (norm: off)."),
                     N_("PSO {policy}: complexity off (norm: off).")),
}
_REVERSIBLE = (
    N_("default domain policy ({policy}): passwords are stored with reversible encryption "
       "(equivalent to clear text), so impact is raised."),
    N_("PSO {policy}: passwords are stored with reversible encryption (equivalent to clear "
       "text), so impact is raised."))
_NOT_REVERSIBLE = (
    N_("default domain policy ({policy}): passwords are not stored with reversible encryption."),
    N_("PSO {policy}: passwords are not stored with reversible encryption."))
