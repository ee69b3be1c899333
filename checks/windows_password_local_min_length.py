"""windows.password.local_min_length: the host's local password policy against the norm.

Local accounts (including the built-in Administrator) follow the local policy, not the domain's.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model.kinds import WINDOWS_HOST_STATE

from ._windows_hosts import Host, windows_hosts


class Params(CheckParams):
    min_length: int = Field(default=12, ge=1, le=255)


@check(
    id="windows.password.local_min_length",
    title="Local password policy minimum length meets the norm",
    likelihood=3,
    impact=4,
    evidence=[WINDOWS_HOST_STATE],
    each=windows_hosts,
    params=Params,
    references=["ISO 27002:2022 5.17"],
    remediation="Set 'Minimum password length' in the local (or domain-linked) security policy, "
                "and manage local administrator passwords with Windows LAPS.",
)
def judge(host: Host, params: Params) -> Verdict:
    actual = (host.part("password", "password_policy") or {}).get("min_length")
    if not isinstance(actual, int):
        return unknown(msg("{host}: the local password policy could not be read ({reason}), so "
                           "this was not assessed.", host=host.name,
                           reason=host.reason("password")))
    evidence = {"min_length": actual, "required": params.min_length}
    if actual >= params.min_length:
        return ok(msg("{host}: local minimum password length {actual} meets the norm of "
                      "{norm}.", host=host.name, actual=actual, norm=params.min_length),
                  **evidence)
    return fail(msg("{host}: local minimum password length {actual} is below the norm of "
                    "{norm}.", host=host.name, actual=actual, norm=params.min_length), **evidence)
