"""host.monitoring.agent_running: monitoring agents run on the admin host.

A role is met when any of its names is a running process, the path of a running executable
(or a prefix such as /opt/traps/), or a running systemd unit.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from gitc_agent.core.check_api import CheckParams, Verdict, check, fail, msg, ok, unknown
from gitc_agent.model import subjects
from gitc_agent.model.kinds import HOST_STATE

from ._admin_host import AdminHost, admin_hosts
from ._agents import AgentRequirement


class Params(CheckParams):
    required: list[AgentRequirement] = Field(default_factory=lambda: [
        AgentRequirement(role="EDR", any_of=["/opt/traps/", "falcon-sensor", "wdavdaemon",
                                             "sentinelone-agent"]),
        AgentRequirement(role="log forwarding", any_of=["splunkd", "filebeat", "fluent-bit",
                                                        "elastic-agent", "nxlog"]),
    ])


@check(
    id="host.monitoring.agent_running",
    title="Monitoring agents (EDR, log forwarding) run on the admin host",
    likelihood=3,
    impact=4,
    evidence=[HOST_STATE],
    each=admin_hosts,
    params=Params,
    references=["ISO 27002:2022 8.15", "ISO 27002:2022 8.16", "CIS v8 8.2"],
    remediation="Install and enable the EDR agent and the log forwarder on the admin host; it "
                "holds credentials for the whole estate.",
)
def judge(host: AdminHost, params: Params) -> Iterator[Verdict]:
    agents = host.data.get("agents") or {}
    if host.error_for("agents") or not isinstance(agents.get("process_names"), list):
        for req in params.required:
            yield unknown(msg("{host}: running processes could not be read ({reason}).",
                              host=host.name, reason=host.error_for("agents") or msg("missing")),
                          subject=subjects.aspect(host.subject, req.role))
        return
    names = set(agents["process_names"]) | set(agents.get("services") or [])
    units = {u.removesuffix(".service") for u in agents.get("systemd_units") or []}
    exes = agents.get("executables") or []
    for req in params.required:
        hits = [n for n in req.any_of
                if n in names or n in units or any(e == n or e.startswith(n) for e in exes)]
        subject = subjects.aspect(host.subject, req.role)
        evidence = {"role": req.role, "any_of": req.any_of, "found": hits}
        if hits:
            yield ok(msg("{host}: {role} agent running ({agents}).", host=host.name,
                         role=req.role, agents=", ".join(hits)), subject=subject, **evidence)
        else:
            yield fail(msg("{host}: no {role} agent is running (looked for {agents}).",
                           host=host.name, role=req.role, agents=", ".join(req.any_of)),
                       subject=subject, **evidence)
