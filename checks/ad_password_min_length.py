"""ad.password.min_length: the domain policy and every PSO against the norm's minimum length.

A PSO overrides the domain policy for the accounts it applies to, so a weak PSO is a finding even
when the domain policy is fine; one that applies to nobody yet is latent: reported, less likely.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok
from gitc_agent.model.kinds import AD_PASSWORD_POLICY

from ._password_objects import MIN_LENGTH_BELOW, MIN_LENGTH_MEETS, PolicyObject, password_objects


class Params(CheckParams):
    min_length: int = Field(default=12, ge=1, le=255)


@check(id="ad.password.min_length", title="Minimum password length meets the norm",
       likelihood=4, impact=4, evidence=[AD_PASSWORD_POLICY], each=password_objects, params=Params,
       references=["ISO 27002:2022 5.17", "NIS2 art. 21(2)(g)"],
       remediation="Raise the minimum password length of the default domain policy (GPO 'Minimum password "
                   "length') and of every fine-grained password policy (msDS-MinimumPasswordLength) to at "
                   "least the norm. Values above 14 in the GPO need 'Relax minimum password length limits'.")
def judge(policy: PolicyObject, params: Params) -> Verdict:
    actual, norm = policy.settings.get("min_length"), params.min_length
    if actual is None:
        return policy.unreadable("min_length")
    evidence = {"object": policy.dn, "min_length": actual, "required": norm, **policy.scope}
    if actual >= norm:
        return ok(policy.say(*MIN_LENGTH_MEETS, actual=actual, norm=norm), **evidence)
    if policy.latent:
        return fail(msg("PSO {policy}: minimum length {actual} is below the norm of {norm}. It applies "
                        "to no user or group now, so the likelihood is lowered; it takes effect as soon "
                        "as it is applied.", policy=policy.name, actual=actual, norm=norm),
                    likelihood=2, **evidence)
    return fail(policy.say(*MIN_LENGTH_BELOW, actual=actual, norm=norm, **policy.reach), **evidence)
