"""windows.monitoring.agent_running: each monitoring role has a service that runs and autostarts.

A role (EDR, log forwarding) is met by any of its service names. A name the collection did not
query cannot be judged absent: that is an `error`, not a fail and not a pass.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import WINDOWS_HOST_STATE
from gitc_agent.model.message import msg_list

from ._agents import AgentRequirement
from ._windows_hosts import Host, windows_hosts

AUTOMATIC = {"automatic", "automaticdelayedstart", "auto"}


class Params(CheckParams):
    required: list[AgentRequirement] = Field(default_factory=lambda: [
        AgentRequirement(role="EDR", any_of=["Sense", "cyserver", "CSFalconService",
                                             "SentinelAgent"]),
        AgentRequirement(role="log forwarding", any_of=["SplunkForwarder", "winlogbeat",
                                                        "nxlog", "AzureMonitorAgent"]),
    ])
    require_automatic_start: bool = True


@check(
    id="windows.monitoring.agent_running",
    title="Monitoring agents (EDR, log forwarding) run and start automatically",
    likelihood=3,
    impact=4,
    evidence=[WINDOWS_HOST_STATE],
    each=windows_hosts,
    params=Params,
    references=["ISO 27002:2022 8.15", "ISO 27002:2022 8.16", "CIS v8 8.2"],
    remediation="Install or repair the agent, set its service to start automatically and find "
                "out why it stopped (tampering, crash, licence); alert on a stopped agent.",
)
def judge(host: Host, params: Params) -> Iterator[Verdict]:
    for req in params.required:
        yield _role(host, req, params.require_automatic_start)


def _role(host: Host, req: AgentRequirement, automatic: bool) -> Verdict:
    subject = subjects.aspect(host.subject, req.role)
    services = host.part("services", "services")
    if not isinstance(services, dict) or not isinstance(services.get("found"), list):
        return unknown(msg("{host}: the service list could not be read ({reason}), so this was "
                           "not assessed.", host=host.name, reason=host.reason("services")),
                       subject=subject)
    wanted = {n.lower() for n in req.any_of}
    found = [s for s in services["found"] if str(s.get("name", "")).lower() in wanted]
    queried = {str(n).lower() for n in services.get("queried") or []}
    evidence = {"role": req.role, "any_of": req.any_of, "found": found}
    if not found:
        if queried and not wanted <= queried:
            missing = sorted(n for n in req.any_of if n.lower() not in queried)
            return unknown(msg("{host}: {role}: service(s) {services} were not queried (add "
                               "them to winrm.services in the config), so this role was not "
                               "assessed.", host=host.name, role=req.role,
                               services=", ".join(missing)), subject=subject, **evidence)
        return fail(msg("{host}: no {role} service is installed (looked for {services}).",
                        host=host.name, role=req.role, services=", ".join(req.any_of)),
                    subject=subject, **evidence)
    good = [s for s in found if str(s.get("status")).lower() == "running"
            and (not automatic or str(s.get("start_type", "")).lower() in AUTOMATIC)]
    if good:
        s = good[0]
        return ok(msg("{host}: {role} service {service} is running (start type {start}).",
                      host=host.name, role=req.role, service=s["name"],
                      start=str(s.get("start_type"))), subject=subject, **evidence)
    desc = msg_list([msg("{service} is {status}, start type {start}", service=str(s.get("name")),
                         status=str(s.get("status")), start=str(s.get("start_type")))
                     for s in found])
    return fail(msg("{host}: {role} is installed but not running and set to start "
                    "automatically: {services}.", host=host.name, role=req.role, services=desc),
                subject=subject, **evidence)
