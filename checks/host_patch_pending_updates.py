"""host.patch.pending_updates: the admin host has no pending security updates.

Read from the package manager's cached lists (apt, dnf). The collector does not refresh them, so
when the lists are older than the profile allows and nothing is pending, the state is unknown
(`error`) rather than a pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, EvidenceSet, Outcome, Status, check

from ._windows_hosts import parse_time

KIND = "host.state"


class Params(CheckParams):
    max_security_updates: int = Field(default=0, ge=0)
    max_other_updates: int | None = Field(default=None, ge=0)
    max_list_age_days: int = Field(default=7, ge=1)


@check(
    id="host.patch.pending_updates",
    title="The admin host has no pending security updates",
    likelihood=4,
    impact=4,
    evidence=[KIND],
    params=Params,
    references=["ISO 27002:2022 8.8", "CIS v8 7.3"],
    remediation="Install the pending updates (apt upgrade / dnf upgrade) and enable automatic "
                "security updates (unattended-upgrades, dnf-automatic).",
)
def pending_updates(evidence: EvidenceSet, params: Params) -> Iterator[Outcome]:
    for doc in evidence.of_kind(KIND):
        source = doc.source
        subject = f"host:{doc.target}"
        managers = doc.data.get("package_managers") or []
        parts = [doc.data.get(f"updates_{m}") for m in managers]
        failed = [e["message"] for e in doc.errors if e["part"].startswith("updates")]
        if failed or not parts or any(not isinstance(p, dict) for p in parts):
            yield Outcome(subject, Status.ERROR,
                          f"{doc.target}: pending updates could not be read "
                          f"({'; '.join(failed) or 'no package manager data'}).", source)
            continue
        packages = [p for part in parts for p in part.get("packages", [])]
        security = sorted(p["name"] for p in packages if p.get("security"))
        other = len(packages) - len(security)
        collected = parse_time(doc.collected_at)
        lists = parse_time(parts[0].get("lists_updated_at"))
        list_age = (collected - lists).days if collected and lists else None
        evidence = {**source, "managers": managers, "security_updates": security,
                    "other_updates": other, "lists_age_days": list_age}
        problems = []
        if len(security) > params.max_security_updates:
            problems.append(f"{len(security)} security update(s) pending "
                            f"({', '.join(security[:10])}{', ...' if len(security) > 10 else ''})")
        if params.max_other_updates is not None and other > params.max_other_updates:
            problems.append(f"{other} other update(s) pending")
        if problems:
            yield Outcome(subject, Status.FAIL, f"{doc.target}: {'; '.join(problems)}.",
                          evidence)
        elif list_age is not None and list_age > params.max_list_age_days:
            yield Outcome(subject, Status.ERROR,
                          f"{doc.target}: the package lists are {list_age} days old (norm: "
                          f"refreshed within {params.max_list_age_days}), so 'nothing pending' "
                          "cannot be trusted.", evidence)
        else:
            yield Outcome(subject, Status.PASS,
                          f"{doc.target}: no security updates pending ({other} other).",
                          evidence)
