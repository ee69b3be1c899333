"""host.patch.pending_updates: the admin host has no pending security updates.

Read from the package manager's cached lists (apt, dnf). The collector does not refresh them, so
when the lists are older than the profile allows and nothing is pending, the state is unknown
(`error`) rather than a pass.
"""

from __future__ import annotations

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, ok, unknown
from gitc_agent.model.kinds import HOST_STATE
from gitc_agent.model.timeutil import parse_time

from ._admin_host import AdminHost, admin_hosts


class Params(CheckParams):
    max_security_updates: int = Field(default=0, ge=0)
    max_other_updates: int | None = Field(default=None, ge=0)
    max_list_age_days: int = Field(default=7, ge=1)


@check(
    id="host.patch.pending_updates",
    title="The admin host has no pending security updates",
    likelihood=4,
    impact=4,
    evidence=[HOST_STATE],
    each=admin_hosts,
    params=Params,
    references=["ISO 27002:2022 8.8", "CIS v8 7.3"],
    remediation="Install the pending updates (apt upgrade / dnf upgrade) and enable automatic "
                "security updates (unattended-upgrades, dnf-automatic).",
)
def judge(host: AdminHost, params: Params) -> Verdict:
    managers = host.data.get("package_managers") or []
    parts = [host.data.get(f"updates_{m}") for m in managers]
    failed = [e["message"] for e in host.errors if e["part"].startswith("updates")]
    if failed or not parts or any(not isinstance(p, dict) for p in parts):
        return unknown(f"{host.name}: pending updates could not be read "
                       f"({'; '.join(failed) or 'no package manager data'}).")
    packages = [p for part in parts for p in part.get("packages", [])]
    security = sorted(p["name"] for p in packages if p.get("security"))
    other = len(packages) - len(security)
    refreshed = parts[0].get("lists_updated_at")
    collected, lists = parse_time(host.doc.collected_at), parse_time(refreshed)
    list_age = (collected - lists).days if collected and lists else None
    evidence = {"managers": managers, "security_updates": security, "other_updates": other,
                "lists_age_days": list_age}
    problems = []
    if len(security) > params.max_security_updates:
        problems.append(f"{len(security)} security update(s) pending "
                        f"({', '.join(security[:10])}{', ...' if len(security) > 10 else ''})")
    if params.max_other_updates is not None and other > params.max_other_updates:
        problems.append(f"{other} other update(s) pending")
    if problems:
        return fail(f"{host.name}: {'; '.join(problems)}.", **evidence)
    if refreshed and list_age is None:
        return unknown(f"{host.name}: the time the package lists were refreshed ({refreshed!r}) or "
                       "collected could not be read, so 'nothing pending' cannot be trusted.",
                       **evidence)
    if list_age is not None and list_age > params.max_list_age_days:
        return unknown(f"{host.name}: the package lists are {list_age} days old (norm: refreshed "
                       f"within {params.max_list_age_days}), so 'nothing pending' cannot be "
                       "trusted.", **evidence)
    return ok(f"{host.name}: no security updates pending ({other} other).", **evidence)
