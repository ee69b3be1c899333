"""host.patch.pending_updates: the admin host has no pending security updates.

Read from the package manager's cached lists (apt, dnf). The collector does not refresh them, so
when nothing is pending but the lists of any manager are older than the profile allows, or their
age is unknown, the state is unknown (`error`) rather than a pass: stale lists cannot show a
pending update. Nor can a pending package whose security flag is unreadable.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
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
    if failed or not parts or any(not isinstance(p, dict) or not isinstance(p.get("packages"),
                                                                            list) for p in parts):
        return unknown(msg("{host}: pending updates could not be read ({reason}).",
                           host=host.name, reason="; ".join(failed) or msg("no package manager data")))
    packages = [p if isinstance(p, dict) else {} for part in parts for p in part["packages"]]
    security = sorted(str(p.get("name")) for p in packages if p.get("security") is True)
    unflagged = sorted(str(p.get("name")) for p in packages
                       if not isinstance(p.get("security"), bool))
    other = len(packages) - len(security) - len(unflagged)
    ages = {m: _age(host, part) for m, part in zip(managers, parts, strict=True)}
    known = [a for a in ages.values() if a is not None]
    evidence = {"managers": managers, "security_updates": security, "other_updates": other,
                "lists_age_days": max(known) if len(known) == len(ages) else None}
    too_many = len(security) > params.max_security_updates
    others = params.max_other_updates is not None and other > params.max_other_updates
    names = ", ".join(security[:10]) + (", ..." if len(security) > 10 else "")
    if too_many and others:
        return fail(msg("{host}: {count} security update(s) pending ({packages}); {other} other "
                        "update(s) pending.", host=host.name, count=len(security),
                        packages=names, other=other), **evidence)
    if too_many:
        return fail(msg("{host}: {count} security update(s) pending ({packages}).",
                        host=host.name, count=len(security), packages=names), **evidence)
    if others:
        return fail(msg("{host}: {other} other update(s) pending.", host=host.name, other=other),
                    **evidence)
    if unflagged:
        return unknown(msg("{host}: {count} pending update(s) not known to be security updates "
                           "or not ({packages}), so this is not assessed.", host=host.name,
                           count=len(unflagged), packages=", ".join(unflagged[:10])),
                       **evidence)
    unknown_age = [m for m, age in ages.items() if age is None]
    if unknown_age:
        refreshed = {m: host.data[f"updates_{m}"].get("lists_updated_at") for m in unknown_age}
        return unknown(msg("{host}: when the {managers} package lists were last refreshed is "
                           "unknown ({refreshed}), so 'nothing pending' cannot be trusted.",
                           host=host.name, managers=", ".join(unknown_age),
                           refreshed=str(refreshed)), **evidence)
    stale = {m: age for m, age in ages.items() if age is not None
             and age > params.max_list_age_days}
    if stale:
        return unknown(msg("{host}: the package lists are {days} days old ({managers}; norm: "
                           "refreshed within {norm}), so 'nothing pending' cannot be trusted.",
                           host=host.name, days=max(stale.values()), managers=", ".join(stale),
                           norm=params.max_list_age_days), **evidence)
    return ok(msg("{host}: no security updates pending ({other} other).", host=host.name,
                  other=other), **evidence)


def _age(host: AdminHost, part: dict[str, Any]) -> int | None:
    """Days between the lists' last refresh and the collection, or None when either is unknown."""
    collected, lists = parse_time(host.doc.collected_at), parse_time(part.get("lists_updated_at"))
    return (collected - lists).days if collected and lists else None
